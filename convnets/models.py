"""Measuring a network: parameters, depth, multiply-accumulates and latency.

The book's "Famous CNNs" chapter and the benchmarks use these so that every number in a
model table is measured the same way. Nothing here downloads weights: build models with
``weights=None``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

#: The layers that carry weights and count towards :func:`depth`.
WEIGHT_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Number of parameters (each shared tensor counted once)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def depth(model: nn.Module) -> int:
    """Number of convolution and fully connected layers: one common meaning of a CNN's depth.

    Pooling, normalisation and activation layers are not counted; every branch of a
    multi-branch block is (so an Inception module adds several layers).
    """
    return sum(isinstance(m, WEIGHT_LAYERS) for m in model.modules())


@torch.no_grad()
def count_macs(model: nn.Module, input_size: tuple[int, ...] = (1, 3, 224, 224)) -> int:
    """Multiply-accumulates of one forward pass, counted by ``torch.utils.flop_counter``.

    PyTorch counts 2 FLOPs per multiply-add in convolutions and matrix products, so MACs
    are half its FLOPs (element-wise ops such as ReLU and pooling are not counted, as in
    most published tables). The pass runs on the model's device; a model on the ``meta``
    device is counted without computing anything.
    """
    was_training = model.training
    model.eval()
    parameter = next(model.parameters())
    x = torch.zeros(input_size, device=parameter.device, dtype=parameter.dtype)
    counter = FlopCounterMode(display=False)
    with counter:
        model(x)
    model.train(was_training)
    return counter.get_total_flops() // 2


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def latency_ms(
    model: nn.Module,
    input_size: tuple[int, ...] = (1, 3, 224, 224),
    device: torch.device | str = "cpu",
    warmup: int = 1,
    runs: int = 3,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Median wall-clock time of one forward pass in milliseconds (eval mode, no grad).

    ``warmup`` untimed passes come first (memory allocation, kernel selection); the
    median of ``runs`` timed passes is robust to a run slowed down by another process.
    """
    device = torch.device(device)
    model = model.eval().to(device)
    x = torch.randn(input_size, device=device)
    for _ in range(warmup):
        model(x)
    _synchronize(device)
    times = []
    for _ in range(runs):
        start = clock()
        model(x)
        _synchronize(device)
        times.append((clock() - start) * 1000.0)
    return statistics.median(times)


def receptive_fields(layers: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Receptive field size and jump (input pixels between neighbouring outputs) after each
    layer, from its (kernel size, stride).

    Each layer widens the field by ``(kernel - 1)`` times the current jump, and multiplies
    the jump by its stride: ``r_l = r_{l-1} + (k_l - 1) * j_{l-1}``, ``j_l = j_{l-1} * s_l``.
    """
    field, jump = 1, 1
    result = []
    for kernel, stride in layers:
        field += (kernel - 1) * jump
        jump *= stride
        result.append((field, jump))
    return result
