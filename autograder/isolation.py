"""How strongly a sandbox can be isolated here: namespaces as root, a user namespace, or a
plain process group ("reduced"); the uids of a run's job slots; the words ``results.json``
uses for it (``isolation_detail``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from autograder.cgroup import support as cgroup_support

BASE_UID = 61000


def uid_base() -> int:
    """First uid of this grading run; job slot i runs as uid_base() + i.

    Different per run (two runs at once must not share a uid, nor its process limit);
    ``AUTOGRADER_UID_BASE`` pins it (tests use that to find their own processes).
    """
    pinned = os.environ.get("AUTOGRADER_UID_BASE")
    if pinned:
        return int(pinned)
    return BASE_UID + (os.getpid() % 48) * 64


MODES = ("namespaces", "user-namespace", "reduced")
_mode_cache: str | None = None


def unshare_argv(mode: str) -> list[str]:
    base = [
        "setpriv",
        "--pdeathsig",
        "KILL",
        "--",
        "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--mount",
        "--net",
        "--ipc",
        "--uts",
        "--mount-proc",
        "--propagation",
        "private",
    ]
    if mode == "user-namespace":
        base.insert(base.index("--pid"), "--user")
        base.insert(base.index("--pid"), "--map-root-user")
    return base


def isolation_mode() -> str:
    """The strongest isolation that works here (probed once per process)."""
    global _mode_cache
    if _mode_cache is None:
        forced = os.environ.get("AUTOGRADER_ISOLATION")
        _mode_cache = forced if forced in MODES else "reduced"
        if forced not in MODES and shutil.which("unshare") and shutil.which("setpriv"):
            for mode in MODES[:2]:
                if mode == "namespaces" and os.geteuid() != 0:
                    continue
                try:
                    probe = subprocess.run(
                        [*unshare_argv(mode), "true"], capture_output=True, timeout=20
                    )
                except (OSError, subprocess.TimeoutExpired):
                    continue
                if probe.returncode == 0:
                    _mode_cache = mode
                    break
    return _mode_cache


def isolation_detail(mode: str | None = None) -> str:
    """What the sandbox bounds here, in words (``isolation_detail`` in ``results.json``)."""
    mode = mode or isolation_mode()
    if mode == "reduced":
        return (
            "reduced: a process group with per-process rlimits (memory, processes, file size, "
            "CPU); files, network, IPC and the machine's memory as a whole are not isolated"
        )
    version, why = cgroup_support()
    names = "pid, mount, network, IPC and UTS namespaces"
    who = (
        "an unprivileged uid per job slot"
        if mode == "namespaces"
        else "a user namespace (no uid change)"
    )
    if mode == "namespaces" and version != "none":
        bound = (
            f"cgroup {version} per sandbox: memory (memory_mb) and processes (nproc) of the whole "
            "sandbox, removed with it"
        )
    else:
        bound = (
            f"no cgroup ({why if mode == 'namespaces' else 'needs root'}): memory and processes "
            "are bounded per process only (RLIMIT_AS, RLIMIT_NPROC)"
        )
    return f"{mode}: {names}, {who}; {bound}"
