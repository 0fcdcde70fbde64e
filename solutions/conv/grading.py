"""Grader-only helpers of `conv` (never released, never in the sandbox): the
lecture's example, PyTorch oracles and the diagnose functions that name a misconception.
"""

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
