"""One small, honest training loop for the book's pages (not for the exercises, which ask
students to write their own), with a tqdm progress bar and a history to plot."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from convnets.data import Split
from convnets.device import device as best_device


@torch.no_grad()
def confusion_matrix(model: nn.Module, split: Split, batch_size: int = 256) -> torch.Tensor:
    """Counts of ``split``'s images by true class (rows) and predicted class (columns).

    An int64 tensor of shape ``(C, C)``, ``C`` the number of scores the model gives per image.
    The model is used in the mode it is in, as any ``nn.Module`` call: evaluate a network
    with BatchNorm or dropout after ``model.eval()`` (:func:`fit` does, and leaves the model
    in eval mode). :func:`fraction_correct` turns the counts into an accuracy.
    """
    dev = next(model.parameters()).device
    counts: torch.Tensor | None = None
    for start in range(0, len(split), batch_size):
        scores = model(split.x[start : start + batch_size].to(dev)).cpu()
        if counts is None:
            counts = torch.zeros(scores.shape[1], scores.shape[1], dtype=torch.int64)
        pairs = split.y[start : start + batch_size] * scores.shape[1] + scores.argmax(dim=1)
        counts += torch.bincount(pairs, minlength=counts.numel()).view_as(counts)
    return counts if counts is not None else torch.zeros(0, 0, dtype=torch.int64)


def fraction_correct(counts: torch.Tensor) -> float:
    """The share of a :func:`confusion_matrix` on its diagonal: the accuracy (0 when empty)."""
    return float(counts.trace()) / max(1, int(counts.sum()))


def fit(
    model: nn.Module,
    train: Split,
    test: Split | None = None,
    epochs: int = 10,
    lr: float = 1e-3,
    batch_size: int = 64,
    weight_decay: float = 0.0,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
    seed: int = 0,
    progress: bool = True,
    device: torch.device | None = None,
    train_mode: Callable[[nn.Module], object] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` with Adam and cross-entropy; return per-epoch loss and accuracies.

    Only parameters with ``requires_grad`` are optimised. Each epoch starts with
    ``train_mode(model)`` (default ``model.train()``): with a frozen backbone, pass a function
    that keeps its BatchNorm layers in eval mode, or their running statistics will drift
    (Chapter 4 shows why; writing that function is part of the ``transfer`` exercise).
    ``augment`` is applied to each training batch (on the model's device).
    """
    dev = device or best_device()
    model.to(dev)
    generator = torch.Generator().manual_seed(seed)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    history: dict[str, list[float]] = {"train loss": [], "train acc": []}
    if test is not None:
        history["test acc"] = []
    # In Jupyter the bar is a widget, which the built book leaves out (it would need
    # JavaScript from a CDN); the one-line summary printed at the end is what it shows.
    bar = tqdm(range(epochs), desc="training", disable=not progress)
    started = time.perf_counter()
    for _ in bar:
        (train_mode or nn.Module.train)(model)
        order = torch.randperm(len(train), generator=generator)
        total = 0.0
        for start in range(0, len(train), batch_size):
            index = order[start : start + batch_size]
            x, y = train.x[index].to(dev), train.y[index].to(dev)
            if augment is not None:
                x = augment(x)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.detach().item() * len(index)
        history["train loss"].append(total / len(train))
        model.eval()
        history["train acc"].append(fraction_correct(confusion_matrix(model, train)))
        if test is not None:
            history["test acc"].append(fraction_correct(confusion_matrix(model, test)))
        bar.set_postfix({k: f"{v[-1]:.3f}" for k, v in history.items()})
    bar.close()
    if progress:
        last = ", ".join(f"{key} {values[-1]:.3f}" for key, values in history.items())
        print(f"trained {epochs} epochs in {time.perf_counter() - started:.1f} s: {last}")
    model.eval()
    return history
