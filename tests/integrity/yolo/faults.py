"""decode never returns (infinite loop), average_precision calls os._exit(), assign_anchor
segfaults through ctypes. Each of those tasks gets 0 with status timeout / exited /
crashed; the kernel is restarted in between and every other task is graded normally
(encode_targets keeps its own assign_anchor, so it does not depend on the crashing one).
"""

CELLS = {
    "decode": """
def decode(output, anchors, image_size, score_threshold=0.5):
    while True:
        pass
""",
    "average_precision": """
import os

def average_precision(scores, hits, n_true):
    os._exit(0)
""",
    "assign_anchor": """
import ctypes

def assign_anchor(wh, anchors):
    ctypes.memset(0, 1, 64)

def _best_anchor(wh, anchors):
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    return np.argmax(inter / (wh.prod(1)[:, None] + anchors.prod(1)[None] - inter), axis=1)
""",
    "encode_targets": """
def encode_targets(boxes, labels, grid, anchors, num_classes, image_size):
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    target = np.zeros((grid, grid, len(anchors), 5 + num_classes))
    cell = image_size / grid
    sizes = (boxes[:, 2:] - boxes[:, :2]) / image_size
    best = _best_anchor(sizes, anchors) if len(boxes) else []
    for box, (w, h), label, anchor in zip(boxes, sizes, labels, best):
        cx, cy = (box[0] + box[2]) / 2 / cell, (box[1] + box[3]) / 2 / cell
        col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        slot = target[row, col, anchor]
        if slot[0] == 1:
            continue
        slot[:5] = 1.0, cx - col, cy - row, w, h
        slot[5 + int(label)] = 1.0
    return target
""",
}

EXPECT = {
    "test_decode": "timeout",
    "test_average_precision": "exited",
    "test_mean_average_precision": "exited",
    "test_assign_anchor": "crashed",
}
