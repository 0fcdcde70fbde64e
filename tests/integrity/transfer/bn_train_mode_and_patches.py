"""The usual transfer-learning bug, plus cheats: set_train_mode is `model.train()`
alone, so the frozen backbone's BatchNorm layers update their running statistics while
the head trains; and the submission patches torch.equal / torch.allclose /
np.array_equal in its kernel so that "nothing changed" checks would pass. The hidden
tests compare the returned weights and statistics in the grader, bit for bit, and catch it.
"""

ADDED = [
    (
        "setup",
        """
import numpy as np
torch.equal = lambda *args, **kwargs: True
torch.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
""",
    ),
]

CELLS = {
    "set_train_mode": """
def set_train_mode(model):
    model.train()
""",
}

EXPECT = {
    "test_set_train_mode": "failed",
    "test_train_head": "failed",
    "test_train_head_accuracy": ("failed", "passed"),
    "test_fine_tune": ("failed", "passed"),
    "test_fine_tune_lr": ("failed", "passed"),
    "test_unfreeze_top": ("failed", "passed"),
    "test_accuracy": ("failed", "passed"),
}
