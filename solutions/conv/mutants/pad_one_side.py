"""Padding added on one side only: pad2d puts all 2 * padding zero rows and columns at
the bottom and right, so the output has the right size but is shifted."""

FAILS = ["test_pad2d", "test_conv2d_stride_padding", "test_conv2d_vectorized"]

CELLS = {
    "pad2d": '''
def pad2d(x, padding):
    height, width = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (height + 2 * padding, width + 2 * padding), dtype=x.dtype)
    out[..., :height, :width] = x
    return out
''',
}
