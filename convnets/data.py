"""Data that exists offline: real photos and faces from scikit-image, digits from
scikit-learn, and synthetic shapes with exact boxes and masks.

Nothing here downloads. Images come back as float32 arrays in [0, 1] (H, W) or (H, W, 3),
or as tensors (N, C, H, W) ready for a model.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

#: The 4x4 image and 2x2 kernel of the lecture's convolution example.
LECTURE_IMAGE = np.array(
    [[5, 2, 3, 4],
     [6, 7, 8, 5],
     [4, 5, 4, 5],
     [1, 0, 2, 3]], dtype=np.float64)  # fmt: skip
LECTURE_KERNEL = np.array([[1, 0], [1, -1]], dtype=np.float64)

#: Real photos bundled in the scikit-image wheel (others in ``skimage.data`` download).
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "camera", "coins", "brick", "grass", "gravel")


def photo(name: str, size: int | None = None, gray: bool = False) -> np.ndarray:
    """A bundled real photo as float32 in [0, 1], optionally resized to ``size`` x ``size``."""
    import skimage.color
    import skimage.data
    import skimage.transform

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; the offline ones are {', '.join(PHOTOS)}")
    raw = getattr(skimage.data, name)()
    image = raw.astype(np.float32)
    if np.issubdtype(raw.dtype, np.integer):
        image /= float(np.iinfo(raw.dtype).max)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    if gray and image.ndim == 3:
        image = skimage.color.rgb2gray(image).astype(np.float32)
    if not gray and image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if size is not None:
        image = skimage.transform.resize(image, (size, size), anti_aliasing=True).astype(np.float32)
    return image


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """(H, W), (H, W, C) or (N, H, W, C) float array -> (N, C, H, W) float32 tensor."""
    array = np.asarray(images, dtype=np.float32)
    if array.ndim == 2:
        array = array[None, :, :, None]
    elif array.ndim == 3:
        array = array[None]
    return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2)))


@dataclass(frozen=True)
class Split:
    """Images ``x`` (N, C, H, W) float32 and integer labels ``y`` (N,)."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


def _order(n: int, seed: int) -> np.ndarray:
    """The permutation that :func:`_split` cuts into training and test indices."""
    return np.random.default_rng(seed).permutation(n)


def _split(x: np.ndarray, y: np.ndarray, n_train: int, seed: int) -> tuple[Split, Split]:
    order = _order(len(y), seed)
    train, test = order[:n_train], order[n_train:]
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    return Split(xt[train], yt[train]), Split(xt[test], yt[test])


