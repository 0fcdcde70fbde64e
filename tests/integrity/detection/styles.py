"""Correct answers in other styles must get full marks: iou via a helper and np.clip,
box_iou with explicit Python loops, nms that suppresses with a boolean mask in place,
batched_nms with the coordinate-offset trick (torchvision's own approach), warnings on
stderr along the way.
"""

CELLS = {
    "box_cxcywh_to_xyxy": """
def box_cxcywh_to_xyxy(boxes):
    b = np.array(boxes, dtype=np.float64, copy=True)
    cx, cy, w, h = np.moveaxis(b, -1, 0)
    return np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=-1)
""",
    "iou": """
def _area(b):
    return max(0.0, float(b[2]) - float(b[0])) * max(0.0, float(b[3]) - float(b[1]))

def iou(box_a, box_b):
    inter = _area([max(box_a[0], box_b[0]), max(box_a[1], box_b[1]),
                   min(box_a[2], box_b[2]), min(box_a[3], box_b[3])])
    return inter / (_area(box_a) + _area(box_b) - inter)
""",
    "box_iou": """
import warnings

def box_iou(boxes1, boxes2):
    warnings.warn("box_iou: loops are slow", RuntimeWarning)
    boxes1 = np.asarray(boxes1, dtype=float).reshape(-1, 4)
    boxes2 = np.asarray(boxes2, dtype=float).reshape(-1, 4)
    out = np.zeros((len(boxes1), len(boxes2)))
    for i, a in enumerate(boxes1):
        for j, b in enumerate(boxes2):
            out[i, j] = iou(a, b)
    return out
""",
    "nms": """
def nms(boxes, scores, iou_threshold):
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    order = np.argsort(-np.asarray(scores), kind="stable")
    alive = np.ones(len(order), dtype=bool)
    keep = []
    for position, i in enumerate(order):
        if not alive[position]:
            continue
        keep.append(int(i))
        later = order[position + 1:]
        alive[position + 1:] &= box_iou(boxes[i:i + 1], boxes[later])[0] <= iou_threshold
    return np.asarray(keep, dtype=np.int64)
""",
    "batched_nms": """
def batched_nms(boxes, scores, labels, iou_threshold):
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.asarray(labels, dtype=float) * (boxes.max() - boxes.min() + 1)
    return nms(boxes + offsets[:, None], scores, iou_threshold)
""",
}

EXPECT = {}
