"""The score is the objectness alone, not objectness x best class probability."""

FAILS = ['test_decode']

CELLS = {
    "decode": '''
def decode(output, anchors, image_size, score_threshold=0.5):
    """Raw network output (grid, grid, A, 5 + K) -> corner boxes in pixels, scores, labels."""
    output = np.asarray(output, dtype=float)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    cell = image_size / output.shape[0]
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))
    logits = output[..., 5:]
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    scores = sigmoid(output[..., 0])
    rows, cols, which = np.nonzero(scores >= score_threshold)
    raw = output[rows, cols, which]
    centre = np.stack([cols + sigmoid(raw[:, 1]), rows + sigmoid(raw[:, 2])], axis=1) * cell
    size = anchors[which] * np.exp(raw[:, 3:5]) * image_size
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    labels = probs[rows, cols, which].argmax(axis=-1)
    return boxes, scores[rows, cols, which], labels.astype(np.int64)
''',
}
