"""Ties at the IoU threshold: a detection with IoU exactly 0.5 is a miss ('>' for '>=')."""

FAILS = ['test_mean_average_precision']

CELLS = {
    "mean_average_precision": '''
def box_iou(boxes1, boxes2):
    """IoU of every pair of corner boxes, (N, M)."""
    a, b = np.asarray(boxes1, float).reshape(-1, 4), np.asarray(boxes2, float).reshape(-1, 4)
    overlap = np.clip(np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2]), 0, None)
    inter = overlap.prod(axis=-1)
    union = (a[:, 2:] - a[:, :2]).prod(1)[:, None] + (b[:, 2:] - b[:, :2]).prod(1)[None, :] - inter
    return inter / union


def mean_average_precision(detections, truths, num_classes, iou_threshold=0.5):
    """mAP over classes, and each class's AP (nan for a class with no true box)."""
    per_class = np.full(num_classes, np.nan)
    for c in range(num_classes):
        scores, hits, n_true = [], [], 0
        for (boxes, det_scores, labels), (true_boxes, true_labels) in zip(detections, truths):
            mine, theirs = np.asarray(labels) == c, np.asarray(true_labels) == c
            n_true += int(theirs.sum())
            det_scores = np.asarray(det_scores, dtype=float)[mine]
            order = np.argsort(-det_scores, kind="stable")
            ious = box_iou(np.asarray(boxes).reshape(-1, 4)[mine][order],
                           np.asarray(true_boxes).reshape(-1, 4)[theirs])
            free = np.ones(ious.shape[1], dtype=bool)
            for row in ious:
                candidates = np.where(free, row, -1.0)
                best = int(np.argmax(candidates)) if len(candidates) else -1
                hit = best >= 0 and candidates[best] > iou_threshold
                if hit:
                    free[best] = False
                hits.append(hit)
            scores.extend(det_scores[order])
        per_class[c] = average_precision(np.array(scores), np.array(hits, dtype=bool), n_true)
    mean = float(np.nanmean(per_class)) if np.any(~np.isnan(per_class)) else float("nan")
    return mean, per_class
''',
}
