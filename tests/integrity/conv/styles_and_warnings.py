"""Correct answers in other styles, all of which must get full marks: conv2d loops over
the kernel offsets (vectorised over pixels) and warns on stderr, correlate2d uses plain
loops over output pixels, max_pool2d updates a running maximum in place, pad2d uses
np.pad, output_size uses math.floor. Warnings on stderr must not cost points.
"""

CELLS = {
    "output_size": """
import math

def output_size(n, f, stride=1, padding=0):
    if n + 2 * padding < f:
        raise ValueError("the kernel does not fit")
    return math.floor((n + 2 * padding - f) / stride) + 1
""",
    "pad2d": """
def pad2d(x, padding):
    x = np.asarray(x)
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(padding, padding), (padding, padding)], mode="constant")
""",
    "correlate2d": """
def correlate2d(image, kernel):
    image = np.asarray(image, dtype=float)
    kh, kw = kernel.shape
    out = np.empty((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out
""",
    "conv2d": """
import sys, warnings

def conv2d(x, w, b=None, stride=1, padding=0):
    warnings.warn("conv2d: this is a harmless UserWarning", UserWarning)
    print("Warning: printed to stderr", file=sys.stderr)
    kh, kw = w.shape[2:]
    if padding == "same":
        if stride != 1:
            raise ValueError("same padding only with stride 1")
        pt, pl = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (pt, kh - 1 - pt), (pl, kw - 1 - pl)))
    elif padding not in ("valid", 0):
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, c, h, wd = x.shape
    h_out, w_out = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, w.shape[0], h_out, w_out))
    for u in range(kh):
        for v in range(kw):
            patch = x[:, :, u:u + stride * (h_out - 1) + 1:stride, v:v + stride * (w_out - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, u, v])
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out
""",
    "max_pool2d": """
def max_pool2d(x, kernel_size, stride=None):
    s = stride or kernel_size
    n, c, h, w = x.shape
    h_out, w_out = (h - kernel_size) // s + 1, (w - kernel_size) // s + 1
    out = np.full((n, c, h_out, w_out), -np.inf)
    for u in range(kernel_size):
        for v in range(kernel_size):
            np.maximum(out, x[:, :, u:u + s * (h_out - 1) + 1:s, v:v + s * (w_out - 1) + 1:s], out=out)
    return out
""",
}

EXPECT = {}
