"""Vectorised shortcut that lets removed boxes suppress too: a box is dropped when ANY
higher-scoring box overlaps it by more than the threshold, even one that was itself
dropped (chains A > B > C with A far from C lose C)."""

FAILS = ["test_nms", "test_nms_threshold", "test_nms_properties", "test_nms_scene", "test_batched_nms"]

CELLS = {
    "nms": '''
def nms(boxes, scores, iou_threshold):
    order = np.argsort(-scores, kind="stable")
    ious = box_iou(boxes[order], boxes[order])
    overlapped_by_better = np.triu(ious > iou_threshold, k=1).any(axis=0)
    return order[~overlapped_by_better].astype(np.int64)
''',
}
