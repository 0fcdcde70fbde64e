"""Redefines grading helpers and test functions in later cells: expect, check_array,
assert_allclose, a `solution` object and test_* functions, then hands in a max_pool2d
that ignores the stride. The hidden tests use the grader's own helpers, so it still fails.
"""

CELLS = {
    "max_pool2d": """
def max_pool2d(x, kernel_size, stride=None):
    windows = sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    out = windows[:, :, ::kernel_size, ::kernel_size].max(axis=(4, 5))  # stride ignored
    return out
""",
}

ADDED = [
    (
        None,
        """
def expect(condition, message=""):
    pass

def check_array(*args, **kwargs):
    pass

def assert_allclose(*args, **kwargs):
    pass

class _Anything:
    def __getattr__(self, name):
        return lambda *args, **kwargs: max_pool2d(*args, **kwargs)

solution = _Anything()

def test_max_pool2d():
    pass

def test_max_pool2d_overlap():
    pass

time_ratio = lambda *args, **kwargs: 1.0
""",
    ),
]

EXPECT = {"test_max_pool2d_overlap": "failed", "test_max_pool2d": ("failed", "passed")}
