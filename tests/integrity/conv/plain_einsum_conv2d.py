"""A vectorised conv2d that is slow among vectorised ones: ``np.einsum`` over the sliding
windows without ``optimize=True`` (no BLAS), measured at 5-22 times the reference's CPU
time. It is what the old hint led to and what many students write, so it must earn the
speed points: the limit (``SPEED_LIMIT`` in the setup cell) sits between vectorised code
(at most about 22x) and loops over output positions (about 600x), far from both.
"""

EXPECT = {}  # every graded cell passes, test_conv2d_vectorized included

CELLS = {
    "conv2d": """
def conv2d(x, w, b=None, stride=1, padding=0):
    kh, kw = w.shape[2:]
    if padding == "same":
        if stride != 1:
            raise ValueError('padding="same" needs stride 1')
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    windows = sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    out = np.einsum("nchwij,ocij->nohw", windows, w)
    if b is not None:
        out = out + b[:, None, None]
    return out
""",
}
