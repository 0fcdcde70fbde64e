"""Grade the reference solution of one assignment a few times and report time and peak memory.

    python -m bench.grade_one conv 3     # prints one JSON line

Run by `make bench` in a fresh process, so that ``RUSAGE_SELF`` is this grading process
alone. The sandbox's kernel runs in its own
PID namespace as another user and is killed, not waited for, by us; and ``RUSAGE_CHILDREN``
would count this process's own pages at the moment it forks the sandbox. So the kernel's
memory is read while it runs: its ``VmHWM`` (peak resident set) in ``/proc/<pid>/status``,
polled for every process below this one.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    tree, found, todo = _children_map(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def peak_kb(pid: int) -> int:
    """The process's high-water resident set (VmHWM) in kB, 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PeakWatcher(threading.Thread):
    """Polls the VmHWM of every descendant of this process; keeps the largest seen."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak, self.stop = interval, 0, threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.stop.is_set():
            for pid in descendants(me):
                self.peak = max(self.peak, peak_kb(pid))
            self.stop.wait(self.interval)


def main(assignment: str, repeats: int) -> dict:
    from autograder.check import make_submission
    from autograder.grade import grade_submission, source_notebook
    from autograder.hidden import warm_up
    from autograder.isolation import uid_base
    from autograder.notebook import load_assignment

    source = source_notebook(assignment)
    loaded = load_assignment(source)
    warm_up(loaded)  # what a batch worker pays once, before its first submission
    seconds, result = [], {}
    watcher = PeakWatcher()
    watcher.start()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        submission = Path(tmp) / f"{assignment}.ipynb"
        submission.write_text(make_submission(source, {}))
        for _ in range(repeats):
            start = time.monotonic()
            result = grade_submission(
                source,
                submission,
                "bench",
                uid=uid_base(),
                hide=[tmp, str(source.parent.resolve())],
            )
            seconds.append(round(time.monotonic() - start, 2))
    watcher.stop.set()
    watcher.join()
    mb = 1024  # ru_maxrss and VmHWM are in kB on Linux
    return {
        "assignment": assignment,
        "seconds": seconds,
        "score": result["score"],
        "max_score": result["max_score"],
        "status": result["status"],
        "isolation": result["isolation"],
        "memory_mb": result["limits"]["memory_mb"],
        "sandbox_peak_mb": watcher.peak / mb,
        "grader_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mb,
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
