"""True convolution instead of cross-correlation: the kernel is flipped in both axes
before sliding it (the textbook definition), in correlate2d and conv2d alike."""

FAILS = ["test_correlate2d", "test_conv2d", "test_conv2d_stride_padding",
         "test_conv2d_same_valid", "test_conv2d_vectorized"]

CELLS = {
    "correlate2d": '''
def correlate2d(image, kernel):
    flipped = kernel[::-1, ::-1]
    windows = sliding_window_view(np.asarray(image, dtype=float), kernel.shape)
    return np.einsum("ijuv,uv->ij", windows, flipped)
''',
    "conv2d": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    w = w[:, :, ::-1, ::-1]
    kh, kw = w.shape[2:]
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("ncijuv,ocuv->noij", windows, w, optimize=True)
    if b is not None:
        out = out + b[:, None, None]
    return out
''',
}
