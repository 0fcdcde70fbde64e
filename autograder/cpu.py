"""CPU time of a sandbox: every process and thread below its root, read from ``/proc``
outside it (so a busy machine charges a student nothing for others' work).
"""

from __future__ import annotations

import os

_TICKS = os.sysconf("SC_CLK_TCK")


def descendants(root: int) -> list[int]:
    """``root`` and every process below it (one scan of /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def cpu_clocks(root: int) -> tuple[float, float]:
    """CPU seconds ``root`` and the processes below it have used, on two clocks.

    ``schedstat`` of every live thread (nanoseconds: precise for short calls), and each
    live process's ``stat`` times including its exited threads and reaped children
    (clock ticks: work handed to a thread or a child that ends before the call returns
    is not lost). Compare differences of each clock and take the larger.
    """
    precise, ticks = 0, 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
            tasks = os.listdir(f"/proc/{pid}/task")
        except (OSError, ValueError):
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as f:
                    precise += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return (precise / 1e9, ticks / _TICKS)
