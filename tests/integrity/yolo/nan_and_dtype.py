"""assign_anchor returns float indices (argmax cast to float64) and average_precision nan
for every input. Each of those tasks fails with a message about the type or the value;
mean_average_precision (built on that average_precision) fails too; encode_targets calls the student's assign_anchor with float indices,
which NumPy refuses as an index, so it fails too (an error in the student's code).
"""

CELLS = {
    "assign_anchor": """
def assign_anchor(wh, anchors):
    wh, anchors = np.asarray(wh, float).reshape(-1, 2), np.asarray(anchors, float).reshape(-1, 2)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    union = wh.prod(1)[:, None] + anchors.prod(1)[None] - inter
    return np.argmax(inter / union, axis=1).astype(float)
""",
    "average_precision": """
def average_precision(scores, hits, n_true):
    return float("nan")
""",
}

EXPECT = {
    "test_assign_anchor": "failed",
    "test_encode_targets": ("error", "failed"),
    "test_average_precision": "failed",
    "test_mean_average_precision": "failed",
}
