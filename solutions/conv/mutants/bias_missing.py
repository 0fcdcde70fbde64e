"""The bias is accepted but never added to the output."""

FAILS = ["test_conv2d", "test_conv2d_stride_padding", "test_conv2d_same_valid"]

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
    return np.einsum("ncijuv,ocuv->noij", windows, w, optimize=True)
''',
}
