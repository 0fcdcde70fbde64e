"""Grader-only helpers of `yolo` (never released, never in the sandbox): the pycocotools
oracle for average precision, the encoding, decoding and AP mistakes students make (each
with the words that name it), scene generators and the checks several hidden parts share
(see autograder/helpers.py). Conventions: book/05-applications.md, "YOLO: one pass, a
grid, boxes per cell".
"""

import contextlib
import io

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

RECALL_LEVELS = np.linspace(0, 1, 101)  # pycocotools' params.recThrs


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _mean(per_class):
    return float(np.nanmean(per_class)) if np.any(~np.isnan(per_class)) else float("nan")


# ---------------------------------------------------------------- anchors

def shape_ious(wh, anchors):
    wh, anchors = np.asarray(wh, float).reshape(-1, 2), np.asarray(anchors, float).reshape(-1, 2)
    inter = np.minimum(wh[:, None, 0], anchors[None, :, 0]) * np.minimum(wh[:, None, 1], anchors[None, :, 1])
    return inter / (wh.prod(1)[:, None] + anchors.prod(1)[None, :] - inter)


def anchor_mistakes(wh, anchors):
    wh, anchors = np.asarray(wh, float).reshape(-1, 2), np.asarray(anchors, float).reshape(-1, 2)
    return {
        "the anchor with the closest AREA is not the one with the highest IoU: a tall thin box "
        "and a wide flat one have the same area and overlap little; compare IoUs of the two "
        "shapes centred at one point": np.abs(wh.prod(1)[:, None] - anchors.prod(1)[None]).argmin(1),
        "the nearest (w, h) point is not the anchor with the highest IoU: use the IoU of the two "
        "shapes centred at one point": np.linalg.norm(wh[:, None] - anchors[None], axis=-1).argmin(1),
        "that is the anchor with the LOWEST IoU: the box goes to the anchor that overlaps it most":
            shape_ious(wh, anchors).argmin(1),
        "width and height swapped: a size is (w, h)": shape_ious(wh, anchors[:, ::-1]).argmax(1),
        "centred boxes do not always nest: the overlap of a wide box and a tall one is only "
        "the middle, min(w) x min(h), not the smaller box's area": nested_ious(wh, anchors).argmax(1),
    }


def nested_ious(wh, anchors):
    a, b = wh.prod(1)[:, None], anchors.prod(1)[None]
    return np.minimum(a, b) / (a + b - np.minimum(a, b))


def random_shapes_and_anchors(rng, n, a):
    wh = rng.uniform(0.05, 0.6, size=(n, 2))
    anchors = rng.uniform(0.05, 0.6, size=(a, 2))
    return wh, anchors


def check_assign(wh, anchors, what):
    got = assign_anchor(wh, anchors)
    expected = solution.assign_anchor(wh, anchors)
    expect(isinstance(got, np.ndarray), f"{what} returned a {type(got).__name__}, not a NumPy array")
    expect(got.shape == expected.shape, f"{what} has shape {got.shape}, expected {expected.shape}: one anchor index per box")
    expect(got.dtype.kind in "iu", f"{what} has dtype {got.dtype}: anchor indices are integers")
    if np.array_equal(got, expected):
        return
    for why, wrong in anchor_mistakes(wh, anchors).items():
        if np.array_equal(got, wrong):
            expect(False, f"{what}: {why}")
    i = int(np.flatnonzero(got != expected)[0])
    ious = shape_ious(wh, anchors)[i]
    expect(False, f"{what}: box shape {np.round(wh[i], 3).tolist()} goes to anchor {int(expected[i])} "
                  f"(IoUs with the anchors {np.round(ious, 3).tolist()}), you chose {int(got[i])}")


# ---------------------------------------------------------------- targets

