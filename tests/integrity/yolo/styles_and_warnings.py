"""Correct answers written differently (loops instead of broadcasting, float32, Python
lists turned into arrays at the end) that print a lot and emit warnings: every task
passes, and grading this submission twice in one run gives identical scores.
"""

CELLS = {
    "assign_anchor": """
import warnings

def assign_anchor(wh, anchors):
    warnings.warn("looping over boxes")
    out = []
    for w, h in np.asarray(wh, np.float32).reshape(-1, 2):
        best, best_iou = 0, -1.0
        for i, (aw, ah) in enumerate(np.asarray(anchors, np.float64).reshape(-1, 2)):
            inter = min(w, aw) * min(h, ah)
            iou = inter / (w * h + aw * ah - inter)
            if iou > best_iou:
                best, best_iou = i, iou
        out.append(best)
    print("assigned", out)
    return np.array(out, dtype=np.int64)
""",
    "average_precision": """
def average_precision(scores, hits, n_true):
    if n_true == 0:
        return float("nan")
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    tp, precision, recall = 0, [], []
    for k, i in enumerate(order, start=1):
        tp += bool(hits[i])
        precision.append(tp / k)
        recall.append(tp / n_true)
    for k in range(len(precision) - 2, -1, -1):
        precision[k] = max(precision[k], precision[k + 1])
    total = 0.0
    for level in np.linspace(0, 1, 101):
        reached = [k for k, r in enumerate(recall) if r >= level]
        total += precision[reached[0]] if reached else 0.0
    print("AP", total / 101)
    return total / 101
""",
}

EXPECT = {}
