"""max_pool2d always moves by kernel_size: the stride argument is ignored, so overlapping
windows (kernel_size > stride) are never produced."""

FAILS = ["test_max_pool2d_overlap"]

CELLS = {
    "max_pool2d": '''
def max_pool2d(x, kernel_size, stride=None):
    n, c, h, w = x.shape
    h_out, w_out = h // kernel_size, w // kernel_size
    x = x[:, :, :h_out * kernel_size, :w_out * kernel_size]
    return x.reshape(n, c, h_out, kernel_size, w_out, kernel_size).max(axis=(3, 5))
''',
}
