"""box_iou broadcasts the wrong way round and returns the (M, N) matrix: rows are
boxes2 and columns boxes1. NMS built on it breaks too."""

FAILS = ["test_box_iou", "test_box_iou_special", "test_nms", "test_nms_threshold",
         "test_nms_properties", "test_batched_nms", "test_batched_nms_classes"]

CELLS = {
    "box_iou": '''
def box_iou(boxes1, boxes2):
    area1 = (boxes1[:, 2] - boxes1[:, 0]) * (boxes1[:, 3] - boxes1[:, 1])
    area2 = (boxes2[:, 2] - boxes2[:, 0]) * (boxes2[:, 3] - boxes2[:, 1])
    lt = np.maximum(boxes1[None, :, :2], boxes2[:, None, :2])
    rb = np.minimum(boxes1[None, :, 2:], boxes2[:, None, 2:])
    inter = np.clip(rb - lt, 0, None).prod(axis=-1)
    return inter / (area1[None, :] + area2[:, None] - inter)
''',
}
