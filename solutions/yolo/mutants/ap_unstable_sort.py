"""Ties in score order: detections with equal scores sorted by an unstable sort (heapsort),
so their order, and with it the precision-recall curve, differs from the COCO evaluation's
(a stable sort: the detection given first comes first)."""


FAILS = ["test_average_precision"]

CELLS = {
    "average_precision": '''
def average_precision(scores, hits, n_true):
    if n_true == 0:
        return float("nan")
    order = np.argsort(-np.asarray(scores, dtype=float), kind="heapsort")
    hits = np.asarray(hits, dtype=bool)[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / n_true
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    first = np.searchsorted(recall, np.linspace(0, 1, 101), side="left")
    reached = first < len(recall)
    return float(np.sum(envelope[first[reached]]) / 101)
''',
}
