"""Centre to corners with the full width and height: x1 = P_x - w instead of P_x - w / 2."""

FAILS = ["test_box_cxcywh_to_xyxy"]

CELLS = {
    "box_cxcywh_to_xyxy": '''
def box_cxcywh_to_xyxy(boxes):
    cx, cy, w, h = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    return np.stack([cx - w, cy - h, cx + w, cy + h], axis=-1)
''',
}
