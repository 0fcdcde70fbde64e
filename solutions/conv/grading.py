"""Grader-only helpers of `conv` (never released, never in the sandbox): the
lecture's example, PyTorch oracles and the diagnose functions that name a misconception.
"""

import warnings

import numpy as np
import torch
import torch.nn.functional as F


LECTURE_IMAGE = np.array([[5, 2, 3, 4], [6, 7, 8, 5], [4, 5, 4, 5], [1, 0, 2, 3]], dtype=float)
LECTURE_KERNEL = np.array([[1, 0], [1, -1]], dtype=float)


def correlate_oracle(image, kernel):
    return F.conv2d(torch.from_numpy(image)[None, None], torch.from_numpy(kernel)[None, None])[0, 0].numpy()


def diagnose_correlate2d(got, image, kernel, call):
    expect(isinstance(got, np.ndarray), f"{call} returned a {type(got).__name__}, not a NumPy array")
    expected = correlate_oracle(image, kernel)
    h, w = image.shape
    kh, kw = kernel.shape
    if got.shape != expected.shape:
        if got.shape == expected.shape[::-1]:
            why = "rows and columns swapped"
        elif got.shape == (h - kh, w - kw):
            why = "one row and one column short: the last window (ending at the image's edge) counts too"
        elif got.shape == image.shape:
            why = "'valid' means no padding: the output is (H - KH + 1, W - KW + 1)"
        else:
            why = f"expected shape {expected.shape} = (H - KH + 1, W - KW + 1)"
        expect(False, f"{call} returned shape {got.shape}: {why}")
    if np.issubdtype(got.dtype, np.number) and not np.allclose(got, expected, atol=1e-8):
        if np.allclose(got, correlate_oracle(image, np.ascontiguousarray(kernel[::-1, ::-1])), atol=1e-8):
            expect(False, f"{call}: your output equals the flipped-kernel convolution; this course "
                          "and PyTorch compute cross-correlation (do not flip the kernel)")
        if kh == kw and np.allclose(got, correlate_oracle(image, np.ascontiguousarray(kernel.T)), atol=1e-8):
            expect(False, f"{call}: the kernel is indexed [column, row]; use kernel[u, v] with u the row")
    check_array(got, expected, call, atol=1e-8, rtol=1e-7)


def conv_oracle(x, w, b=None, stride=1, padding=0):
    t = lambda a: None if a is None else torch.from_numpy(np.ascontiguousarray(a))
    with warnings.catch_warnings():  # torch's note that 'same' with an even kernel copies x
        warnings.simplefilter("ignore", UserWarning)
        return F.conv2d(t(x), t(w), t(b), stride=stride, padding=padding).numpy()


def one_side(x, kh, kw, padding):
    """What you get when all 2 * padding zeros go to the bottom / right."""
    return np.pad(x, ((0, 0), (0, 0), (0, 2 * padding), (0, 2 * padding)))


