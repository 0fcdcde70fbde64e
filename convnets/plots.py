"""Figures used on more than one page, so that pages show ideas rather than plotting code.

Each function returns the matplotlib Figure; pages give it a caption with ``glue`` or a
MyST ``figure`` so every image has a description.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from html import escape

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

Array = np.ndarray


def _as_image(image: Array) -> Array:
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[0] in (1, 3) and array.shape[2] not in (1, 3):
        array = array.transpose(1, 2, 0)  # (C, H, W) tensor layout -> (H, W, C)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    return array


def show_images(
    images: Sequence[Array],
    titles: Sequence[str] | None = None,
    ncols: int = 4,
    size: float = 2.4,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> Figure:
    """A grid of images with optional titles; grey images use ``cmap``."""
    n = len(images)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= n:
            continue
        image = _as_image(images[index])
        if image.ndim == 2:
            ax.imshow(image, cmap=cmap, vmin=vmin, vmax=vmax)
        else:
            ax.imshow(np.clip(image, 0, 1))
        if titles is not None:
            ax.set_title(titles[index], fontsize=10)
    fig.tight_layout()
    return fig


def show_matrix(
    ax: plt.Axes,
    matrix: Array,
    title: str | None = None,
    fmt: str = "{:g}",
    cmap: str = "Blues",
    highlight: tuple[int, int, int, int] | None = None,
) -> None:
    """Draw a small matrix as a grid of numbered cells (kernels, the lecture's 4x4 image).

    ``highlight`` = (row, col, height, width) outlines a window, e.g. where a kernel sits.
    """
    matrix = np.asarray(matrix, dtype=float)
    alpha = 0.6
    image = ax.imshow(matrix, cmap=cmap, alpha=alpha)
    for (row, col), value in np.ndenumerate(matrix):
        # The cell's colour as seen (blended with the white page) decides the text colour.
        red, green, blue, _ = image.cmap(image.norm(value))
        seen = [alpha * c + (1 - alpha) for c in (red, green, blue)]
        luminance = 0.2126 * seen[0] + 0.7152 * seen[1] + 0.0722 * seen[2]
        ax.text(
            col,
            row,
            fmt.format(value),
            ha="center",
            va="center",
            fontsize=11 if matrix.size <= 64 else 7,
            color="black" if luminance > 0.45 else "white",
        )
    ax.set_xticks(np.arange(-0.5, matrix.shape[1], 1), minor=True)
    ax.set_yticks(np.arange(-0.5, matrix.shape[0], 1), minor=True)
    ax.grid(which="minor", color="black", linewidth=0.8)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if highlight is not None:
        row, col, height, width = highlight
        ax.add_patch(
            Rectangle(
                (col - 0.5, row - 0.5), width, height, fill=False, edgecolor="crimson", linewidth=3
            )
        )
    if title:
        ax.set_title(title, fontsize=10)


def show_kernels(
    kernels: Array, titles: Sequence[str] | None = None, ncols: int = 8, size: float = 1.2
) -> Figure:
    """Convolution filters (K, C, h, w) or (K, h, w) as small images, blue = negative, red =
    positive."""
    weights = np.asarray(kernels, dtype=float)
    if weights.ndim == 4:
        weights = weights[:, 0] if weights.shape[1] == 1 else weights.mean(axis=1)
    n = len(weights)
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index < n:
            limit = np.abs(weights[index]).max() or 1.0
            ax.imshow(weights[index], cmap="RdBu_r", vmin=-limit, vmax=limit)
            if titles is not None:
                ax.set_title(titles[index], fontsize=8)
    fig.tight_layout()
    return fig


def show_feature_maps(
    maps: Array, ncols: int = 8, size: float = 1.3, titles: Sequence[str] | None = None
) -> Figure:
    """Activations (C, H, W) of one image, one panel per channel."""
    maps = np.asarray(maps, dtype=float)
    return show_images(
        list(maps),
        titles=titles or [f"ch {i}" for i in range(len(maps))],
        ncols=ncols,
        size=size,
        cmap="viridis",
    )


def draw_boxes(
    ax: plt.Axes,
    boxes: Array,
    labels: Sequence[str] | None = None,
    color: str = "lime",
    linestyle: str = "-",
    linewidth: float = 2.0,
) -> None:
    """Outline corner-format boxes (x1, y1, x2, y2) on an image already drawn on ``ax``.

    Box corners are pixel edges (x2 is one past the last column) while ``imshow`` puts
    pixel centres on integers, so the outline is drawn half a pixel up and left.
    """
    for index, (x1, y1, x2, y2) in enumerate(np.asarray(boxes, dtype=float).reshape(-1, 4)):
        ax.add_patch(
            Rectangle(
                (x1 - 0.5, y1 - 0.5),
                x2 - x1,
                y2 - y1,
                fill=False,
                edgecolor=color,
                linestyle=linestyle,
                linewidth=linewidth,
            )
        )
        if labels is not None:
            ax.text(
                x1 - 0.5,
                y1 - 0.5,
                labels[index],
                color="black",
                fontsize=8,
                va="bottom",
                bbox={"facecolor": color, "alpha": 0.8, "pad": 1, "edgecolor": "none"},
            )


def plot_history(history: Mapping[str, Sequence[float]], title: str | None = None) -> Figure:
    """Loss and accuracy curves from :func:`convnets.train.fit` side by side."""
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.2))
    for key, values in history.items():
        axis = loss_ax if "loss" in key else acc_ax
        axis.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=key)
    loss_ax.set(xlabel="epoch", ylabel="loss", title="loss")
    acc_ax.set(xlabel="epoch", ylabel="accuracy", title="accuracy", ylim=(0, 1.02))
    for axis in (loss_ax, acc_ax):
        axis.grid(alpha=0.3)
        axis.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# matplotlib's jshtml player draws its buttons with Font Awesome icons from a CDN; the book
# works offline, so the buttons get plain text symbols instead.
# (Symbols that DejaVu Sans has: Chromium on Debian shows ⏮ ⏸ ⏭ as empty boxes.)
_PLAYER_SYMBOLS = {
    "fa-minus": "−",
    "fa-fast-backward": "⇤",
    "fa-step-backward": "◀|",
    "fa-play fa-flip-horizontal": "◀",
    "fa-pause": "❚❚",
    "fa-play": "▶",
    "fa-step-forward": "|▶",
    "fa-fast-forward": "⇥",
    "fa-plus": "+",
}


def animation_html(animation: FuncAnimation, alt: str, label: str = "Animation frame") -> str:
    """An animation as a self-contained HTML player that works offline and is accessible.

    ``FuncAnimation.to_jshtml()`` embeds every frame as a PNG and a small JavaScript
    player; this removes its only network request (the Font Awesome stylesheet, replaced by
    text symbols on the buttons), gives the frame image the alternative text ``alt`` and the
    frame slider an accessible ``label``. Show the result with ``IPython.display.HTML``.
    """
    html = animation.to_jshtml()
    html = re.sub(r'<link rel="stylesheet"\s+href="https?://[^"]*font-awesome[^"]*">', "", html)
    for icon, symbol in _PLAYER_SYMBOLS.items():
        html = html.replace(
            f'<i class="fa {icon}"></i>', f'<span aria-hidden="true">{symbol}</span>'
        )
    html = re.sub(
        r'<img id="(_anim_img\w+)">',
        lambda m: f'<img id="{m.group(1)}" alt="{escape(alt, quote=True)}">',
        html,
    )
    html = html.replace(
        'class="anim-slider"', f'class="anim-slider" aria-label="{escape(label, quote=True)}"'
    )
    return html
