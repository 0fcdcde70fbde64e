"""Building the book again with nothing changed executes nothing (jupyter-cache has every
page) and takes under 30 s. Runs after every other test (see conftest.py): it rewrites
_build/html in place, which the browser tests serve.

The 30 s hold for the build's CPU time always, and for its wall time unless the machine
is overloaded (load average above its core count), where waiting says nothing about the
build."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .book import BOOK_DIR, book_config

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.rebuilds_book]
REBUILD_BUDGET_S = 30
# The build command of `make book`.
BUILD_ARGS = ["build", ".", "--warningiserror", "--nitpick", "--keep-going", "--builder", "html"]


def _cache_records(cache_dir: Path) -> dict[int, str]:
    """Cached notebooks as {id: created time}: a new execution adds or replaces one."""
    from jupyter_cache import get_cache

    return {record.pk: str(record.created) for record in get_cache(cache_dir).list_cache_records()}


def test_rebuild_with_nothing_changed_executes_nothing(html_dir):
    cache_dir = BOOK_DIR / book_config()["execute"].get("cache", "_build/.jupyter_cache")
    assert cache_dir.is_dir(), f"no execution cache at {cache_dir}: build the book first"
    before = _cache_records(cache_dir)
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    cpu_before = _children_cpu_seconds()
    start = time.monotonic()
    build = subprocess.run(
        [str(jupyter_book), *BUILD_ARGS],
        cwd=BOOK_DIR,
        text=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        timeout=600,
    )
    seconds = time.monotonic() - start
    cpu_seconds = _children_cpu_seconds() - cpu_before
    output = build.stdout + build.stderr
    assert build.returncode == 0, f"rebuild failed:\n{output[-3000:]}"
    executed = [line for line in output.splitlines() if "Executing notebook" in line]
    assert not executed, "a rebuild with nothing changed executed:\n" + "\n".join(executed)
    assert _cache_records(cache_dir) == before, "the rebuild changed the execution cache"
    load = os.getloadavg()[0]
    print(f"rebuild took {seconds:.1f} s ({cpu_seconds:.1f} s CPU, load average {load:.1f})")
    assert cpu_seconds < REBUILD_BUDGET_S, f"rebuild used {cpu_seconds:.0f} s of CPU"
    if load <= (os.cpu_count() or 1):
        assert seconds < REBUILD_BUDGET_S, f"rebuild took {seconds:.0f} s"


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
