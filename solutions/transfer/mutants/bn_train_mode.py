"""BatchNorm left in train mode: set_train_mode is just `model.train()`, so the frozen
backbone's BatchNorm layers normalise with batch statistics and overwrite their running
mean and variance while the head trains (and while fine-tuning)."""

FAILS = ["test_set_train_mode", "test_train_head", "test_fine_tune"]

CELLS = {
    "set_train_mode": '''
def set_train_mode(model):
    model.train()
''',
}
