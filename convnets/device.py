"""Where tensors live, and how runs are made repeatable."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def device() -> torch.device:
    """The best available accelerator: CUDA when present, then Apple's MPS, else the CPU.

    ``CONVNETS_DEVICE`` (e.g. ``cpu``) overrides the choice, so a GPU machine can still
    reproduce the CPU numbers of the published book.
    """
    forced = os.environ.get("CONVNETS_DEVICE")
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch (all devices) so a page prints the same numbers each build."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def page_setup(seed: int = 0) -> torch.device:
    """What every book page does first: seed everything and pick the device.

    On the CPU it also uses one thread: the book's models are small, a second thread gains
    little, and threads that wait for each other run several times slower when other
    programs share the cores (measured while building the book on a busy 2-core machine).
    On a GPU it turns TensorFloat-32 off, which cuDNN convolutions use by default: its
    10-bit mantissa broke Chapter 4's check that two trained heads agree to 1e-5 (they
    differed by 4e-5 on an H100; `bench/gpu.sh`).
    """
    seed_everything(seed)
    chosen = device()
    if chosen.type == "cpu":
        torch.set_num_threads(1)
    if chosen.type == "cuda":
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    return chosen
