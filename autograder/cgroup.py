"""One control group per sandbox: its memory and process count bounded as a whole.

The rlimits the kernel process gets (``RLIMIT_AS``, ``RLIMIT_NPROC``) bound each process,
not their sum: three forked children may each use almost ``memory_mb``. A cgroup bounds
everything the sandbox runs together (memory = ``memory_mb``, processes and threads =
``nproc``), counts the out-of-memory kills in it (so the grader can say
``out_of_memory`` even when the kernel itself survived), and is removed, with everything
still in it, when the sandbox is killed.

cgroup v2 is used where the grader's own cgroup can delegate the ``memory`` and ``pids``
controllers (``memory.max``, ``memory.oom.group``, ``pids.max``, ``cgroup.kill``);
otherwise cgroup v1 (``memory`` and ``pids`` hierarchies). Without either (no root, no
delegation) :func:`support` says why and sandboxes run with per-process limits only.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "autograder-"
_serial = itertools.count()
_support: tuple[str, str] | None = None


def _own_cgroups() -> dict[str, str]:
    """Controller (or "" for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    own: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return own
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            own[name] = path
    return own


def _mounts(fstype: str) -> list[tuple[str, str]]:
    """(mount point, options) of every mount of ``fstype`` (``cgroup`` or ``cgroup2``)."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        parts = right.split()
        if len(parts) >= 3 and parts[0] == fstype:
            found.append((left.split()[4], parts[2]))
    return found


def _v2_parent() -> tuple[Path | None, str]:
    """Where sandbox cgroups go in cgroup v2: below the grader's own cgroup when it can
    delegate memory and pids, else next to it (its parent's subtree has them already)."""
    own = _own_cgroups().get("")
    if own is None:
        return None, "no cgroup v2 hierarchy"
    for mount, _ in _mounts("cgroup2"):
        here = Path(mount) / own.lstrip("/")
        try:
            available = (here / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if not {"memory", "pids"} <= set(available):
            return None, f"cgroup v2 at {mount} without the memory and pids controllers"
        try:
            if not {"memory", "pids"} <= set((here / "cgroup.subtree_control").read_text().split()):
                (here / "cgroup.subtree_control").write_text("+memory +pids")
            return here, ""
        except (
            OSError
        ) as exc:  # EBUSY: the grader's cgroup holds processes ("no internal processes")
            parent = here.parent
            try:
                beside = (
                    here != Path(mount)
                    and os.access(parent, os.W_OK)
                    and {"memory", "pids"}
                    <= set((parent / "cgroup.subtree_control").read_text().split())
                )
            except OSError:
                beside = False
            if beside:
                return parent, ""
            return None, (
                f"cgroup v2: cannot delegate memory and pids below {here} ({exc.strerror}); "
                "run the grader in a cgroup of its own, e.g. systemd-run --scope -p Delegate=yes"
            )
    return None, "no cgroup v2 hierarchy"


def _v1_parents() -> tuple[dict[str, Path] | None, str]:
    own = _own_cgroups()
    parents: dict[str, Path] = {}
    for controller, probe in (("memory", "memory.limit_in_bytes"), ("pids", "cgroup.procs")):
        for mount, options in _mounts("cgroup"):
            if controller in options.split(",") and controller in own:
                parent = Path(mount) / own[controller].lstrip("/")
                if (parent / probe).exists() and os.access(parent, os.W_OK):
                    parents[controller] = parent
                    break
        else:
            return None, f"no writable cgroup v1 {controller} hierarchy"
    return parents, ""


def support() -> tuple[str, str]:
    """("v2" | "v1" | "none", why not where none), probed once per process."""
    global _support
    if _support is None:
        if os.geteuid() != 0:
            _support = ("none", "not root")
        else:
            parent, why2 = _v2_parent()
            if parent is not None:
                _support = ("v2", "")
            else:
                parents, why1 = _v1_parents()
                _support = ("v1", "") if parents is not None else ("none", f"{why2}; {why1}")
    return _support


def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _pids(directory: Path) -> list[int]:
    try:
        return [int(p) for p in (directory / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Cgroup:
    """The cgroup(s) of one sandbox: one directory (v2) or one per controller (v1)."""

    version: str
    dirs: list[Path]
    memory_dir: Path
    oom_seen: int = 0
    removed: bool = field(default=False)

    @classmethod
    def create(cls, memory_bytes: int, pids: int) -> Cgroup | None:
        """A new cgroup with these limits, or None where :func:`support` says none."""
        version, _ = support()
        if version == "none":
            return None
        name = f"{PREFIX}{os.getpid()}-{next(_serial)}"
        if version == "v2":
            parent, _ = _v2_parent()
            assert parent is not None
            _sweep([parent])
            d = parent / name
            d.mkdir(mode=0o755)
            box = cls("v2", [d], d)
            try:
                _write(d / "memory.max", str(memory_bytes))
                if (d / "memory.swap.max").exists():
                    _write(d / "memory.swap.max", "0")
                _write(d / "memory.oom.group", "1")  # an OOM kill takes the whole sandbox
                _write(d / "pids.max", str(pids))
            except OSError:
                box.remove()
                raise
            return box
        parents, _ = _v1_parents()
        assert parents is not None
        _sweep(list(parents.values()))
        dirs = {c: p / name for c, p in parents.items()}
        box = cls("v1", list(dirs.values()), dirs["memory"])
        try:
            for d in box.dirs:
                d.mkdir(mode=0o755)
            _write(dirs["memory"] / "memory.limit_in_bytes", str(memory_bytes))
            if (dirs["memory"] / "memory.memsw.limit_in_bytes").exists():
                _write(
                    dirs["memory"] / "memory.memsw.limit_in_bytes", str(memory_bytes)
                )  # no swap either
            _write(dirs["pids"] / "pids.max", str(pids))
        except OSError:
            box.remove()
            raise
        return box

    @property
    def procs_files(self) -> list[str]:
        """The files a process writes "0" to, to join this cgroup (the jail does, first thing)."""
        return [str(d / "cgroup.procs") for d in self.dirs]

    def oom_kills(self) -> int:
        """How many processes the kernel's OOM killer has killed in this cgroup so far."""
        name = "memory.events" if self.version == "v2" else "memory.oom_control"
        try:
            for line in (self.memory_dir / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def new_oom_kill(self) -> bool:
        """Whether an OOM kill happened since the last time this was asked."""
        count = self.oom_kills()
        fired, self.oom_seen = count > self.oom_seen, max(count, self.oom_seen)
        return fired

    def limits(self) -> dict[str, int]:
        """The limits as the kernel holds them (for tests and reports)."""
        if self.version == "v2":
            memory = (self.memory_dir / "memory.max").read_text().strip()
            pids = (self.memory_dir / "pids.max").read_text().strip()
        else:
            memory = (self.memory_dir / "memory.limit_in_bytes").read_text().strip()
            pids = (
                (next(d for d in self.dirs if d != self.memory_dir) / "pids.max")
                .read_text()
                .strip()
            )
        return {"memory_bytes": int(memory), "pids": int(pids)}

    def peak_memory(self) -> int:
        """Most memory the cgroup's processes used at once, in bytes (0 where not reported)."""
        name = "memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes"
        try:
            return int((self.memory_dir / name).read_text())
        except (OSError, ValueError):
            return 0

    def kill(self) -> None:
        """SIGKILL every process in the cgroup, until none is left (at most ~5 s)."""
        if self.version == "v2" and (self.dirs[0] / "cgroup.kill").exists():
            try:
                _write(self.dirs[0] / "cgroup.kill", "1")
            except OSError:
                pass
        for _ in range(100):
            pids = {p for d in self.dirs for p in _pids(d)}
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.05)

    def remove(self) -> None:
        """Kill what is left and remove the cgroup (its memory goes back to the machine)."""
        if self.removed:
            return
        self.kill()
        for d in self.dirs:
            for _ in range(100):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:  # EBUSY while the last processes exit
                    time.sleep(0.05)
        self.removed = not any(d.exists() for d in self.dirs)


def _sweep(parents: list[Path]) -> None:
    """Remove the cgroups a grader that died without cleaning up left behind."""
    for parent in parents:
        try:
            entries = list(parent.iterdir())
        except OSError:
            continue
        for d in entries:
            owner = d.name[len(PREFIX) :].split("-")[0]
            if d.name.startswith(PREFIX) and owner.isdigit() and not _alive(int(owner)):
                stale = Cgroup("v2" if (d / "memory.max").exists() else "v1", [d], d)
                stale.remove()
