"""Silences the checks in the student's kernel (np.testing, np.allclose, np.isclose,
np.array_equal, math.isclose, and names the hidden tests use: expect, check_array, check)
and returns from average_precision a float subclass whose comparisons are always true;
assign_anchor returns the anchor with the LOWEST IoU. Nothing of it reaches the
grader: those two tasks fail, and the two built on them (encode_targets calls the
student's assign_anchor, mean_average_precision their average_precision); decode passes.
"""

ADDED = [
    (
        "setup",
        """
import builtins, math
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.allclose = np.isclose = np.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
builtins.expect = builtins.check_array = lambda *a, **k: None
builtins.check = lambda *a, **k: __import__("contextlib").nullcontext()
""",
    ),
]

CELLS = {
    "average_precision": """
class Whatever(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    __hash__ = float.__hash__

def average_precision(scores, hits, n_true):
    return Whatever(0.5)
""",
    "assign_anchor": """
def assign_anchor(wh, anchors):
    wh, anchors = np.asarray(wh, float).reshape(-1, 2), np.asarray(anchors, float).reshape(-1, 2)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    return (inter / (wh.prod(1)[:, None] + anchors.prod(1)[None] - inter)).argmin(1)
""",
}

EXPECT = {
    "test_average_precision": "failed",
    "test_mean_average_precision": "failed",
    "test_assign_anchor": "failed",
    "test_encode_targets": "failed",
}
