"""PASCAL VOC's all-point area under the envelope (the book's detection_utils) instead of
COCO's mean over 101 recall levels."""

FAILS = ['test_average_precision', 'test_mean_average_precision']

CELLS = {
    "average_precision": '''
def average_precision(scores, hits, n_true):
    """COCO's 101-point interpolated average precision of one class's detections."""
    if n_true == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=float), kind="stable")
    hits = np.asarray(hits, dtype=bool)[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / n_true
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at this recall or more
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * envelope))
''',
}
