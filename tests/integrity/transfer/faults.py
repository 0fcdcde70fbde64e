"""Faults in a PyTorch assignment: accuracy ends the process with os._exit(),
unfreeze_top segfaults (ctypes), replace_head calls sys.exit(), and a cell at import time
starts a daemon process. Each task gets 0 with status exited / crashed, the kernel
restarts (and reloads the pretrained model) for the rest, nothing outlives grading.
"""

ADDED = [
    (
        "setup",
        """
import os, time
if os.fork() == 0:
    os.setsid()
    while True:
        time.sleep(1)
""",
    ),
]

CELLS = {
    "accuracy": """
import os

def accuracy(model, split):
    os._exit(3)
""",
    "unfreeze_top": """
import ctypes

def unfreeze_top(model, n_blocks):
    ctypes.string_at(0)
""",
    "replace_head": """
import sys

def replace_head(model, num_classes):
    sys.exit("no head for you")
""",
}

EXPECT = {"test_accuracy": "exited", "test_unfreeze_top": "crashed", "test_replace_head": "exited"}
