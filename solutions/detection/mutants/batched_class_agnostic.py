"""Class-agnostic batched NMS: the labels are ignored, so a box of one class removes an
overlapping box of another class."""

FAILS = ["test_batched_nms", "test_batched_nms_classes"]

CELLS = {
    "batched_nms": '''
def batched_nms(boxes, scores, labels, iou_threshold):
    return nms(boxes, scores, iou_threshold)
''',
}