def reference_encode(boxes, labels, grid, anchors, num_classes, image_size, swap=False,
                     ceil=False, image_offsets=False, pixels=False, by_area=False,
                     last_wins=False, log_sizes=False):
    """encode_targets as the book does it, or with one mistake switched on."""
    boxes = np.asarray(boxes, float).reshape(-1, 4)
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    target = np.zeros((grid, grid, len(anchors), 5 + num_classes))
    cell = image_size / grid
    sizes = (boxes[:, 2:] - boxes[:, :2]) / image_size
    if len(boxes) == 0:
        return target
    if by_area:
        best = np.abs(sizes.prod(1)[:, None] - anchors.prod(1)[None]).argmin(1)
    else:
        best = shape_ious(sizes, anchors).argmax(1)
    for box, (w, h), label, anchor in zip(boxes, sizes, labels, best):
        cx, cy = (box[0] + box[2]) / 2 / cell, (box[1] + box[3]) / 2 / cell
        if ceil:
            col, row = int(np.ceil(cx)) - 1, int(np.ceil(cy)) - 1
        else:
            col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        slot = target[col, row, anchor] if swap else target[row, col, anchor]
        if slot[0] == 1 and not last_wins:
            continue
        x, y = (cx / grid, cy / grid) if image_offsets else (cx - col, cy - row)
        if pixels:
            w, h = w * image_size, h * image_size
        if log_sizes:
            w, h = np.log(w / anchors[anchor, 0]), np.log(h / anchors[anchor, 1])
        slot[:] = 0
        slot[:5] = 1.0, x, y, w, h
        slot[5 + int(label)] = 1.0
    return target


ENCODE_MISTAKES = {
    "x and y swapped: the target is indexed [row, col] = [y cell, x cell], and a slot holds "
    "x (across) before y (down)": {"swap": True},
    "a centre on a grid line belongs to the cell right of it (or below it): the cell is "
    "floor(centre / cell size) and the offset lies in [0, 1)": {"ceil": True},
    "the offsets are relative to the image, not to the cell: x, y locate the centre inside "
    "its cell, from 0 at the cell's left (top) edge to 1 at its right (bottom) edge": {"image_offsets": True},
    "w, h are in pixels: the book's target holds the box size as fractions of the image": {"pixels": True},
    "the anchor was chosen by area, not by the IoU of the two shapes centred at one point": {"by_area": True},
    "when two objects want the same cell and anchor, the FIRST one keeps it": {"last_wins": True},
    "the target holds w, h as fractions of the image; log(w / anchor) is what the loss "
    "compares, not what the target stores": {"log_sizes": True},
}


