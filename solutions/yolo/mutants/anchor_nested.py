"""The intersection of two centred shapes taken as the smaller one's area, as if centred
boxes always nested: a wide flat box and a tall thin anchor only overlap in the middle."""

FAILS = ["test_assign_anchor", "test_encode_targets"]

CELLS = {
    "assign_anchor": '''
def assign_anchor(wh, anchors):
    wh = np.asarray(wh, dtype=float).reshape(-1, 2)
    anchors = np.asarray(anchors, dtype=float).reshape(-1, 2)
    areas, anchor_areas = wh.prod(axis=1)[:, None], anchors.prod(axis=1)[None, :]
    inter = np.minimum(areas, anchor_areas)
    return np.argmax(inter / (areas + anchor_areas - inter), axis=1).astype(np.int64)
''',
}
