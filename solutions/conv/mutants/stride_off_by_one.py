"""Off-by-one output size with stride: the loop over window positions stops one early
(`range(0, H - KH, stride)`), so the last window is lost whenever it ends at the edge."""

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
    rows = range(0, x.shape[2] - kh, stride)
    cols = range(0, x.shape[3] - kw, stride)
    out = np.zeros((x.shape[0], w.shape[0], len(rows), len(cols)))
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            out[:, :, i, j] = np.tensordot(x[:, :, r:r + kh, c:c + kw], w, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out = out + b[:, None, None]
    return out
''',
}
