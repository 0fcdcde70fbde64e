"""decode reaches scipy.special.expit (the sigmoid) through importlib and a computed
module name, average_precision reaches torchmetrics through __import__. The scan names
both (and mean_average_precision, which calls that average_precision); in the sandbox
the imports fail anyway.
"""

CELLS = {
    "decode": """
import importlib
import numpy as np

def decode(output, anchors, image_size, score_threshold=0.5):
    expit = importlib.import_module("sci" + "py.special").expit
    output = np.asarray(output, dtype=float)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    cell = image_size / output.shape[0]
    probs = np.exp(output[..., 5:] - output[..., 5:].max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    scores = expit(output[..., 0]) * probs.max(axis=-1)
    rows, cols, which = np.nonzero(scores >= score_threshold)
    raw = output[rows, cols, which]
    centre = np.stack([cols + expit(raw[:, 1]), rows + expit(raw[:, 2])], axis=1) * cell
    size = anchors[which] * np.exp(raw[:, 3:5]) * image_size
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    return boxes, scores[rows, cols, which], probs[rows, cols, which].argmax(axis=-1)
""",
    "average_precision": """
def average_precision(scores, hits, n_true):
    metrics = __import__("torch" + "metrics")
    return float(metrics.functional.average_precision(scores, hits, task="binary"))
""",
}

EXPECT = {
    "test_decode": "forbidden",
    "test_average_precision": "forbidden",
    "test_mean_average_precision": "forbidden",  # it calls that average_precision
}
