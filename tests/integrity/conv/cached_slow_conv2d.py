"""A pixel-loop conv2d (about 700x slower than the reference) behind a cache keyed on the
inputs' bytes and shapes (bytes alone collide: two random inputs drawn from the same seed
with as many elements but another shape). The speed test used to time the same input again and again and keep the
fastest call, so the cache hit and the loop earned the vectorisation points (issue 13,
hole 2). Every timed call now gets inputs it has never seen, and each result is checked:
the speed test fails; the correctness tests, which the loop passes, keep their points.
"""

CELLS = {
    "conv2d": """
import hashlib

_cache = {}

def _slow_conv2d(x, w, b, stride, padding):
    kh, kw = w.shape[2:]
    if padding == "same":
        if stride != 1:
            raise ValueError('padding="same" needs stride 1')
        top, left = (kh - 1) // 2, (kw - 1) // 2
        x = np.pad(x, ((0, 0), (0, 0), (top, kh - 1 - top), (left, kw - 1 - left)))
    elif padding != "valid" and padding > 0:
        x = pad2d(x, padding)
    n, c_in, h, wd = x.shape
    h_out, w_out = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, len(w), h_out, w_out))
    for s in range(n):
        for o in range(len(w)):
            for i in range(h_out):
                for j in range(w_out):
                    patch = x[s, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    out[s, o, i, j] = (patch * w[o]).sum() + (0.0 if b is None else b[o])
    return out

def conv2d(x, w, b=None, stride=1, padding=0):
    key = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in (x, w) if a is not None)
                         + repr((x.shape, w.shape, None if b is None else b.tobytes(), stride, padding)).encode()).hexdigest()
    if key not in _cache:
        _cache[key] = _slow_conv2d(x, w, b, stride, padding)
    return _cache[key].copy()
""",
}

EXPECT = {"test_conv2d_vectorized": "failed"}
