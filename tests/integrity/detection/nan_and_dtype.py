"""box_iou returns a matrix of NaN of the right shape (NaN-blind checks pass it);
batched_nms returns the right indices as float64 (they would broadcast and compare
equal). nms has its own IoU so it does not inherit the NaN: its tests pass.
"""

CELLS = {
    "box_iou": """
def box_iou(boxes1, boxes2):
    return np.full((len(boxes1), len(boxes2)), np.nan)
""",
    "nms": """
def _pair_iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = w * h
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

def nms(boxes, scores, iou_threshold):
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    order = sorted(range(len(boxes)), key=lambda i: -float(scores[i]))
    keep = []
    for i in order:
        if all(_pair_iou(boxes[i], boxes[k]) <= iou_threshold for k in keep):
            keep.append(i)
    return np.array(keep, dtype=np.int64)
""",
    "batched_nms": """
def batched_nms(boxes, scores, labels, iou_threshold):
    boxes, scores, labels = np.asarray(boxes, float).reshape(-1, 4), np.asarray(scores), np.asarray(labels)
    kept = [np.zeros(0, dtype=np.int64)]
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        kept.append(members[nms(boxes[members], scores[members], iou_threshold)])
    kept = np.concatenate(kept)
    return kept[np.argsort(-scores[kept], kind="stable")].astype(np.float64)
""",
}

EXPECT = {
    "test_box_iou": "failed",
    "test_box_iou_special": "failed",
    "test_batched_nms": "failed",
    "test_batched_nms_classes": ("failed", "passed"),
}  # it may only look at the classes
