"""Each filter looks at one input channel only (the per-channel results are not summed):
the student took the lecture's single-channel picture literally."""

FAILS = ["test_conv2d", "test_conv2d_stride_padding", "test_conv2d_same_valid",
         "test_conv2d_vectorized"]

CELLS = {
    "conv2d": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    kh, kw = w.shape[2:]
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nijuv,ouv->noij", windows[:, 0], w[:, 0], optimize=True)
    if b is not None:
        out = out + b[:, None, None]
    return out
''',
}
