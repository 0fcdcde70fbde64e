"""NMS not sorted by score: boxes are visited in their given order, so a low-scoring box
that comes first removes better ones."""

FAILS = ["test_nms", "test_nms_threshold", "test_nms_properties", "test_nms_scene", "test_batched_nms",
         "test_batched_nms_classes"]

CELLS = {
    "nms": '''
def nms(boxes, scores, iou_threshold):
    order = np.arange(len(boxes))
    keep = []
    while order.size > 0:
        best = order[0]
        keep.append(best)
        overlaps = box_iou(boxes[best:best + 1], boxes[order[1:]])[0]
        order = order[1:][overlaps <= iou_threshold]
    return np.array(keep, dtype=np.int64)
''',
}
