"""Grader-only helpers of `detection` (never released, never in the sandbox): torchvision
oracles, the IoU and NMS mistakes students make (each with the words that name it), box
generators and the checks several hidden parts share (see autograder/helpers.py).
"""

import numpy as np
import torch
from torchvision.ops import box_convert
from torchvision.ops import box_iou as tv_box_iou
from torchvision.ops import nms as tv_nms, batched_nms as tv_batched_nms


def oracle_iou(a, b):
    return tv_box_iou(torch.from_numpy(np.asarray(a, float).reshape(-1, 4)),
                      torch.from_numpy(np.asarray(b, float).reshape(-1, 4))).numpy()


def variants(a, b):
    """IoU as common mistakes compute it, (N, M) for boxes (N, 4) and (M, 4)."""
    a, b = np.asarray(a, float).reshape(-1, 4), np.asarray(b, float).reshape(-1, 4)
    def area(x):
        return (x[:, 2] - x[:, 0]) * (x[:, 3] - x[:, 1])
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    raw = (rb - lt)[..., 0] * (rb - lt)[..., 1]
    inter = np.clip(rb - lt, 0, None).prod(-1)
    union = area(a)[:, None] + area(b)[None, :] - inter
    out = {}
    out["no clamp at zero: disjoint boxes give a negative (or a spurious positive) intersection; "
        "clamp the overlap's width and height at 0"] = raw / (area(a)[:, None] + area(b)[None, :] - raw)
    wa = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:]], 1)
    wb = np.concatenate([b[:, :2], b[:, :2] + b[:, 2:]], 1)
    out["x2/y2 read as width/height: a box is two corners (x1, y1, x2, y2), its width is x2 - x1"] = oracle_iou(wa, wb)
    ap = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    bp = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    ip = np.clip(rb - lt + 1, 0, None).prod(-1)
    out["the '+ 1' pixel convention is not used here: coordinates are continuous, a box's "
        "width is x2 - x1"] = ip / (ap[:, None] + bp[None, :] - ip)
    out["the union counts the intersection twice: union = area_a + area_b - intersection"] = inter / (area(a)[:, None] + area(b)[None, :])
    out["IoU divides by the union, not by one box's area"] = inter / area(a)[:, None] + 0 * area(b)[None, :]
    return out


def random_boxes(rng, n, span=12, max_size=8):
    """Boxes with integer corners in a small area, so that overlaps, nesting, touching
    edges and identical boxes are common; float64."""
    xy = rng.integers(0, span, size=(n, 2))
    wh = rng.integers(1, max_size + 1, size=(n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(float)


SPECIAL = {
    "disjoint": ([0, 0, 2, 2], [5, 5, 7, 8]),
    "disjoint in x only": ([0, 0, 2, 4], [3, 1, 5, 3]),
    "touching edges": ([0, 0, 2, 2], [2, 0, 4, 2]),
    "touching corners": ([0, 0, 2, 2], [2, 2, 3, 3]),
    "nested": ([0, 0, 10, 10], [2, 3, 5, 7]),
    "identical": ([1, 2, 4, 6], [1, 2, 4, 6]),
    "crossing": ([0, 2, 10, 4], [3, 0, 5, 9]),
    "partial overlap": ([0, 0, 4, 3], [2, 1, 7, 5]),
}


def explain(got, a, b, what):
    """Fail with the misconception that got matches, if any."""
    expected = oracle_iou(a, b)
    got = np.asarray(got, float).reshape(expected.shape)
    if np.allclose(got, expected, atol=1e-9):
        return
    if np.any(got < -1e-12) or np.any(got > 1 + 1e-12):
        for why, wrong in variants(a, b).items():
            if np.allclose(got, wrong, atol=1e-9):
                expect(False, f"{what}: {why}")
        expect(False, f"{what} = {got.ravel()[:4]}: IoU always lies in [0, 1]")
    for why, wrong in variants(a, b).items():
        if np.allclose(got, wrong, atol=1e-9):
            expect(False, f"{what}: {why}")
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got.T, expected, atol=1e-9):
        expect(False, f"{what}: rows and columns swapped: entry [i, j] is the IoU of boxes1[i] and boxes2[j]")
    worst = np.unravel_index(np.argmax(np.abs(got - expected)), expected.shape)
    boxes_a = np.asarray(a, float).reshape(-1, 4)[worst[0]].tolist()
    boxes_b = np.asarray(b, float).reshape(-1, 4)[worst[1]].tolist()
    expect(False, f"{what}: for boxes {boxes_a} and {boxes_b} you get {got[worst]:.6f}, expected {expected[worst]:.6f}")


def check_matrix(boxes1, boxes2, label):
    what = f"box_iou of {len(boxes1)} and {len(boxes2)} boxes ({label})"
    got = box_iou(boxes1, boxes2)
    expect(isinstance(got, np.ndarray), f"{what} returned a {type(got).__name__}, not a NumPy array")
    n, m = len(boxes1), len(boxes2)
    if got.shape == (m, n) and n != m:
        expect(False, f"{what} has shape {got.shape}: rows are boxes1, columns boxes2, (N, M)")
    expect(got.shape == (n, m), f"{what} has shape {got.shape}, expected (N, M) = {(n, m)}")
    expect(np.issubdtype(got.dtype, np.floating), f"{what} has dtype {got.dtype}; IoUs are floats")
    explain(got, boxes1, boxes2, what)
    check_array(got, oracle_iou(boxes1, boxes2), what, atol=1e-9)


def oracle_nms(boxes, scores, threshold):
    return tv_nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold).numpy()


