"""Backbone not frozen: `model.features.requires_grad = False` only sets a new attribute
on the module; every parameter keeps requires_grad=True."""

FAILS = ["test_freeze_backbone"]

CELLS = {
    "freeze_backbone": '''
def freeze_backbone(model):
    model.features.requires_grad = False
''',
}
