"""The anchor with the closest area instead of the highest IoU of the two centred
shapes: a wide flat box goes to a tall thin anchor of the same area."""

FAILS = ['test_assign_anchor', 'test_encode_targets']

CELLS = {
    "assign_anchor": '''
def assign_anchor(wh, anchors):
    """Index of the anchor whose shape overlaps each box's shape most (both centred)."""
    wh = np.asarray(wh, dtype=float).reshape(-1, 2)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    areas = wh.prod(axis=1)[:, None] - anchors.prod(axis=1)[None, :]
    return np.argmin(np.abs(areas), axis=1).astype(np.int64)
''',
}