def random_scene(rng, image_size, grid, num_classes, n, edges=True):
    """Boxes (n, 4) with integer corners, many centred on grid lines, a few on the image's
    far edge (sticking out of it), and labels (n,)."""
    cell = image_size / grid
    half = rng.integers(1, int(image_size // 3), size=(n, 2)) / 2.0
    centres = rng.uniform(0, image_size, size=(n, 2))
    on_lines = rng.uniform(size=n) < 0.4
    centres[on_lines] = rng.integers(0, grid, size=(int(on_lines.sum()), 2)) * cell
    if edges and n:
        centres[rng.uniform(size=n) < 0.15, int(rng.integers(2))] = image_size
    boxes = np.concatenate([centres - half, centres + half], axis=1)
    return boxes, rng.integers(0, num_classes, size=n)


def check_encode(boxes, labels, grid, anchors, num_classes, image_size, what):
    args = (boxes, labels, grid, anchors, num_classes, image_size)
    try:
        got = encode_targets(*args)
    except IndexError:
        centres = (np.asarray(boxes)[:, :2] + np.asarray(boxes)[:, 2:]) / 2
        expect(not np.any(centres >= image_size),
               f"{what} raised an IndexError: a centre on the image's right (bottom) edge belongs "
               "to the last column (row), not to a cell past the grid")
        raise
    expected = reference_encode(*args)
    shape = expected.shape
    expect(isinstance(got, np.ndarray), f"{what} returned a {type(got).__name__}, not a NumPy array")
    expect(got.shape == shape, f"{what} has shape {got.shape}, expected (G, G, A, 5 + K) = {shape}")
    expect(got.dtype.kind == "f", f"{what} has dtype {got.dtype}; the target holds floats")
    if np.allclose(got, expected, atol=1e-5):
        return
    for why, switch in ENCODE_MISTAKES.items():
        if np.allclose(got, reference_encode(*args, **switch), atol=1e-5):
            expect(False, f"{what}: {why}")
    if not np.array_equal(got[..., 0] != 0, expected[..., 0] != 0):
        row, col, a = (int(v) for v in np.argwhere((got[..., 0] != 0) != (expected[..., 0] != 0))[0])
        expect(False, f"{what}: slot [row {row}, col {col}, anchor {a}] should "
                      f"{'hold an object' if expected[row, col, a, 0] else 'be empty (all zeros)'}")
    row, col, a, k = (int(v) for v in np.argwhere(~np.isclose(got, expected, atol=1e-5))[0])
    part = ["objectness", "x", "y", "w", "h"][k] if k < 5 else f"class {k - 5} of the one-hot class"
    expect(False, f"{what}: slot [row {row}, col {col}, anchor {a}], {part}: you have "
                  f"{got[row, col, a, k]:.4f}, expected {expected[row, col, a, k]:.4f}")


# ---------------------------------------------------------------- decoding

def reference_decode(output, anchors, image_size, score_threshold=0.5, swap=False,
                     no_exp=False, no_sigmoid=False, image_offsets=False, objectness_only=False,
                     fractions=False):
    """decode as the book does it, or with one mistake switched on."""
    output = np.asarray(output, float)
    anchors = np.asarray(anchors, float).reshape(-1, 2)
    grid = output.shape[0]
    cell = image_size / grid
    logits = output[..., 5:]
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    scores = sigmoid(output[..., 0]) * (1 if objectness_only else probs.max(-1))
    rows, cols, which = np.nonzero(scores >= score_threshold)
    raw = output[rows, cols, which]
    offsets = raw[:, 1:3] if no_sigmoid else sigmoid(raw[:, 1:3])
    if image_offsets:
        centre = offsets * image_size
    else:
        centre = (np.stack([rows, cols] if swap else [cols, rows], axis=1) + offsets) * cell
    size = anchors[which] * (raw[:, 3:5] if no_exp else np.exp(raw[:, 3:5]))
    if not fractions:
        size = size * image_size
    boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
    return boxes, scores[rows, cols, which], probs[rows, cols, which].argmax(-1)


DECODE_MISTAKES = {
    "x and y swapped: the output is indexed [row, col] = [y cell, x cell]; the centre's x "
    "comes from the column (and t_x)": {"swap": True},
    "the sizes are predicted in log-space relative to the anchor: w = anchor_w * exp(t_w)":
        {"no_exp": True},
    "the raw offsets t_x, t_y go through a sigmoid, so that the centre stays inside its cell":
        {"no_sigmoid": True},
    "the offsets are relative to the cell, not to the image: centre x = (col + sigmoid(t_x)) "
    "* cell size": {"image_offsets": True},
    "the score is the objectness times the best class probability, not the objectness alone":
        {"objectness_only": True},
    "boxes are in pixels: the anchors are fractions of the image, multiply by image_size":
        {"fractions": True},
}


def random_output(rng, grid, anchors, num_classes):
    out = rng.normal(0, 1.0, size=(grid, grid, len(anchors), 5 + num_classes))
    out[..., 0] = rng.normal(0, 2.5, size=out.shape[:3])
    out[..., 5:] *= 2
    return out


def safe_threshold(output, anchors, image_size, rng):
    """A threshold no score lies within 1e-6 of (float32 and float64 agree on every box)."""
    scores = np.sort(reference_decode(output, anchors, image_size, 0.0)[1])
    for _ in range(50):
        t = float(rng.uniform(0.05, 0.8))
        if scores.size == 0 or np.min(np.abs(scores - t)) > 1e-6:
            return t
    return 0.5


def check_decode(output, anchors, image_size, threshold, what):
    got = decode(output, anchors, image_size, threshold)
    expect(isinstance(got, (tuple, list)) and len(got) == 3,
           f"{what} must return three arrays (boxes, scores, labels), not a {type(got).__name__}")
    boxes, scores, labels = got
    eb, es, el = reference_decode(output, anchors, image_size, threshold)
    for name, value in (("boxes", boxes), ("scores", scores), ("labels", labels)):
        expect(isinstance(value, np.ndarray), f"{what}: {name} is a {type(value).__name__}, not a NumPy array")
    expect(boxes.shape == eb.shape, f"{what}: boxes have shape {boxes.shape}, expected {eb.shape} "
                                    "(one box per slot whose score reaches the threshold)")
    expect(scores.shape == es.shape and labels.shape == el.shape,
           f"{what}: scores and labels must have shape {es.shape}, one per kept box")
    expect(labels.dtype.kind in "iu", f"{what}: labels have dtype {labels.dtype}; class labels are integers")
    if (np.allclose(boxes, eb, atol=1e-4, rtol=1e-5) and np.allclose(scores, es, atol=1e-6)
            and np.array_equal(labels, el)):
        return
    for why, switch in DECODE_MISTAKES.items():
        wb, ws, wl = reference_decode(output, anchors, image_size, threshold, **switch)
        if wb.shape == boxes.shape and np.allclose(boxes, wb, atol=1e-4) and np.allclose(scores, ws, atol=1e-6):
            expect(False, f"{what}: {why}")
    key = np.lexsort(np.round(eb, 3).T[::-1])
    if boxes.shape == eb.shape and np.allclose(np.sort(scores), np.sort(es), atol=1e-6):
        mine = np.lexsort(np.round(boxes, 3).T[::-1])
        if np.allclose(boxes[mine], eb[key], atol=1e-4):
            expect(False, f"{what}: the right boxes in another order: return them in the order "
                          "of the slots, row by row, then column, then anchor")
    check_array(scores, es, f"{what}: scores (objectness x best class probability)", atol=1e-6)
    check_array(labels, el, f"{what}: labels (the class with the highest probability)")
    check_array(boxes, eb, f"{what}: boxes (x1, y1, x2, y2) in pixels", atol=1e-4)


# ---------------------------------------------------------------- average precision

def reference_ap(scores, hits, n_true, envelope=True, all_point=False, eleven=False,
                 unsorted=False, recall_over_detections=False):
    """COCO's 101-point AP, or a mistaken variant of it."""
    if n_true == 0:
        return float("nan")
    scores = np.asarray(scores, float)
    order = np.arange(len(scores)) if unsorted else np.argsort(-scores, kind="stable")
    hits = np.asarray(hits, bool)[order]
    tp = np.cumsum(hits)
    precision = tp / np.arange(1, len(hits) + 1)
    recall = tp / (max(len(hits), 1) if recall_over_detections else n_true)
    if envelope:
        precision = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    if all_point:
        r = np.concatenate([[0.0], recall])
        return float(np.sum((r[1:] - r[:-1]) * precision))
    levels = np.linspace(0, 1, 11) if eleven else RECALL_LEVELS
    first = np.searchsorted(recall, levels, side="left")
    reached = first < len(recall)
    return float(np.sum(precision[first[reached]]) / len(levels))


AP_MISTAKES = {
    "no precision envelope: at each recall level take the HIGHEST precision reached at that "
    "recall or beyond (the precision made non-increasing), not the precision right there":
        {"envelope": False},
    "that is the all-point area under the curve (PASCAL VOC 2010, the book's "
    "detection_utils); COCO averages the envelope at the 101 recall levels 0, 0.01, ..., 1":
        {"all_point": True},
    "11 recall levels (PASCAL VOC 2007); COCO uses 101: 0, 0.01, ..., 1": {"eleven": True},
    "the detections were not sorted by score: the curve goes from the highest score down":
        {"unsorted": True},
    "recall is the share of TRUE objects found (hits / n_true), not of detections":
        {"recall_over_detections": True},
}


def random_hits(rng, n, n_true, ties=False):
    scores = rng.integers(0, 5, size=n) / 4 if ties else rng.uniform(size=n)
    hits = rng.uniform(size=n) < rng.uniform(0.2, 0.9)
    while hits.sum() > n_true:
        hits[np.flatnonzero(hits)[0]] = False
    return scores, hits


def check_ap(scores, hits, n_true, what):
    got = average_precision(scores, hits, n_true)
    expected = reference_ap(scores, hits, n_true)
    expect(isinstance(got, (float, np.floating)) and not isinstance(got, np.ndarray),
           f"{what} returned a {type(got).__name__}; return a float")
    got = float(got)
    if np.isnan(expected):
        expect(np.isnan(got), f"{what} = {got}: with no true object, AP is undefined: return nan")
        return
    if abs(got - expected) <= 1e-9:
        return
    for why, switch in AP_MISTAKES.items():
        if abs(got - reference_ap(scores, hits, n_true, **switch)) <= 1e-9:
            expect(False, f"{what} = {got:.6f}: {why}")
    if len(np.unique(scores)) < len(scores):
        expect(False, f"{what} = {got:.6f}, expected {expected:.6f}: detections with equal "
                      "scores keep the order they were given in (a stable sort)")
    expect(False, f"{what} = {got:.6f}, expected {expected:.6f}")


# ---------------------------------------------------------------- mAP

def oracle_map(detections, truths, num_classes, iou_threshold=0.5):
    """pycocotools' COCOeval at one IoU threshold: (mAP, AP per class, nan without truth)."""
    def xywh(b):
        b = np.asarray(b, float).reshape(-1, 4)
        return np.concatenate([b[:, :2], b[:, 2:] - b[:, :2]], axis=1)
    anns = []
    for i, (boxes, labels) in enumerate(truths):
        for box, label in zip(xywh(boxes), labels):
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": int(label) + 1,
                         "bbox": box.tolist(), "area": float(box[2] * box[3]), "iscrowd": 0})
    dets = [{"image_id": i + 1, "category_id": int(label) + 1, "bbox": box.tolist(),
             "score": float(score)}
            for i, (boxes, scores, labels) in enumerate(detections)
            for box, score, label in zip(xywh(boxes), scores, labels)]
    has_truth = np.array([any(int(v) == c for _, ls in truths for v in ls) for c in range(num_classes)])
    if not dets:  # loadRes refuses an empty list
        per_class = np.where(has_truth, 0.0, np.nan)
        return _mean(per_class), per_class
    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = {"images": [{"id": i + 1} for i in range(len(truths))], "annotations": anns,
                         "categories": [{"id": c + 1} for c in range(num_classes)]}
        truth.createIndex()
        ev = COCOeval(truth, truth.loadRes(dets), "bbox")
        ev.params.iouThrs = np.array([iou_threshold])
        ev.params.maxDets = [1000]
        ev.params.areaRng, ev.params.areaRngLbl = [[0.0, 1e10]], ["all"]
        ev.evaluate()
        ev.accumulate()
    precision = ev.eval["precision"][0, :, :, 0, 0]  # (recall levels, classes), -1: no truth
    per_class = np.array([np.nan if np.all(p < 0) else float(p.mean()) for p in precision.T])
    return _mean(per_class), per_class


