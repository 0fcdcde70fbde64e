"""AP without the precision envelope: the precision at the first detection reaching each
recall level, not the best precision at that recall or beyond."""

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
    envelope = precision
    first = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
    reached = first < len(recall)
    return float(np.sum(envelope[first[reached]]) / 101)
''',
}
