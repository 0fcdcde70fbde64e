"""Per-class NMS results are concatenated class by class and never re-sorted, so the
indices are not in decreasing score order across classes."""

FAILS = ["test_batched_nms", "test_batched_nms_classes"]

CELLS = {
    "batched_nms": '''
def batched_nms(boxes, scores, labels, iou_threshold):
    kept = [np.zeros(0, dtype=np.int64)]
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        kept.append(members[nms(boxes[members], scores[members], iou_threshold)])
    return np.concatenate(kept).astype(np.int64)
''',
}