def reference_map(detections, truths, num_classes, iou_threshold=0.5, duplicates=False,
                  strict=False, empty_zero=False, any_class=False, no_iou_order=False):
    """mAP with the book's greedy matching, or with one mistake switched on."""
    per_class = np.full(num_classes, np.nan)
    for c in range(num_classes):
        scores, hits, n_true = [], [], 0
        for (boxes, det_scores, labels), (true_boxes, true_labels) in zip(detections, truths):
            mine = np.asarray(labels) == c
            theirs = np.ones(len(true_labels), bool) if any_class else np.asarray(true_labels) == c
            n_true += int((np.asarray(true_labels) == c).sum())
            det_scores = np.asarray(det_scores, float)[mine]
            order = np.argsort(-det_scores, kind="stable")
            ious = shape_free_iou(np.asarray(boxes, float).reshape(-1, 4)[mine][order],
                                  np.asarray(true_boxes, float).reshape(-1, 4)[theirs])
            free = np.ones(ious.shape[1], bool)
            for row in ious:
                candidates = row if duplicates else np.where(free, row, -1.0)
                if no_iou_order:
                    good = np.flatnonzero(candidates >= iou_threshold)
                    best = int(good[0]) if len(good) else -1
                else:
                    best = int(np.argmax(candidates)) if len(candidates) else -1
                hit = best >= 0 and (candidates[best] > iou_threshold if strict
                                     else candidates[best] >= iou_threshold)
                if hit:
                    free[best] = False
                hits.append(bool(hit))
            scores.extend(det_scores[order])
        per_class[c] = reference_ap(scores, hits, n_true)
    if empty_zero:
        return float(np.mean(np.nan_to_num(per_class))), per_class
    return _mean(per_class), per_class


