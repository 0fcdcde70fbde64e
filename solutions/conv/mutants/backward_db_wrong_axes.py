"""db summed over the spatial axes only: one bias gradient per sample and channel,
(N, C_out), instead of the sum over the batch too. dx and dw are right."""

FAILS = ["test_conv2d_backward"]

CELLS = {
    "conv2d_backward": '''
def conv2d_backward(dout, x, w, stride=1, padding=0):
    kh, kw = w.shape[2:]
    n, c_out, h_out, w_out = dout.shape
    xp = pad2d(x, padding)
    windows = sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]
    dw = np.einsum("noij,ncijuv->ocuv", dout, windows[:, :, :h_out, :w_out])
    db = dout.sum(axis=(2, 3))
    dxp = np.zeros(xp.shape)
    for i in range(h_out):
        for j in range(w_out):
            dxp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("no,ocuv->ncuv", dout[:, :, i, j], w)
    return dxp[:, :, padding:padding + x.shape[2], padding:padding + x.shape[3]], dw, db
''',
}
