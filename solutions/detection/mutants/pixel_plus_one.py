"""The old PASCAL VOC "+ 1" pixel convention: widths computed as x2 - x1 + 1, so every IoU
comes out a little different from torchvision's continuous coordinates (and NMS built on
it suppresses different boxes)."""

FAILS = ["test_iou", "test_box_iou", "test_box_iou_special", "test_nms", "test_nms_threshold",
         "test_nms_properties", "test_batched_nms"]

CELLS = {
    "iou": '''
def iou(box_a, box_b):
    w = max(0.0, min(box_a[2], box_b[2]) - max(box_a[0], box_b[0]) + 1)
    h = max(0.0, min(box_a[3], box_b[3]) - max(box_a[1], box_b[1]) + 1)
    inter = w * h
    area_a = (box_a[2] - box_a[0] + 1) * (box_a[3] - box_a[1] + 1)
    area_b = (box_b[2] - box_b[0] + 1) * (box_b[3] - box_b[1] + 1)
    return float(inter / (area_a + area_b - inter))
''',
    "box_iou": '''
def box_iou(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0] + 1) * (boxes1[:, 3] - boxes1[:, 1] + 1)
    area2 = (boxes2[:, 2] - boxes2[:, 0] + 1) * (boxes2[:, 3] - boxes2[:, 1] + 1)
    lt = np.maximum(boxes1[:, None, :2], boxes2[None, :, :2])
    rb = np.minimum(boxes1[:, None, 2:], boxes2[None, :, 2:])
    inter = np.clip(rb - lt + 1, 0, None).prod(axis=-1)
    return inter / (area1[:, None] + area2[None, :] - inter)
''',
}
