"""'same' padding computed as kernel_size // 2 on every side: right for odd kernels, but
an even kernel gives one row and one column too many."""

FAILS = ["test_conv2d_same_valid"]

CELLS = {
    "conv2d": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    kh, kw = w.shape[2:]
    if padding == "same":
        x = np.pad(x, ((0, 0), (0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("ncijuv,ocuv->noij", windows, w, optimize=True)
    if b is not None:
        out = out + b[:, None, None]
    return out
''',
}
