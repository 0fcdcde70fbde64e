"""The whole model is frozen, head included, so there is nothing left to train."""

FAILS = ["test_freeze_backbone"]

CELLS = {
    "freeze_backbone": '''
def freeze_backbone(model):
    for parameter in model.parameters():
        parameter.requires_grad = False
''',
}
