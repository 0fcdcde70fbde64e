"""Ends the process in every way: sys.exit() in output_size, os._exit() in
correlate2d, a segmentation fault (ctypes reads address 0) in max_pool2d. Each task gets
0 with status exited / crashed; the kernel is restarted for the rest.
"""

CELLS = {
    "output_size": """
import sys

def output_size(n, f, stride=1, padding=0):
    sys.exit(0)
""",
    "correlate2d": """
import os

def correlate2d(image, kernel):
    os._exit(1)
""",
    "max_pool2d": """
import ctypes

def max_pool2d(x, kernel_size, stride=None):
    return ctypes.string_at(0)
""",
}

EXPECT = {
    "test_output_size": "exited",
    "test_correlate2d": "exited",
    "test_max_pool2d": "crashed",
    "test_max_pool2d_overlap": "crashed",
}
