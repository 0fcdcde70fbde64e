"""Denial of service by a costly reply: max_pool2d writes a 64 MiB frame of nested empty
lists to the grader's channel. Decoding it once took a grading worker to 2,765 MiB and
18 s (issue 13, hole 5). Frames over the size, JSON or container limits are refused
before they are decoded: `protocol` status, the sandbox restarts, nothing else is lost.
"""

CELLS = {
    "max_pool2d": """
import os, struct

def max_pool2d(x, kernel_size, stride=None):
    doc = b"[" + b"[]," * (64 * 2**20 // 3) + b"[]]"
    os.write(3, struct.pack("!QI", len(doc), len(doc)))
    os.write(3, doc)
    return x
""",
}

EXPECT = {"test_max_pool2d": "protocol", "test_max_pool2d_overlap": "protocol"}
