"""unfreeze_top ignores n_blocks and unfreezes the whole backbone."""

FAILS = ["test_unfreeze_top"]

CELLS = {
    "unfreeze_top": '''
def unfreeze_top(model, n_blocks):
    for parameter in model.features.parameters():
        parameter.requires_grad = True
''',
}
