"""Calls the forbidden oracles directly: torch.nn.functional.conv2d and scipy.signal.

The static scan names the import (status `forbidden`), and in the sandbox torch and scipy
are not importable at all, so the answers could not have worked anyway.
"""

CELLS = {
    "conv2d": """
import torch
import torch.nn.functional as F

def conv2d(x, w, b=None, stride=1, padding=0):
    t = lambda a: None if a is None else torch.from_numpy(np.ascontiguousarray(a))
    return F.conv2d(t(x), t(w), t(b), stride=stride, padding=padding).numpy()
""",
    "correlate2d": """
from scipy import signal

def correlate2d(image, kernel):
    return signal.correlate2d(image, kernel, mode="valid")
""",
}

EXPECT = {
    "test_conv2d": "forbidden",
    "test_conv2d_stride_padding": "forbidden",
    "test_conv2d_same_valid": "forbidden",
    "test_conv2d_vectorized": "forbidden",
    "test_correlate2d": "forbidden",
}