def diagnose_conv2d(got, x, w, b, stride, padding):
    call = (f"conv2d(x {x.shape}, w {w.shape}, b {'None' if b is None else b.shape}, "
            f"stride={stride}, padding={padding!r})")
    expect(isinstance(got, np.ndarray), f"{call} returned a {type(got).__name__}, not a NumPy array")
    expected = conv_oracle(x, w, b, stride, padding)
    n, c_in, h, wd = x.shape
    c_out, _, kh, kw = w.shape
    pad = 0 if padding == "valid" else padding
    if got.shape != expected.shape:
        if got.shape == (expected.shape[0],) + expected.shape[2:] + (expected.shape[1],):
            why = "the axes must be (N, C_out, H_out, W_out), channels before height and width"
        elif padding == "same":
            why = "'same' keeps the input's height and width"
        elif got.shape[2:] == ((h + pad - kh) // stride + 1, (wd + pad - kw) // stride + 1):
            why = "padding added on one side only: the padded input is H + 2 * padding high"
        elif pad and got.shape[2:] == ((h - kh) // stride + 1, (wd - kw) // stride + 1):
            why = "padding ignored"
        elif stride > 1 and got.shape[2:] == (h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1):
            why = "stride ignored: the window moves `stride` pixels at a time"
        elif stride > 1 and (got.shape[2] == expected.shape[2] - 1 or got.shape[3] == expected.shape[3] - 1
                             or got.shape[2] == expected.shape[2] + 1 or got.shape[3] == expected.shape[3] + 1):
            why = ("output size off by one with stride: there are "
                   "floor((H + 2P - KH) / S) + 1 windows, the last one may end before the edge")
        elif got.shape[2:] == (h + 2 * pad - kh, wd + 2 * pad - kw):
            why = "one row and one column short: the window ending at the edge counts too"
        else:
            why = f"expected shape {expected.shape}"
        expect(False, f"{call} returned shape {got.shape}: {why}")
    if np.issubdtype(got.dtype, np.number) and not np.allclose(got, expected, atol=1e-7):
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1])
        if np.allclose(got, conv_oracle(x, flipped, b, stride, padding), atol=1e-7):
            expect(False, f"{call}: your output equals the flipped-kernel convolution; this course "
                          "and PyTorch compute cross-correlation (do not flip the kernel)")
        if b is not None and np.allclose(got, conv_oracle(x, w, None, stride, padding), atol=1e-7):
            expect(False, f"{call}: the bias is missing: add b[o] to every pixel of output channel o")
        if isinstance(padding, int) and padding > 0:
            shifted = conv_oracle(one_side(x, kh, kw, padding), w, b, stride, 0)
            if shifted.shape == got.shape and np.allclose(got, shifted, atol=1e-7):
                expect(False, f"{call}: padding added on one side only: put `padding` zeros on every side")
        if padding == "same" and (kh % 2 == 0 or kw % 2 == 0):
            expect(False, f"{call}: wrong 'same' padding for an even kernel: KH - 1 rows in total, "
                          "(KH - 1) // 2 on top and the rest at the bottom (and likewise for columns)")
        if c_in > 1:
            first = conv_oracle(x[:, :1], w[:, :1], b, stride, padding)
            if np.allclose(got, first, atol=1e-7):
                expect(False, f"{call}: only the first input channel is used; sum over all C_in channels")
    check_array(got, expected, call, atol=1e-7, rtol=1e-6)


def draw_case(data, max_stride=1, paddings=(0,), kernels=5):
    n = data.draw(st.integers(1, 3), label="N")
    c_in = data.draw(st.integers(1, 4), label="C_in")
    c_out = data.draw(st.integers(1, 4), label="C_out")
    h = data.draw(st.integers(3, 10), label="H")
    wd = data.draw(st.integers(3, 10), label="W")
    padding = data.draw(st.sampled_from(paddings), label="padding")
    pad = padding if isinstance(padding, int) else 0
    kh = data.draw(st.integers(1, min(h + 2 * pad, kernels)), label="KH")
    kw = data.draw(st.integers(1, min(wd + 2 * pad, kernels)), label="KW")
    stride = 1 if padding == "same" else data.draw(st.integers(1, max_stride), label="stride")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    x = rng.normal(size=(n, c_in, h, wd))
    w = rng.normal(size=(c_out, c_in, kh, kw))
    b = rng.normal(size=c_out) if data.draw(st.booleans(), label="bias") else None
    return x, w, b, stride, padding


def draw_pool_input(data, k, max_side):
    """x (N, C, H, W) with H, W >= k, mostly negative (a maximum started from 0 shows)."""
    shape = (data.draw(st.integers(1, 2), label="N"), data.draw(st.integers(1, 3), label="C"),
             data.draw(st.integers(k, max_side), label="H"), data.draw(st.integers(k, max_side), label="W"))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    return rng.normal(size=shape) - 1.0


