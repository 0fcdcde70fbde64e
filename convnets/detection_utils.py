"""Helpers for the Applications chapter: YOLO-style grid targets, anchor assignment,
average precision and drawing.

Intersection over union and non-max suppression are NOT defined here: the book uses
``torchvision.ops.box_iou``, ``nms`` and ``batched_nms`` (students write their own in the
``detection`` exercise). Boxes are corner format (x1, y1, x2, y2) in pixels throughout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from torchvision.ops import box_iou

from convnets.plots import draw_boxes

#: Distinct colours for classes / instances in figures.
COLORS = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")


def _centred(sizes: np.ndarray) -> torch.Tensor:
    """(N, 2) widths and heights -> (N, 4) corner boxes centred on the origin."""
    wh = torch.as_tensor(np.asarray(sizes, dtype=np.float32)).reshape(-1, 2)
    return torch.cat([-wh / 2, wh / 2], dim=1)


def anchor_ious(sizes: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """IoU of each box size (w, h) with each anchor (w, h), both centred on the same point.

    Only the shape matters (YOLO v2's rule): the object's position picks the cell,
    this picks the anchor inside the cell.
    """
    return box_iou(_centred(sizes), _centred(anchors)).numpy()


def encode_grid(
    boxes: np.ndarray,
    labels: np.ndarray,
    image_size: int,
    grid: int,
    num_classes: int,
    anchors: np.ndarray = ((1.0, 1.0),),
) -> np.ndarray:
    """The YOLO target for one image: an array (grid, grid, anchors, 5 + classes).

    For each object, the cell that holds its centre and the anchor with the highest
    IoU (:func:`anchor_ious`) get ``[1, x, y, w, h, one-hot class]``: ``x, y`` are the
    centre's offsets inside the cell (0..1), ``w, h`` the box size as fractions of the
    image. ``anchors`` are (w, h) fractions of the image. Every other slot is all zeros.
    When two objects want the same cell and anchor, the first one keeps it (the other is
    lost, as in YOLO); :func:`decode_grid` then returns fewer boxes than went in.
    """
    anchors = np.asarray(anchors, dtype=np.float32).reshape(-1, 2)
    target = np.zeros((grid, grid, len(anchors), 5 + num_classes), dtype=np.float32)
    boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
    if len(boxes) == 0:
        return target
    cell = image_size / grid
    sizes = (boxes[:, 2:] - boxes[:, :2]) / image_size
    best_anchor = anchor_ious(sizes, anchors).argmax(axis=1)
    for (x1, y1, x2, y2), (w, h), label, anchor in zip(
        boxes, sizes, labels, best_anchor, strict=True
    ):
        cx, cy = (x1 + x2) / 2 / cell, (y1 + y2) / 2 / cell
        col, row = min(int(cx), grid - 1), min(int(cy), grid - 1)
        slot = target[row, col, anchor]
        if slot[0] == 1:
            continue
        slot[:5] = (1.0, cx - col, cy - row, w, h)
        slot[5 + int(label)] = 1.0
    return target


def decode_grid(
    values: np.ndarray, image_size: int, score_threshold: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`encode_grid`, also for a network's output in the same layout
    (objectness and class scores as probabilities).

    Returns corner boxes in pixels (K, 4), scores (K,) = objectness x best class
    probability, and labels (K,) for every slot whose score reaches ``score_threshold``.
    """
    values = np.asarray(values, dtype=np.float32)
    grid = values.shape[0]
    cell = image_size / grid
    class_probs = values[..., 5:]
    scores = values[..., 0] * class_probs.max(axis=-1)
    rows, cols, anchors = np.nonzero(scores >= score_threshold)
    slots = values[rows, cols, anchors]
    cx, cy = (cols + slots[:, 1]) * cell, (rows + slots[:, 2]) * cell
    w, h = slots[:, 3] * image_size, slots[:, 4] * image_size
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    labels = class_probs[rows, cols, anchors].argmax(axis=-1)
    return boxes.astype(np.float32), scores[rows, cols, anchors], labels.astype(np.int64)


@dataclass(frozen=True)
class Matches:
    """Detections of one class over a data set, best score first: ``scores``, whether
    each one is a true positive (``hits``), and how many true objects there are."""

    scores: np.ndarray
    hits: np.ndarray
    n_true: int

    def precision_recall(self) -> tuple[np.ndarray, np.ndarray]:
        """Precision and recall after each detection in score order."""
        tp = np.cumsum(self.hits)
        fp = np.cumsum(~self.hits)
        return tp / np.maximum(tp + fp, 1), tp / max(self.n_true, 1)

    def average_precision(self) -> float:
        """Area under the precision-recall curve, precision made non-increasing
        (the all-point interpolation of PASCAL VOC 2010 and later)."""
        if self.n_true == 0:
            return float("nan")
        precision, recall = self.precision_recall()
        precision = np.concatenate([[0.0], precision, [0.0]])
        recall = np.concatenate([[0.0], recall, [recall[-1] if len(recall) else 0.0]])
        precision = np.maximum.accumulate(precision[::-1])[::-1]
        return float(np.sum((recall[1:] - recall[:-1]) * precision[1:]))


def match_detections(
    detections: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    truths: Sequence[tuple[np.ndarray, np.ndarray]],
    label: int,
    iou_threshold: float = 0.5,
) -> Matches:
    """Greedy matching for one class (as the COCO evaluation does it).

    ``detections[i]`` = (boxes, scores, labels) and ``truths[i]`` = (boxes, labels) for
    image ``i``. Going through all detections of ``label`` from the highest score down,
    each one is a hit when its IoU with a not-yet-matched true box of the same class in
    the same image reaches ``iou_threshold``; duplicates of a found object are misses.
    """
    found = []
    n_true = 0
    for image, ((boxes, scores, labels), (true_boxes, true_labels)) in enumerate(
        zip(detections, truths, strict=True)
    ):
        mine = np.asarray(labels) == label
        theirs = np.asarray(true_labels) == label
        n_true += int(theirs.sum())
        iou = box_iou(
            torch.as_tensor(np.asarray(boxes, dtype=np.float32)[mine]).reshape(-1, 4),
            torch.as_tensor(np.asarray(true_boxes, dtype=np.float32)[theirs]).reshape(-1, 4),
        ).numpy()
        for score, row in zip(np.asarray(scores)[mine], iou, strict=True):
            found.append((float(score), image, row))
    found.sort(key=lambda item: -item[0])  # stable: ties keep image order
    taken: dict[int, set[int]] = {}
    hits = np.zeros(len(found), dtype=bool)
    for index, (_, image, row) in enumerate(found):
        used = taken.setdefault(image, set())
        candidates = [(value, j) for j, value in enumerate(row) if j not in used]
        if candidates:
            value, j = max(candidates)
            if value >= iou_threshold:
                used.add(j)
                hits[index] = True
    return Matches(np.array([s for s, *_ in found]), hits, n_true)


def mean_average_precision(
    detections: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
    truths: Sequence[tuple[np.ndarray, np.ndarray]],
    num_classes: int,
    iou_threshold: float = 0.5,
) -> tuple[float, list[float]]:
    """mAP@``iou_threshold``: the mean over classes of each class's average precision."""
    per_class = [
        match_detections(detections, truths, c, iou_threshold).average_precision()
        for c in range(num_classes)
    ]
    return float(np.nanmean(per_class)), per_class


def draw_grid(ax: plt.Axes, image_size: int, grid: int, color: str = "gray") -> None:
    """The S x S grid of YOLO cells over an image drawn on ``ax``."""
    for k in range(1, grid):
        position = k * image_size / grid - 0.5
        ax.axhline(position, color=color, linewidth=0.8)
        ax.axvline(position, color=color, linewidth=0.8)


def draw_detections(
    ax: plt.Axes,
    boxes: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str] | None = None,
    scores: np.ndarray | None = None,
    linestyle: str = "-",
) -> None:
    """Boxes coloured by class, tagged with the class name (and score) when given."""
    for index, (box, label) in enumerate(
        zip(np.asarray(boxes).reshape(-1, 4), labels, strict=True)
    ):
        text = class_names[int(label)] if class_names is not None else None
        if text is not None and scores is not None:
            text += f" {float(scores[index]):.2f}"
        draw_boxes(
            ax,
            box[None],
            None if text is None else [text],
            color=COLORS[int(label) % len(COLORS)],
            linestyle=linestyle,
        )


def overlay_masks(image: np.ndarray, masks: np.ndarray, alpha: float = 0.6) -> np.ndarray:
    """An RGB image with each boolean mask (K, H, W) painted in its own colour."""
    from matplotlib.colors import to_rgb

    out = np.array(image, dtype=np.float32, copy=True)
    if out.ndim == 2:
        out = np.repeat(out[..., None], 3, axis=2)
    for index, mask in enumerate(np.asarray(masks, dtype=bool)):
        colour = np.array(to_rgb(COLORS[index % len(COLORS)]), dtype=np.float32)
        out[mask] = (1 - alpha) * out[mask] + alpha * colour
    return out
