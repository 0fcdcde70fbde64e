"""Reaches the forbidden oracles through an alias: __import__ with a computed name,
importlib, and a module object smuggled through a helper defined in another cell.
"""

ADDED = [
    (
        None,
        """
import importlib
_lib = importlib.import_module("tor" + "ch")
""",
    ),
]

CELLS = {
    "max_pool2d": """
def _pool_backend():
    return __import__("tor" + "ch").nn.functional

def max_pool2d(x, kernel_size, stride=None):
    F = _pool_backend()
    import numpy
    return F.max_pool2d(numpy.__dict__["asarray"](x), kernel_size, stride).numpy()
""",
    "output_size": """
def output_size(n, f, stride=1, padding=0):
    return int(_lib.tensor((n + 2 * padding - f) // stride + 1))
""",
}

EXPECT = {
    "test_max_pool2d": "forbidden",
    "test_max_pool2d_overlap": "forbidden",
    "test_output_size": "forbidden",
}
