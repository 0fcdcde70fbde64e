"""encode_targets returns the right numbers as nested lists, decode returns a dict and
assign_anchor a torch-free list of floats: only plain data crosses back, and a list is
not the array the tasks ask for. Those three tasks fail; mean_average_precision, which
calls the student's own average_precision inside the sandbox, still passes.
"""

CELLS = {
    "encode_targets": """
def encode_targets(boxes, labels, grid, anchors, num_classes, image_size):
    boxes = np.asarray(boxes, dtype=float).reshape(-1, 4)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    target = np.zeros((grid, grid, len(anchors), 5 + num_classes))
    cell = image_size / grid
    sizes = (boxes[:, 2:] - boxes[:, :2]) / image_size
    best = assign_anchor(sizes, anchors) if len(boxes) else []
    for box, (w, h), label, anchor in zip(boxes, sizes, labels, best):
        cx, cy = (box[0] + box[2]) / 2 / cell, (box[1] + box[3]) / 2 / cell
        col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        slot = target[row, col, anchor]
        if slot[0] == 1:
            continue
        slot[:5] = 1.0, cx - col, cy - row, w, h
        slot[5 + int(label)] = 1.0
    return target.tolist()
""",
    "decode": """
def decode(output, anchors, image_size, score_threshold=0.5):
    return {"boxes": np.zeros((0, 4)), "scores": np.zeros(0), "labels": np.zeros(0, np.int64)}
""",
    "assign_anchor": """
def assign_anchor(wh, anchors):
    wh, anchors = np.asarray(wh, float).reshape(-1, 2), np.asarray(anchors, float).reshape(-1, 2)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    union = wh.prod(1)[:, None] + anchors.prod(1)[None] - inter
    return [float(i) for i in np.argmax(inter / union, axis=1)]
""",
}

EXPECT = {"test_encode_targets": "failed", "test_decode": "failed", "test_assign_anchor": "failed"}
