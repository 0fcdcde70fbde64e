"""Returns values built to fool naive checks.

conv2d returns an object whose __eq__ is always True (and that claims any shape);
max_pool2d returns an ndarray subclass that compares equal to everything;
correlate2d returns an array of NaN of the right shape (NaN-blind checks pass it).
None of them may earn points.
"""

CELLS = {
    "conv2d": """
class Anything:
    shape = property(lambda self: self)
    dtype = float
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __getattr__(self, name): return self
    def __call__(self, *args, **kwargs): return self
    def __bool__(self): return True
    def __len__(self): return 1
    def __iter__(self): return iter([])
    def __array__(self, *args, **kwargs): raise TypeError("nope")

def conv2d(x, w, b=None, stride=1, padding=0):
    if padding == "same" and stride != 1:
        raise ValueError("same needs stride 1")
    return Anything()
""",
    "max_pool2d": """
class Agreeable(np.ndarray):
    def __eq__(self, other): return np.ones(np.shape(other), dtype=bool)
    def __array_finalize__(self, obj): pass

def max_pool2d(x, kernel_size, stride=None):
    stride = kernel_size if stride is None else stride
    n, c, h, w = x.shape
    shape = (n, c, (h - kernel_size) // stride + 1, (w - kernel_size) // stride + 1)
    return np.zeros(shape).view(Agreeable)
""",
    "correlate2d": """
def correlate2d(image, kernel):
    h, w = np.shape(image)
    kh, kw = np.shape(kernel)
    return np.full((h - kh + 1, w - kw + 1), np.nan)
""",
}

EXPECT = {
    "test_conv2d": "failed",
    "test_conv2d_stride_padding": "failed",
    "test_conv2d_same_valid": "failed",
    "test_conv2d_vectorized": "failed",
    "test_max_pool2d": "failed",
    "test_max_pool2d_overlap": "failed",
    "test_correlate2d": "failed",
}