def shape_free_iou(a, b):
    """IoU of every pair of corner boxes (N, M)."""
    overlap = np.clip(np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2]), 0, None)
    inter = overlap.prod(-1)
    return inter / ((a[:, 2:] - a[:, :2]).prod(1)[:, None] + (b[:, 2:] - b[:, :2]).prod(1)[None] - inter)


MAP_MISTAKES = {
    "a second detection of an already found object counted as a hit: each true box can be "
    "matched once; duplicates are false positives": {"duplicates": True},
    "IoU exactly at the threshold is a match: a detection is correct when IoU >= threshold":
        {"strict": True},
    "classes without any true box have no AP (nan) and are left out of the mean, not counted "
    "as 0": {"empty_zero": True},
    "a detection may only match a true box of its own class": {"any_class": True},
    "a detection takes the unmatched true box it overlaps MOST, not the first one above the "
    "threshold": {"no_iou_order": True},
}


def random_detections(rng, num_classes, n_images, size=48.0):
    """Truths (boxes, labels) and detections (boxes, scores, labels) per image: jittered
    copies of true boxes (some with the wrong class), duplicates and false alarms."""
    detections, truths = [], []
    for _ in range(n_images):
        m = int(rng.integers(0, 5))
        corner = rng.uniform(0, size - 16, size=(m, 2))
        true_boxes = np.concatenate([corner, corner + rng.uniform(4, 16, size=(m, 2))], axis=1)
        true_labels = rng.integers(0, num_classes, size=m)
        boxes, scores, labels = [], [], []
        for box, label in zip(true_boxes, true_labels):
            for _ in range(int(rng.integers(0, 3))):
                boxes.append(box + rng.uniform(-1.5, 1.5, size=4))
                labels.append(label if rng.uniform() < 0.8 else rng.integers(num_classes))
        for _ in range(int(rng.integers(0, 3))):
            corner = rng.uniform(0, size - 16, size=2)
            boxes.append(np.concatenate([corner, corner + rng.uniform(4, 16, size=2)]))
            labels.append(rng.integers(num_classes))
        scores = rng.uniform(size=len(boxes))
        detections.append((np.array(boxes, float).reshape(-1, 4), scores, np.array(labels, np.int64)))
        truths.append((true_boxes, true_labels.astype(np.int64)))
    return detections, truths


