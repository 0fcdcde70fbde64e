"""x2/y2 read as width/height: the student thinks of boxes as (x, y, w, h) and builds the
second corner as (x1 + x2, y1 + y2), in iou and box_iou."""

FAILS = ["test_iou", "test_box_iou", "test_box_iou_special", "test_nms", "test_nms_threshold",
         "test_nms_properties", "test_batched_nms"]

CELLS = {
    "iou": '''
def iou(box_a, box_b):
    ax1, ay1, aw, ah = box_a
    bx1, by1, bw, bh = box_b
    w = max(0.0, min(ax1 + aw, bx1 + bw) - max(ax1, bx1))
    h = max(0.0, min(ay1 + ah, by1 + bh) - max(ay1, by1))
    inter = w * h
    return float(inter / (aw * ah + bw * bh - inter))
''',
    "box_iou": '''
def box_iou(boxes1, boxes2):
    c1 = np.concatenate([boxes1[:, :2], boxes1[:, :2] + boxes1[:, 2:]], axis=1)
    c2 = np.concatenate([boxes2[:, :2], boxes2[:, :2] + boxes2[:, 2:]], axis=1)
    area1 = boxes1[:, 2] * boxes1[:, 3]
    area2 = boxes2[:, 2] * boxes2[:, 3]
    lt = np.maximum(c1[:, None, :2], c2[None, :, :2])
    rb = np.minimum(c1[:, None, 2:], c2[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=-1)
    return inter / (area1[:, None] + area2[None, :] - inter)
''',
}
