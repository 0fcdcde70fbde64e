"""A student deleted the max_pool2d solution cell and one test cell, and edited another
test cell to `pass`. Test cells come from the source, so nothing is skipped; the max_pool2d
tasks are `missing`, every other task is graded as usual.
"""

DROP = ["max_pool2d", "test_pad2d"]
EDIT = {"test_conv2d": "pass  # the student removed the visible tests", "test_output_size": "1/0"}
CELLS = {}

EXPECT = {"test_max_pool2d": "missing", "test_max_pool2d_overlap": "missing"}
