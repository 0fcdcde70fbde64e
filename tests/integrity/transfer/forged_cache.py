"""Forged training results (issue 13, hole 3): train_head and fine_tune do nothing, and a
cell the student added fills the cache that the sandbox-side harness once kept on the
`convnets` module with "runs" it never did: a head fitted on the held-out faces, top
blocks nudged by 1e-3, made-up optimizer groups, plausible losses and times. It also
plants the names the grader once used for its own caches. Nothing in the sandbox is taken
as a result any more: every training test runs the student's function itself and checks
the weights it returns against what the grader computes, so the forgery earns nothing.
"""

ADDED = [
    (
        "setup",
        """
import numpy as np
import convnets
import convnets.backbone

def _forge():
    model = pretrained_backbone(verbose=False).eval()
    pristine = {k: v.detach().numpy().copy() for k, v in model.state_dict().items()}
    held = faces(size=64)[1]                      # the held-out faces, if the sandbox hands them out
    with torch.no_grad():
        feats = model.features((held.x - model.mean) / model.std)
    head = nn.Linear(feats.shape[1], 2)
    opt = torch.optim.Adam(head.parameters(), lr=1e-2)
    for _ in range(300):
        opt.zero_grad()
        nn.functional.cross_entropy(head(feats), held.y).backward()
        opt.step()
    state = dict(pristine)
    del state["classifier.weight"], state["classifier.bias"]
    state["classifier.weight"] = head.weight.detach().numpy().copy()
    state["classifier.bias"] = head.bias.detach().numpy().copy()
    names = [k for k, _ in model.named_parameters()]
    flags = {k: k.startswith("classifier.") for k in names}
    before = {"weight": np.zeros((2, 1280), np.float32), "bias": np.zeros(2, np.float32)}
    top = [k for k in names if k.startswith(("features.blocks.16.", "features.blocks.17."))]
    tuned = dict(state)
    for k in top:
        tuned[k] = state[k] + np.float32(1e-3)
    tuned["classifier.weight"] = state["classifier.weight"] + np.float32(1e-3)
    groups = [{"lr": 1e-3, "names": ["classifier.weight", "classifier.bias"]}, {"lr": 1e-4, "names": top}]
    convnets._autograder_runs = {
        "head": {"seconds": 2.0, "losses": [0.6, 0.4, 0.3], "state": state, "flags": flags,
                 "head_before": before},
        "tune": {"seconds": 3.0, "losses": [0.3], "groups": groups, "state": tuned, "before": state},
    }
    convnets.backbone._autograder_pristine = (pristine, names, 18)
    convnets.backbone._autograder_held_out = held

_forge()
""",
    ),
]

CELLS = {
    "train_head": """
def train_head(model, train, epochs=5, lr=1e-2, batch_size=32, seed=0):
    return [0.6, 0.4, 0.3][:epochs]
""",
    "fine_tune": """
def fine_tune(model, train, epochs=3, head_lr=1e-3, backbone_lr=1e-4, batch_size=32, seed=0):
    return [0.3] * epochs
""",
}

EXPECT = {
    "test_train_head": "failed",
    "test_train_head_accuracy": "failed",
    "test_fine_tune": "failed",
    "test_fine_tune_lr": "failed",
}
