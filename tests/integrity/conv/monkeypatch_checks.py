"""Monkeypatches the checking machinery, then hands in wrong answers.

np.testing.assert_allclose / assert_array_equal, np.allclose, np.array_equal,
math.isclose and builtins.abs become no-ops or always-true, IPython's showtraceback is
silenced, and `assert` helpers are replaced. In nbgrader this earned full marks; here the
checks run in the grader's process, so the wrong correlate2d (flipped kernel) and the wrong
output_size (off by one) still fail.
"""

ADDED = [
    (
        None,
        """
import builtins, math
import numpy as np
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_equal = lambda *args, **kwargs: None
np.testing.assert_equal = lambda *args, **kwargs: None
np.allclose = lambda *args, **kwargs: True
np.array_equal = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
math.isclose = lambda *args, **kwargs: True
builtins.abs = lambda x: 0
builtins.all = lambda iterable: True
get_ipython().showtraceback = lambda *args, **kwargs: None
""",
    ),
]

CELLS = {
    "correlate2d": """
def correlate2d(image, kernel):
    kernel = kernel[::-1, ::-1]  # a true convolution: flipped kernel
    windows = sliding_window_view(np.asarray(image, dtype=float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)
""",
    "output_size": """
def output_size(n, f, stride=1, padding=0):
    return (n + 2 * padding - f) // stride  # off by one
""",
}

EXPECT = {"test_correlate2d": "failed", "test_output_size": "failed"}
