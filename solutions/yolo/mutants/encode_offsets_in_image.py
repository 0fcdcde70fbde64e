"""Offsets relative to the image, not the cell: x = centre_x / image_size."""

FAILS = ['test_encode_targets']

CELLS = {
    "encode_targets": '''
def encode_targets(boxes, labels, grid, anchors, num_classes, image_size):
    """The YOLO target (grid, grid, A, 5 + num_classes) of one image."""
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
        if slot[0] == 1:  # the cell's anchor is taken: the first object keeps it
            continue
        slot[:5] = 1.0, cx / grid, cy / grid, w, h
        slot[5 + int(label)] = 1.0
    return target
''',
}
