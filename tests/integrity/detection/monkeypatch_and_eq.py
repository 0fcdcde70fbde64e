"""Silences the checks (np.testing, np.allclose, np.array_equal, math.isclose,
builtins.abs, IPython's showtraceback) and returns a float subclass whose __eq__ is always
True from iou; box_cxcywh_to_xyxy treats width/height as the second corner. Both fail.
"""

ADDED = [
    (
        "setup",
        """
import builtins, math
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.allclose = lambda *a, **k: True
np.array_equal = lambda *a, **k: True
math.isclose = lambda *a, **k: True
builtins.abs = lambda x: 0
get_ipython().showtraceback = lambda *a, **k: None
""",
    ),
]

CELLS = {
    "iou": """
class Whatever(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return True
    def __le__(self, other): return True
    def __gt__(self, other): return True
    def __ge__(self, other): return True
    __hash__ = float.__hash__

def iou(box_a, box_b):
    return Whatever(0.5)
""",
    "box_cxcywh_to_xyxy": """
def box_cxcywh_to_xyxy(boxes):
    boxes = np.asarray(boxes, dtype=float)
    return boxes.copy()  # (P_x, P_y, w, h) taken as (x1, y1, x2, y2)
""",
}

EXPECT = {"test_iou": "failed", "test_box_cxcywh_to_xyxy": "failed"}