def check_map(detections, truths, num_classes, what, oracle=True):
    got = mean_average_precision(detections, truths, num_classes)
    expect(isinstance(got, (tuple, list)) and len(got) == 2,
           f"{what} must return (mAP, AP per class), not a {type(got).__name__}")
    mean, per_class = got
    expected_mean, expected = (oracle_map if oracle else reference_map)(detections, truths, num_classes)
    expect(isinstance(mean, (float, np.floating)), f"{what}: the mAP is a {type(mean).__name__}, not a float")
    expect(isinstance(per_class, np.ndarray) and per_class.shape == (num_classes,),
           f"{what}: AP per class must be a NumPy array of shape ({num_classes},)")
    per_class = per_class.astype(float)
    if np.allclose(per_class, expected, atol=1e-9, equal_nan=True) and (
            np.isclose(mean, expected_mean, atol=1e-9) or np.isnan(mean) and np.isnan(expected_mean)):
        return
    for why, switch in MAP_MISTAKES.items():
        wrong_mean, wrong = reference_map(detections, truths, num_classes, **switch)
        if np.allclose(per_class, wrong, atol=1e-9, equal_nan=True) and np.isclose(mean, wrong_mean, atol=1e-9):
            expect(False, f"{what}: {why}")
    source = "pycocotools" if oracle else "the reference"
    expect(np.array_equal(np.isnan(per_class), np.isnan(expected)),
           f"{what}: AP per class {np.round(per_class, 4).tolist()}, {source} gives "
           f"{np.round(expected, 4).tolist()}: a class is nan exactly when it has no true box")
    expect(np.allclose(per_class, expected, atol=1e-9, equal_nan=True),
           f"{what}: AP per class {np.round(per_class, 4).tolist()}, {source} gives "
           f"{np.round(expected, 4).tolist()}")
    expect(False, f"{what}: mAP {mean:.6f}, expected {expected_mean:.6f}: the mean of the classes' "
                  "APs, leaving out the nan ones")
