"""The running maximum starts at 0 instead of the window's first value, so windows of
negative numbers pool to 0."""

FAILS = ["test_max_pool2d", "test_max_pool2d_overlap"]

CELLS = {
    "max_pool2d": '''
def max_pool2d(x, kernel_size, stride=None):
    stride = kernel_size if stride is None else stride
    n, c, h, w = x.shape
    h_out, w_out = (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1
    out = np.zeros((n, c, h_out, w_out))
    for u in range(kernel_size):
        for v in range(kernel_size):
            window = x[:, :, u:u + stride * (h_out - 1) + 1:stride, v:v + stride * (w_out - 1) + 1:stride]
            out = np.maximum(out, window)
    return out
''',
}
