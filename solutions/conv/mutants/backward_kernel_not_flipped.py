"""dx as a sliding window over dout (spread by the stride, padded by K - 1) with the
kernel as it is: the textbook's "dx is a full convolution of dout with w" read as a
cross-correlation, so the kernel is not flipped. dw and db are right."""

FAILS = ["test_conv2d_backward", "test_conv2d_backward_stride_padding"]

CELLS = {
    "conv2d_backward": '''
def conv2d_backward(dout, x, w, stride=1, padding=0):
    kh, kw = w.shape[2:]
    n, c_out, h_out, w_out = dout.shape
    xp = pad2d(x, padding)
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("noij,ncijuv->ocuv", dout, windows[:, :, :h_out, :w_out])
    db = dout.sum(axis=(0, 2, 3))
    spread = np.zeros((n, c_out, (h_out - 1) * stride + 1, (w_out - 1) * stride + 1))
    spread[:, :, ::stride, ::stride] = dout
    full = np.pad(spread, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    dxp = conv2d(full, w.transpose(1, 0, 2, 3))
    dxp = np.pad(dxp, ((0, 0), (0, 0), (0, xp.shape[2] - dxp.shape[2]), (0, xp.shape[3] - dxp.shape[3])))
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db
''',
}
