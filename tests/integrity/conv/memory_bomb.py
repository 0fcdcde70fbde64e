"""Memory bombs: correlate2d asks for an 8 TiB array at once; max_pool2d keeps
allocating and touching 1 GiB blocks. Both hit the sandbox's memory limit (4 GiB by
default) and score 0 as out_of_memory; the machine and the other tasks are unharmed.
"""

CELLS = {
    "correlate2d": """
def correlate2d(image, kernel):
    return np.ones((1 << 40,))
""",
    "max_pool2d": """
_hoard = []

def max_pool2d(x, kernel_size, stride=None):
    while True:
        _hoard.append(np.ones(1 << 27))  # 1 GiB each, written to
""",
}

EXPECT = {
    "test_correlate2d": "out_of_memory",
    "test_max_pool2d": "out_of_memory",
    "test_max_pool2d_overlap": "out_of_memory",
}
