"""Fixtures for the hub tests: a free block of loopback ports, the assignment's sources."""

from __future__ import annotations

import os
import random
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `hub` when pytest is run directly

from hub.course import REPO  # noqa: E402

ASSIGNMENT = "conv"


def ports_free(base: int, count: int) -> bool:
    for port in range(base, base + count):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@pytest.fixture
def hub_port() -> int:
    """A port P with P, P+1 (proxy API) and P+2 (hub API) free on 127.0.0.1."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 40000)
        if ports_free(base, 3):
            return base
    raise RuntimeError("no free block of 3 loopback ports")


@pytest.fixture
def solutions() -> Path:
    """The course's assignment sources; the hub tests need `conv` there."""
    folder = Path(os.environ.get("CONVNETS_HUB_SOLUTIONS", REPO / "solutions"))
    if not (folder / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists():
        pytest.fail(f"{folder}/{ASSIGNMENT}/{ASSIGNMENT}.ipynb is missing")
    return folder


@pytest.fixture
def exchange():
    """A fresh nbgrader exchange in a directory every user can enter."""
    root = Path(tempfile.mkdtemp(prefix="convnets-hub-test-"))
    os.chmod(root, 0o755)
    yield root / "exchange"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def needs_root():
    if os.geteuid() != 0:
        pytest.skip("the hub tests create system users: run them as root (CI does)")