def diagnose_max_pool2d(got, x, k, stride):
    call = f"max_pool2d(x {x.shape}, kernel_size={k}, stride={stride})"
    expect(isinstance(got, np.ndarray), f"{call} returned a {type(got).__name__}, not a NumPy array")
    expected = F.max_pool2d(torch.from_numpy(x), k, stride).numpy()
    s = k if stride is None else stride
    h, w = x.shape[2:]
    if got.shape != expected.shape:
        if stride is not None and got.shape[2:] == ((h - k) // k + 1, (w - k) // k + 1):
            why = "stride ignored: with kernel_size > stride the windows overlap"
        elif got.shape[2:] == (-(-(h - k) // s) + 1, -(-(w - k) // s) + 1):
            why = "a window that would stick out past the edge is dropped (round down, no partial windows)"
        elif got.shape[2:] == (h // s, w // s):
            why = "the number of windows is floor((H - kernel_size) / stride) + 1"
        else:
            why = f"expected shape {expected.shape}"
        expect(False, f"{call} returned shape {got.shape}: {why}")
    if np.issubdtype(got.dtype, np.number) and not np.allclose(got, expected):
        if np.allclose(got, np.maximum(expected, 0)):
            expect(False, f"{call}: negative inputs give 0: start the maximum from the window's "
                          "values (or -inf), not from 0")
        if np.allclose(got, -F.max_pool2d(torch.from_numpy(-x), k, stride).numpy()):
            expect(False, f"{call}: that is the minimum of each window, not the maximum")
    check_array(got, expected, call)


def receptive_field_oracle(layers):
    """Stack the layers from the output back: each kernel reaches (k - 1) steps of the
    product of the strides before it, in input pixels."""
    field = 1
    for index, (k, _) in enumerate(layers):
        field += (k - 1) * int(np.prod([s for _, s in layers[:index]], dtype=np.int64))
    return field


def diagnose_receptive_field(got, layers):
    layers = [tuple(layer) for layer in layers]
    call = f"receptive_field({layers})"
    expect(isinstance(got, (int, np.integer)) and not isinstance(got, bool),
           f"{call} returned a {type(got).__name__}; return an int")
    expected = receptive_field_oracle(layers)
    if got == expected:
        return
    later_strides = 1 + sum((k - 1) * int(np.prod([s for _, s in layers[:i + 1]])) for i, (k, _) in enumerate(layers))
    if got == 1 + sum(k - 1 for k, _ in layers):
        why = ("strides ignored: after a layer with stride s, neighbouring pixels are s input "
               "pixels apart, so every later kernel reaches s times farther")
    elif got == later_strides:
        why = ("a layer's own stride is counted in its own reach: a layer's stride only spaces "
               "out the pixels the layers after it see")
    elif got == sum(k for k, _ in layers) or got == int(np.prod([k for k, _ in layers])):
        why = "a kernel of size k adds k - 1 (in units of the spacing at its input), it does not add or multiply k"
    else:
        why = "stack the layers one at a time: each adds (k - 1) times the spacing of its input pixels"
    expect(False, f"{call} returned {got}, expected {expected}: {why}")


def backward_oracle(dout, x, w, stride, padding):
    """(dx, dw, db) of conv2d by torch.autograd."""
    tx, tw = (torch.from_numpy(np.ascontiguousarray(a)).requires_grad_() for a in (x, w))
    tb = torch.zeros(len(w), dtype=torch.float64, requires_grad=True)
    F.conv2d(tx, tw, tb, stride=stride, padding=padding).backward(torch.from_numpy(dout))
    return tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


def backward_cases(count, strides, paddings):
    """count random cases (shapes, stride, padding drawn with the student's rng), each
    with the student's (dx, dw, db): a list of dicts."""
    cases = []
    for _ in range(count):
        stride, padding = int(rng.choice(strides)), int(rng.choice(paddings))
        n, c_in, c_out = (int(v) for v in rng.integers(1, 4, size=3))
        h, wd = (int(v) for v in rng.integers(3, 9, size=2))
        kh = int(rng.integers(1, min(h + 2 * padding, 4) + 1))
        kw = int(rng.integers(1, min(wd + 2 * padding, 4) + 1))
        x = rng.normal(size=(n, c_in, h, wd))
        w = rng.normal(size=(c_out, c_in, kh, kw))
        h_out = (h + 2 * padding - kh) // stride + 1
        w_out = (wd + 2 * padding - kw) // stride + 1
        dout = rng.normal(size=(n, c_out, h_out, w_out))
        call = (f"conv2d_backward(dout {dout.shape}, x {x.shape}, w {w.shape}, "
                f"stride={stride}, padding={padding})")
        got = conv2d_backward(dout.copy(), x.copy(), w.copy(), stride=stride, padding=padding)
        expect(isinstance(got, (tuple, list)) and len(got) == 3,
               f"{call} returned a {type(got).__name__}; return the tuple (dx, dw, db)")
        expected = backward_oracle(dout, x, w, stride, padding)
        cases.append(dict(dout=dout, x=x, w=w, stride=stride, padding=padding, call=call,
                          got=got, expected=expected))
    return cases


def _numeric(got, shape):
    return (isinstance(got, np.ndarray) and np.issubdtype(got.dtype, np.number)
            and got.shape == shape and bool(np.all(np.isfinite(got))))


def check_db(cases):
    for case in cases:
        got, expected, dout = case["got"][2], case["expected"][2], case["dout"]
        what = f"db of {case['call']}"
        expect(isinstance(got, np.ndarray), f"{what} is a {type(got).__name__}, not a NumPy array")
        if got.shape != expected.shape:
            expect(False, f"{what} has shape {got.shape}: db has one entry per output channel, "
                          "(C_out,): sum dout over the batch and both spatial axes (N, H_out, W_out)")
        if (_numeric(got, expected.shape) and not np.allclose(got, expected)
                and np.allclose(got, dout.mean(axis=(0, 2, 3)))):
            expect(False, f"{what}: that is the mean of dout; b[o] is added to every output pixel "
                          "of every sample, so its gradient is the sum")
        check_array(got, expected, what, atol=1e-8, rtol=1e-7)


def _dw_stride_ignored(case):
    """dw from the first H_out x W_out windows side by side, as if the stride were 1."""
    x, w, dout, p = case["x"], case["w"], case["dout"], case["padding"]
    kh, kw = w.shape[2:]
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    h_out, w_out = dout.shape[2:]
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, :h_out, :w_out]
    return np.einsum("noij,ncijuv->ocuv", dout, windows)


def check_dw(cases):
    for case in cases:
        got, expected = case["got"][1], case["expected"][1]
        what = f"dw of {case['call']}"
        expect(isinstance(got, np.ndarray), f"{what} is a {type(got).__name__}, not a NumPy array")
        expect(got.shape == expected.shape, f"{what} has shape {got.shape}: dw has w's shape {expected.shape}")
        if _numeric(got, expected.shape) and not np.allclose(got, expected, atol=1e-7):
            if case["stride"] > 1 and np.allclose(got, _dw_stride_ignored(case), atol=1e-7):
                expect(False, f"{what}: stride ignored: output pixel (i, j) saw the window that starts "
                              "at (stride * i, stride * j) of the padded input, not at (i, j)")
            if np.allclose(got, expected[:, :, ::-1, ::-1], atol=1e-7):
                expect(False, f"{what}: dw is flipped: w[o, c, u, v] met the padded pixel "
                              "(stride * i + u, stride * j + v)")
        check_array(got, expected, what, atol=1e-7, rtol=1e-6)


def check_dx(cases):
    for case in cases:
        got, expected, p = case["got"][0], case["expected"][0], case["padding"]
        what = f"dx of {case['call']}"
        expect(isinstance(got, np.ndarray), f"{what} is a {type(got).__name__}, not a NumPy array")
        n, c, h, wd = expected.shape
        if got.shape != expected.shape:
            if p and got.shape == (n, c, h + 2 * p, wd + 2 * p):
                expect(False, f"{what} has the padded input's shape {got.shape}: crop the padding, "
                              "the gradient that lands on padding zeros belongs to no pixel of x")
            expect(False, f"{what} has shape {got.shape}: dx has x's shape {expected.shape}")
        if _numeric(got, expected.shape) and not np.allclose(got, expected, atol=1e-7):
            flipped = np.ascontiguousarray(case["w"][:, :, ::-1, ::-1])
            unflipped = backward_oracle(case["dout"], case["x"], flipped, case["stride"], p)[0]
            if np.allclose(got, unflipped, atol=1e-7):
                expect(False, f"{what}: kernel not flipped: dout[i, j] went to the input pixel "
                              "(i + u, j + v) through w[u, v]; written as a sliding window over dout, "
                              "dx needs the kernel flipped (a true convolution)")
        check_array(got, expected, what, atol=1e-7, rtol=1e-6)
