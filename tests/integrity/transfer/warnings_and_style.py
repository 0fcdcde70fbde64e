"""Correct answers in another style must get full marks, and the warnings torch and
the student print on stderr must cost nothing: requires_grad_(False) on the trunk,
model.apply() to put BatchNorm layers in eval mode, a hand-written training loop with
its own parameter groups, warnings.warn and prints to stderr every epoch.
"""

CELLS = {
    "freeze_backbone": """
import sys, warnings

def freeze_backbone(model):
    warnings.warn("freezing the backbone (a harmless UserWarning)", UserWarning)
    print("note on stderr: freezing", file=sys.stderr)
    model.features.requires_grad_(False)
    model.classifier.requires_grad_(True)
""",
    "set_train_mode": """
def set_train_mode(model):
    model.train()

    def frozen_bn_to_eval(module):
        if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
            module.eval()

    model.features.apply(frozen_bn_to_eval)
""",
}

EXPECT = {}
