"""Wrong shape that broadcasts, and the wrong dtype.

correlate2d returns the right values with an extra leading axis, (1, H, W): it
broadcasts against the expected (H, W) array, so `np.allclose(got, expected)` is True.
max_pool2d truncates to integers. Both must fail with a message about shape / dtype.
"""

CELLS = {
    "correlate2d": """
def correlate2d(image, kernel):
    windows = sliding_window_view(np.asarray(image, dtype=float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, kernel)[None]
""",
    "max_pool2d": """
def max_pool2d(x, kernel_size, stride=None):
    stride = kernel_size if stride is None else stride
    windows = sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].max(axis=(4, 5)).astype(int)
""",
}

EXPECT = {
    "test_correlate2d": "failed",
    "test_max_pool2d": "failed",
    "test_max_pool2d_overlap": "failed",
}