def greedy(boxes, scores, threshold, order, suppress=lambda overlap, t: overlap > t, removed_suppress=False):
    """NMS with the order of visit and the suppression rule of a (possibly wrong) variant."""
    ious = oracle_iou(boxes, boxes)
    keep, removed = [], np.zeros(len(boxes), bool)
    for i in order:
        if removed[i]:
            continue
        keep.append(i)
        removed |= suppress(ious[i], threshold) & (np.arange(len(boxes)) != i)
    if removed_suppress:  # every box suppresses lower-scoring ones, kept or not
        keep = [i for i in order if not any(suppress(ious[j, i], threshold) for j in order[:list(order).index(i)])]
    return np.array(keep, dtype=np.int64)


def nms_mistakes(boxes, scores, threshold):
    by_score = np.argsort(-scores, kind="stable")
    return {
        "`>=` instead of `>`: boxes with IoU exactly equal to the threshold must be kept":
            greedy(boxes, scores, threshold, by_score, lambda o, t: o >= t),
        "not sorted by score: visit the boxes from the highest score down":
            greedy(boxes, scores, threshold, np.arange(len(boxes))),
        "a box that was already suppressed must not suppress others: compare only with kept boxes":
            greedy(boxes, scores, threshold, by_score, removed_suppress=True),
        "the comparison is reversed: a box is removed when its IoU with a kept box is "
        "GREATER than the threshold":
            greedy(boxes, scores, threshold, by_score, lambda o, t: o <= t),
    }


def check_nms(boxes, scores, threshold, label):
    what = f"nms of {len(boxes)} boxes, iou_threshold={threshold} ({label})"
    got = nms(boxes, scores, threshold)
    expect(isinstance(got, np.ndarray), f"{what} returned a {type(got).__name__}; return a NumPy array of int64 indices")
    expect(got.ndim == 1 and got.dtype.kind in "iu",
           f"{what} returned an array of dtype {got.dtype} and shape {got.shape}; return a 1-D int64 array of indices")
    expected = oracle_nms(boxes, scores, threshold)
    if np.array_equal(got, expected):
        expect(got.dtype == np.int64, f"{what} returned dtype {got.dtype}; return int64 indices")
        return
    if sorted(got.tolist()) == sorted(expected.tolist()):
        expect(False, f"{what}: right boxes, wrong order: not sorted by score; return the kept indices in decreasing score order")
    for why, wrong in nms_mistakes(boxes, scores, threshold).items():
        if np.array_equal(got, wrong):
            expect(False, f"{what}: {why}")
    if set(got.tolist()) < set(expected.tolist()):
        expect(False, f"{what}: too many boxes removed: a box is removed only when its IoU with a KEPT box is greater than the threshold")
    if set(got.tolist()) > set(expected.tolist()):
        expect(False, f"{what}: boxes kept that overlap a higher-scoring kept box by more than the threshold")
    expect(False, f"{what} kept {got.tolist()}, expected {expected.tolist()}")


def distinct_scores(rng, n):
    return rng.permutation(n).astype(float) / max(n, 1) + rng.uniform(0, 0.5 / max(n, 1), n)


def scene_candidates(rng, objects, per_object):
    """A detector's raw output: per_object candidate boxes jittered around each of
    `objects` random objects (which may overlap each other), and distinct scores."""
    xy = rng.uniform(0, 60, size=(objects, 2))
    truth = np.concatenate([xy, xy + rng.uniform(8, 30, size=(objects, 2))], axis=1)
    sizes = np.tile(np.repeat(truth[:, 2:] - truth[:, :2], per_object, axis=0), 2)
    boxes = np.repeat(truth, per_object, axis=0) + rng.normal(scale=0.1, size=sizes.shape) * sizes
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    return boxes, distinct_scores(rng, len(boxes))
