"""Checks of convnets.detection_utils: grid encoding round trip, anchor choice and AP."""

import numpy as np
import pytest

from convnets import data
from convnets import detection_utils as du


def test_encode_decode_round_trip_on_shapes():
    anchors = np.array([[0.2, 0.2], [0.4, 0.4]], dtype=np.float32)
    for scene in data.shapes(50, size=48, min_shapes=1, max_shapes=4, min_size=8, max_size=20):
        target = du.encode_grid(scene.boxes, scene.labels, 48, 6, 3, anchors)
        boxes, scores, labels = du.decode_grid(target, 48)
        if len(boxes) < len(scene.boxes):
            continue  # two objects shared a cell and an anchor
        order_in = np.lexsort(scene.boxes.T[::-1])
        order_out = np.lexsort(boxes.T[::-1])
        np.testing.assert_allclose(boxes[order_out], scene.boxes[order_in], atol=1e-4)
        assert (labels[order_out] == scene.labels[order_in]).all()
        assert (scores == 1).all()


def test_encode_puts_object_in_the_cell_of_its_centre():
    target = du.encode_grid(np.array([[17.0, 2.0, 31.0, 12.0]]), np.array([2]), 48, 6, 3)
    row, col, anchor = map(int, np.argwhere(target[..., 0] == 1)[0])
    assert (row, col, anchor) == (0, 3, 0)  # centre (24, 7): column 24 // 8, row 7 // 8
    np.testing.assert_allclose(target[0, 3, 0, :5], [1, 0.0, 7 / 8, 14 / 48, 10 / 48], atol=1e-6)
    assert target[0, 3, 0, 5:].tolist() == [0, 0, 1]


def test_anchor_choice_by_shape():
    anchors = np.array([[0.1, 0.3], [0.3, 0.1]])
    assert du.anchor_ious(np.array([[0.1, 0.25], [0.28, 0.12]]), anchors).argmax(1).tolist() == [
        0,
        1,
    ]


def test_average_precision_known_values():
    truths = [(np.array([[0, 0, 10, 10], [20, 20, 30, 30]], dtype=np.float32), np.array([0, 0]))]
    perfect = [(truths[0][0], np.array([0.9, 0.8]), np.array([0, 0]))]
    assert du.match_detections(perfect, truths, 0).average_precision() == pytest.approx(1.0)
    # a false positive ranked first, then both objects: precision 1/2 then 2/3 at recalls .5, 1
    with_fp = [
        (
            np.array([[40, 40, 50, 50], [0, 0, 10, 10], [20, 20, 30, 30]], dtype=np.float32),
            np.array([0.95, 0.9, 0.8]),
            np.array([0, 0, 0]),
        )
    ]
    m = du.match_detections(with_fp, truths, 0)
    assert m.hits.tolist() == [False, True, True]
    assert m.average_precision() == pytest.approx(0.5 * 2 / 3 + 0.5 * 2 / 3)
    # a duplicate of a found object is a miss; a wrong class counts for nothing
    duplicate = [
        (
            np.array([[0, 0, 10, 10], [1, 0, 10, 10]], dtype=np.float32),
            np.array([0.9, 0.8]),
            np.array([0, 0]),
        )
    ]
    m = du.match_detections(duplicate, truths, 0)
    assert m.hits.tolist() == [True, False] and m.n_true == 2
    assert m.average_precision() == pytest.approx(0.5)
    mean_ap, per_class = du.mean_average_precision(perfect, truths, num_classes=2)
    assert mean_ap == pytest.approx(1.0) and np.isnan(per_class[1])


def test_shapes_boxes_are_the_tight_boxes_of_their_masks():
    for scene in data.shapes(
        40, size=48, min_shapes=1, max_shapes=4, min_size=8, max_size=20, seed=3
    ):
        assert len(scene.boxes) == len(scene.labels) == len(scene.masks) >= 1
        for box, mask in zip(scene.boxes, scene.masks, strict=True):
            rows, cols = np.nonzero(mask)
            assert box.tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]
        assert not (scene.masks.sum(0) > 1).any()  # masks never overlap
