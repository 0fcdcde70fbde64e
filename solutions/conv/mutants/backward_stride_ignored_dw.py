"""dw from the first H_out x W_out windows side by side (stride ignored in dw): output
pixel (i, j) is paired with the window at (i, j) instead of (S * i, S * j). Right for
stride 1; dx and db are right."""

FAILS = ["test_conv2d_backward_stride_padding"]

CELLS = {
    "conv2d_backward": '''
def conv2d_backward(dout, x, w, stride=1, padding=0):
    kh, kw = w.shape[2:]
    n, c_out, h_out, w_out = dout.shape
    xp = pad2d(x, padding)
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, :h_out, :w_out]
    dw = np.einsum("noij,ncijuv->ocuv", dout, windows)
    db = dout.sum(axis=(0, 2, 3))
    dxp = np.zeros(xp.shape)
    for i in range(h_out):
        for j in range(w_out):
            dxp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("no,ocuv->ncuv", dout[:, :, i, j], w)
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db
''',
}
