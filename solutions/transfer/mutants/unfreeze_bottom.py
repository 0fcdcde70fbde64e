"""unfreeze_top unfreezes the first n_blocks stages (next to the input) instead of the last
ones, the most generic layers instead of the most task-specific."""

FAILS = ["test_unfreeze_top"]

CELLS = {
    "unfreeze_top": '''
def unfreeze_top(model, n_blocks):
    for block in model.features.blocks[:n_blocks]:
        for parameter in block.parameters():
            parameter.requires_grad = True
''',
}