def digits(n_train: int = 1200, seed: int = 0) -> tuple[Split, Split]:
    """scikit-learn's 1797 handwritten digits (8x8, 10 classes) as a train / test split.

    Pixels are scaled to [0, 1]; images are (N, 1, 8, 8).
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[:, None]
    return _split(x, bunch.target, n_train, seed)


#: How :func:`faces` splits ``lfw_subset`` by default: a training pool of this many images
#: and the rest held out, in the order of this seed's permutation.
FACES_TRAIN, FACES_SEED = 140, 0


def _lfw_subset_path() -> Path:
    """The ``lfw_subset`` array inside the scikit-image wheel (200 x 25 x 25, float64)."""
    import skimage

    return Path(skimage.__file__).parent / "data" / "lfw_subset.npy"


def faces(
    size: int = 64, n_train: int = FACES_TRAIN, seed: int = FACES_SEED
) -> tuple[Split, Split]:
    """scikit-image's ``lfw_subset``: 100 real face crops (label 1) and 100 non-faces (0).

    The 25x25 grey crops are resized to ``size`` and repeated to 3 channels so that an
    ImageNet network can take them. The file is read directly (``skimage.data.lfw_subset()``
    would also check its hash, which the grader's masked copy does not match).
    """
    import skimage.transform

    crops = np.load(_lfw_subset_path()).astype(np.float32)
    labels = np.array([1] * 100 + [0] * 100)
    resized = np.stack(
        [skimage.transform.resize(c, (size, size), anti_aliasing=True) for c in crops]
    ).astype(np.float32)
    x = np.repeat(resized[:, None], 3, axis=1)
    return _split(x, labels, n_train, seed)


def faces_sandbox_masks() -> dict[str, bytes]:
    """For the grader's sandbox (``"masks"`` in an assignment's metadata): the real path of
    the ``lfw_subset`` file and a copy of it whose images :func:`faces` holds out by default
    are blank (0), so that submitted code finds the same training pool there and nothing of
    the held-out images, by any route."""
    path = _lfw_subset_path()
    crops = np.load(path)
    crops[_order(len(crops), FACES_SEED)[FACES_TRAIN:]] = 0
    buffer = io.BytesIO()
    np.save(buffer, crops)
    return {str(path): buffer.getvalue()}


#: The shape classes :func:`shapes` draws, in label order.
SHAPE_CLASSES = ("rectangle", "circle", "triangle", "ellipse")


@dataclass(frozen=True)
class ShapeScene:
    """One synthetic image with its objects: corner-format boxes (x1, y1, x2, y2) in
    pixels, integer labels indexing :data:`SHAPE_CLASSES`, and one boolean mask each."""

    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    masks: np.ndarray


def _place_shape(
    name: str,
    size: int,
    min_size: int,
    max_size: int,
    taken: np.ndarray,
    rng: np.random.Generator,
    tries: int = 20,
) -> tuple[np.ndarray, np.ndarray, list[int]] | None:
    """One ``name`` shape drawn alone, where it lies inside the image and touches no pixel
    of ``taken``: (mask, its RGB colours in [0, 1], box x1, y1, x2, y2), or None."""
    from skimage.draw import random_shapes

    for _ in range(tries):
        drawn, found = random_shapes(
            (size, size),
            max_shapes=1,
            min_shapes=1,
            min_size=min_size,
            max_size=max_size,
            shape=name,
            rng=int(rng.integers(2**31)),
        )
        if len(found) != 1:
            continue
        (r0, r1), (c0, c1) = found[0][1]
        # skimage's triangles can stick out of the top edge and wrap to the bottom rows.
        if r0 < 0 or c0 < 0 or r1 > size or c1 > size:
            continue
        mask = ~np.all(drawn == 255, axis=2)
        if mask.any() and not (mask & taken).any():
            return mask, drawn[mask].astype(np.float32) / 255.0, [c0, r0, c1, r1]
    return None


def shapes(
    n: int,
    size: int = 64,
    max_shapes: int = 1,
    min_shapes: int = 1,
    min_size: int = 12,
    max_size: int | None = None,
    classes: tuple[str, ...] = ("rectangle", "circle", "triangle"),
    seed: int = 0,
) -> list[ShapeScene]:
    """Draw ``n`` images of coloured shapes on white with exact boxes and masks.

    Ground truth for localization, detection, IoU, NMS and segmentation without any
    download. Each shape is drawn alone by ``skimage.draw.random_shapes`` (so its mask is
    exact), then pasted only where it touches no earlier shape: shapes never overlap,
    although their boxes may. Boxes are tight and lie inside the image.
    """
    rng = np.random.default_rng(seed)
    max_size = max_size or size // 2
    scenes: list[ShapeScene] = []
    while len(scenes) < n:
        wanted = int(rng.integers(min_shapes, max_shapes + 1))
        image = np.ones((size, size, 3), dtype=np.float32)
        taken = np.zeros((size, size), dtype=bool)
        boxes, labels, masks = [], [], []
        for _ in range(wanted):
            name = str(rng.choice(classes))
            placed = _place_shape(name, size, min_size, max_size, taken, rng)
            if placed is None:
                continue
            mask, colours, box = placed
            image[mask] = colours
            taken |= mask
            boxes.append(box)
            labels.append(SHAPE_CLASSES.index(name))
            masks.append(mask)
        if len(boxes) < min_shapes:
            continue
        scenes.append(
            ShapeScene(
                image=image,
                boxes=np.array(boxes, dtype=np.float32).reshape(-1, 4),
                labels=np.array(labels, dtype=np.int64),
                masks=np.array(masks, dtype=bool).reshape(-1, size, size),
            )
        )
    return scenes
