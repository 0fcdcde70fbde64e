"""Denial of service by trickling: max_pool2d writes a frame header to the grader's channel
(file descriptor 3), then one byte every 0.2 s, forever. Each byte used to restart the
grader's read timeout, so grading never ended (issue 13, hole 4). Deadlines are absolute:
both pooling tests end in `timeout` at their time limit, the rest of the notebook is graded.
"""

CELLS = {
    "max_pool2d": """
import os, struct, time

def max_pool2d(x, kernel_size, stride=None):
    os.write(3, struct.pack("!QI", 10_000, 100))
    while True:
        os.write(3, b" ")
        time.sleep(0.2)
""",
}

EXPECT = {"test_max_pool2d": "timeout", "test_max_pool2d_overlap": "timeout"}
