"""Correct but slow: a Python loop over every sample, filter and output pixel. It earns
every point except the vectorisation reward."""

FAILS = ["test_conv2d_vectorized"]

CELLS = {
    "conv2d": '''
def conv2d(x, w, b=None, stride=1, padding=0):
    kh, kw = w.shape[2:]
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    n, _, h, wd = x.shape
    c_out = w.shape[0]
    h_out, w_out = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, c_out, h_out, w_out))
    for i in range(n):
        for o in range(c_out):
            for r in range(h_out):
                for c in range(w_out):
                    patch = x[i, :, r * stride:r * stride + kh, c * stride:c * stride + kw]
                    out[i, o, r, c] = np.sum(patch * w[o])
            if b is not None:
                out[i, o] += b[o]
    return out
''',
}
