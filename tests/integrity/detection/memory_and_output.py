"""box_iou asks for 8 TiB (out_of_memory); nms has its own IoU, prints megabytes once
and writes to stderr, and is correct: output is capped and costs nothing.
"""

CELLS = {
    "box_iou": """
def box_iou(boxes1, boxes2):
    return np.zeros((1 << 20, 1 << 20))
""",
    "nms": """
import sys
_said = []

def nms(boxes, scores, iou_threshold):
    if not _said:
        _said.append(True)
        for _ in range(10):
            print("#" * 1_000_000)
            print("warning: stderr chatter " * 1000, file=sys.stderr)
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    order = np.argsort(-np.asarray(scores), kind="stable")
    keep = []
    while len(order):
        i, order = order[0], order[1:]
        keep.append(i)
        w = np.clip(np.minimum(boxes[i, 2], boxes[order, 2]) - np.maximum(boxes[i, 0], boxes[order, 0]), 0, None)
        h = np.clip(np.minimum(boxes[i, 3], boxes[order, 3]) - np.maximum(boxes[i, 1], boxes[order, 1]), 0, None)
        inter = w * h
        order = order[inter / (areas[i] + areas[order] - inter) <= iou_threshold]
    return np.array(keep, dtype=np.int64)
""",
}

EXPECT = {"test_box_iou": "out_of_memory", "test_box_iou_special": "out_of_memory"}
