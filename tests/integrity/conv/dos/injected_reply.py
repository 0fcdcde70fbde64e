"""A reply the grader did not ask for: max_pool2d writes a well-formed frame of its own
(another request's id) to the grader's channel, then returns the right answer. Without
ids every later reply would be shifted by one (issue 13); a reply whose id is not the
request's ends that test with `protocol` and a fresh kernel for the next.
"""

CELLS = {
    "max_pool2d": """
import os
import numpy as np
from autograder import protocol

def max_pool2d(x, kernel_size, stride=None):
    os.write(3, protocol.encode({"ok": True, "id": 10**6, "value": np.zeros(3)}))
    stride = kernel_size if stride is None else stride
    windows = np.lib.stride_tricks.sliding_window_view(np.asarray(x), (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].max(axis=(4, 5))
""",
}

EXPECT = {"test_max_pool2d": "protocol", "test_max_pool2d_overlap": "protocol"}
