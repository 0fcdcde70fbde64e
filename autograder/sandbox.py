"""The grader's side of the sandbox: start it, talk to it, time it out, kill it.

One :class:`Sandbox` is one kernel process (``kernel.py``) behind ``jail.py`` in its own
PID, mount, network, IPC and UTS namespaces (``unshare``), as an unprivileged user, in a
cgroup of its own that bounds its memory and process count as a whole (``cgroup.py``).
Without root, a user namespace is tried; without that, a plain process group with
rlimits, recorded as ``isolation: "reduced"``. Killing the sandbox kills ``unshare``,
whose ``--kill-child`` kills the namespace's pid 1, which takes every process of the
namespace (and its System V IPC objects) with it; then the cgroup is removed.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import os
import select
import shutil
import signal
import site
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from autograder import protocol
from autograder.cgroup import Cgroup
from autograder.cgroup import support as cgroup_support
from autograder.config import COURSE_DIR, Limits

__all__ = ["COURSE_DIR", "Limits", "Sandbox", "SandboxFault", "SandboxSetupError"]

PACKAGE_DIR = Path(__file__).resolve().parent
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


class SandboxFault(BaseException):
    """The kernel timed out, ran out of memory, crashed or exited.

    A ``BaseException`` so that a hidden test's ``except Exception`` cannot swallow it.
    """

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class SandboxSetupError(RuntimeError):
    """The sandbox itself could not start: a grader problem, not the student's."""


_SIGNAL_NAMES = {
    signal.SIGSEGV: "a segmentation fault",
    signal.SIGABRT: "an abort",
    signal.SIGBUS: "a bus error",
    signal.SIGFPE: "a floating-point exception",
    signal.SIGILL: "an illegal instruction",
    signal.SIGXCPU: "the CPU time limit",
}

_mode_cache: str | None = None
OUT_OF_MEMORY = (
    "the sandbox ran out of memory: its processes together used more than the memory limit, "
    "and the system killed one of them"
)


def _unshare_argv(mode: str) -> list[str]:
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
                        [*_unshare_argv(mode), "true"], capture_output=True, timeout=20
                    )
                except (OSError, subprocess.TimeoutExpired):
                    continue
                if probe.returncode == 0:
                    _mode_cache = mode
                    break
    return _mode_cache


def _module_location(name: str) -> str | None:
    """Where a top-level module lives, found without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return spec.origin if spec.origin and os.path.exists(spec.origin) else None


#: The top-level directories a kernel may see. Every other one (``/work``, ``/opt``, ``/srv``,
#: ``/var``, ...) is hidden too, and only the Python environment and the course's packages
#: are mounted back: another copy of the course or its solutions elsewhere on the machine
#: stays out of reach, not just the one being graded from.
SYSTEM_DIRS = frozenset(
    {
        "/usr",
        "/bin",
        "/sbin",
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/etc",
        "/dev",
        "/proc",
        "/sys",
        "/run",
    }
)


def hidden_paths(extra: list[str]) -> list[str]:
    """Everything a submission must not see: the course, outputs, submissions, homes, temp,
    and every top-level directory that is not part of the operating system."""
    course = COURSE_DIR
    course_area = course.parent if course.parent != Path("/") else course
    paths = [
        "/tmp",
        "/var/tmp",
        "/run/lock",
        "/dev/shm",
        "/home",
        "/root",
        "/srv",
        "/mnt",
        "/media",
        "/opt",
        str(course_area),
        str(course),
        *extra,
    ]
    try:
        tops = sorted(os.path.join("/", name) for name in os.listdir("/"))
    except OSError:
        tops = []
    paths += [
        p for p in tops if p not in SYSTEM_DIRS and os.path.isdir(p) and not os.path.islink(p)
    ]
    return [p for p in paths if p]


def kept_paths() -> list[str]:
    """What the kernel needs: the Python environment and the course's own packages."""
    paths = {sys.prefix, sys.base_prefix, str(PACKAGE_DIR), str(COURSE_DIR / "convnets")}
    paths.update(site.getsitepackages())
    real_exe = os.path.realpath(sys.executable)
    paths.add(str(Path(real_exe).parent.parent))
    return sorted(p for p in paths if os.path.isdir(p))


SITE_DIR_NAMES = ("site-packages", "dist-packages")
ARCHIVES = (".whl", ".egg", ".zip", ".pyz", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
ZIPS = (".whl", ".egg", ".zip", ".pyz")
MODULE_FILES = (".py", ".pyc", ".so", ".pyd")


def _zip_holds(path: str, names: frozenset[str]) -> bool:
    """Whether a zip file holds a package or module of one of ``names`` (at any depth)."""
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, RuntimeError):
        return False
    for entry in entries:
        parts = entry.split("/")
        if any(p in names for p in parts[:-1]) or parts[-1].split(".")[0] in names:
            return True
    return False


@functools.lru_cache(maxsize=8)
def covered_paths(forbidden: tuple[str, ...] = ()) -> tuple[tuple[str, str], ...]:
    """What the jail covers, as (path, how): Python packages that are not the environment's.

    The sandbox sees the operating system's directories and the kept paths (the venv, the
    base installation it links to, the course's packages). Every ``site-packages`` /
    ``dist-packages`` directory among them that is not the environment's own (the base
    installation's, Debian's ``/usr/lib/python3/dist-packages``, ``/usr/local/lib/python3*``,
    a tool's bundled Python) is covered by an empty directory (``"empty"``); every copy of
    a forbidden module anywhere there, by name (a package directory, a module file, an
    archive named after it or a zip that holds it, however deep), is covered by a stub
    (``"stub:<name>"``) or by an empty file (``"file"``). So ``sys.path``, ``site``, ``.pth``
    files and zipimport find nothing but the standard library and the venv's own packages.
    A walk of the visible tree (about a second), once per grader process and assignment.
    """
    names = frozenset(forbidden)
    own = {os.path.realpath(p) for p in site.getsitepackages()}
    roots: list[str] = []
    for root in sorted(
        {os.path.realpath(p) for p in [*SYSTEM_DIRS, *kept_paths()]} - {"/proc", "/sys", "/dev"}
    ):
        if os.path.isdir(root) and not any(root.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(root)
    found: list[tuple[str, str]] = []
    stack = list(reversed(roots))
    while stack:  # os.scandir, not os.walk: the entry types come with the listing (~2x faster)
        try:
            entries = list(os.scandir(stack.pop()))
        except OSError:
            continue
        for entry in entries:
            name, path = entry.name, entry.path
            if entry.is_dir(follow_symlinks=False):
                if name in names:
                    found.append((path, f"stub:{name}"))
                elif name in SITE_DIR_NAMES and os.path.realpath(path) not in own:
                    found.append((path, "empty"))
                else:
                    stack.append(path)
                continue
            lower = name.lower()
            if name in names and entry.is_symlink():  # a link named like a forbidden package
                found.append((path, f"stub:{name}" if entry.is_dir() else "file"))
            elif name.split(".")[0] in names and lower.endswith(MODULE_FILES):
                found.append((path, "file"))
            elif lower.endswith(ARCHIVES) and (
                any(
                    lower.startswith(n.lower()) and lower[len(n) : len(n) + 1] in ("-", "_", ".")
                    for n in names
                )
                or (lower.endswith(ZIPS) and names and _zip_holds(path, names))
            ):
                found.append((path, "file"))
    return tuple(found)


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


_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants(root: int) -> list[int]:
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


@dataclass
class Sandbox:
    """One kernel in its jail, and the channel to it."""

    assignment: str
    limits: Limits
    forbidden: list[str] = field(default_factory=list)
    hide: list[str] = field(default_factory=list)
    uid: int = BASE_UID  # this job slot's user (see uid_base)
    output: bytearray = field(default_factory=bytearray)
    output_dropped: int = 0
    proc: subprocess.Popen | None = None
    #: real file path -> the bytes a sandbox process reads at that path instead (bind-mounted
    #: read-only over it by the jail; needs a mount namespace, ignored in "reduced" mode)
    masks: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.mode = isolation_mode()
        self.cgroup: Cgroup | None = None  # the sandbox's own cgroup, while it runs
        self._sock: socket.socket | None = None
        self._status_r: int | None = None
        self._drain: threading.Thread | None = None
        self._scratch: str | None = None
        self._last_id = 0

    # -- life cycle -------------------------------------------------------------------
    def start(self, timeout: float = 60) -> None:
        parent, child = socket.socketpair()
        status_r, status_w = os.pipe()
        forbidden = {}
        for name in self.forbidden:
            where = _module_location(name)
            if where:
                forbidden[name] = where
        launcher = _module_location("ipykernel_launcher")
        if self.mode == "reduced":
            self._scratch = tempfile.mkdtemp(prefix="autograder-kernel-")
        if self.mode == "namespaces":
            try:
                self.cgroup = Cgroup.create(
                    int(self.limits.memory_mb) * 1024 * 1024, int(self.limits.nproc)
                )
            except OSError as exc:
                raise SandboxSetupError(f"cannot create the sandbox's cgroup: {exc}") from None
        cfg = {
            "mode": self.mode,
            "assignment": self.assignment,
            "uid": self.uid,
            "rpc_fd": child.fileno(),
            "status_fd": status_w,
            "hide": hidden_paths(self.hide),
            "keep": kept_paths(),
            "forbidden": forbidden,
            "kernel_file": str(PACKAGE_DIR / "kernel.py")
            if self.mode != "reduced" and launcher
            else "",
            "launcher": launcher or "",
            "scratch": self._scratch,
            "memory_mb": int(self.limits.memory_mb),
            "disk_mb": int(self.limits.disk_mb),
            "nproc": int(self.limits.nproc),
            "cpu_s": int(self.limits.notebook_timeout + 60),
            "threads": os.environ.get("OMP_NUM_THREADS", ""),
            "cgroup_procs": self.cgroup.procs_files if self.cgroup else [],
            "cover": [
                list(c)
                for c in covered_paths(tuple(sorted(self.forbidden)))
                if c[0] not in forbidden.values()
            ]
            if self.mode != "reduced"
            else [],
            "masks": {
                os.path.realpath(p): base64.b64encode(data).decode()
                for p, data in self.masks.items()
            },
        }
        argv = [sys.executable, "-m", "autograder.jail"]
        if self.mode != "reduced":
            argv = [*_unshare_argv(self.mode), *argv]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=(child.fileno(), status_w),
            env=env,
            cwd="/",
            start_new_session=self.mode == "reduced",
        )
        child.close()
        os.close(status_w)
        self._sock, self._status_r = parent, status_r
        self._drain = threading.Thread(target=self._drain_output, daemon=True)
        self._drain.start()
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(cfg).encode())
            self.proc.stdin.close()
        except OSError as exc:
            self.kill()
            raise SandboxSetupError(
                f"the sandbox exited at once ({exc}): {self.output_text()[-500:]}"
            ) from None
        try:
            reply = self._receive(time.monotonic() + timeout)
        except SandboxFault as fault:
            setup = self._read_status(0.5)
            detail = setup.get("setup_error") if setup else None
            self.kill()
            raise SandboxSetupError(
                detail
                or f"the sandbox did not start ({fault.message}); "
                f"output: {self.output_text()[-500:]}"
            ) from None
        if reply.get("op") != "ready":
            self.kill()
            raise SandboxSetupError(f"unexpected first message from the sandbox: {reply!r:.200}")

    def _drain_output(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        cap = int(self.limits.output_kb * 1024)
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            room = cap - len(self.output)
            if room > 0:
                self.output.extend(chunk[:room])
            self.output_dropped += max(0, len(chunk) - max(room, 0))

    def output_text(self) -> str:
        return bytes(self.output).decode("utf-8", "replace")

    def kill(self) -> None:
        """Kill the whole namespace (every process in it) and wait for it; remove the cgroup."""
        if self.proc is None:
            if self.cgroup is not None:
                self.cgroup.remove()
            return
        try:
            if self.mode == "reduced":
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        if self._drain is not None:
            self._drain.join(timeout=5)
        for closer in (self._sock.close if self._sock else None,):
            if closer:
                closer()
        if self._status_r is not None:
            try:
                os.close(self._status_r)
            except OSError:
                pass
            self._status_r = None
        if self.proc.stdout:
            self.proc.stdout.close()
        if self._scratch:
            shutil.rmtree(self._scratch, ignore_errors=True)
        self.proc = None
        if self.cgroup is not None:
            self.cgroup.remove()  # whatever is left in it, then the cgroup itself

    def close(self) -> None:
        if self.proc is not None and self._sock is not None:
            try:
                protocol.send(self._sock, {"op": "bye"})
            except OSError:
                pass
        self.kill()

    def cpu_clocks(self) -> tuple[float, float]:
        """CPU seconds the sandbox's processes have used, on two clocks read from /proc.

        ``schedstat`` of every live thread (nanoseconds: precise for short calls), and each
        live process's ``stat`` times including its exited threads and reaped children
        (clock ticks: work handed to a thread or a child that ends before the call returns
        is not lost). Compare differences of each clock and take the larger.
        """
        if self.proc is None:
            return (0.0, 0.0)
        precise, ticks = 0, 0
        for pid in _descendants(self.proc.pid):
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

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- requests ---------------------------------------------------------------------
    def _read_status(self, wait: float) -> dict | None:
        if self._status_r is None:
            return None
        ready, _, _ = select.select([self._status_r], [], [], wait)
        if not ready:
            return None
        try:
            line = os.read(self._status_r, 4096).decode(errors="replace").strip().splitlines()
            return json.loads(line[0]) if line else None
        except (OSError, ValueError):
            return None

    def _death(self) -> SandboxFault:
        """Why the kernel is gone, as a student-facing status."""
        status = self._read_status(5)
        oom = self.cgroup is not None and self.cgroup.new_oom_kill()
        self.kill()
        if oom:
            return SandboxFault("out_of_memory", OUT_OF_MEMORY)
        if status and "setup_error" in status:
            return SandboxFault("crashed", f"sandbox setup failed: {status['setup_error']}")
        if status and "signal" in status:
            sig = status["signal"]
            if sig == signal.SIGKILL:
                return SandboxFault(
                    "out_of_memory", "the kernel was killed (most likely it used too much memory)"
                )
            if sig == signal.SIGXCPU:
                return SandboxFault("timeout", "the kernel used up its CPU time")
            what = _SIGNAL_NAMES.get(sig, f"signal {sig}")
            return SandboxFault("crashed", f"the kernel crashed with {what}")
        if status and "exit" in status:
            return SandboxFault(
                "exited",
                f"the kernel exited (exit code {status['exit']}), e.g. through "
                "os._exit() or a library that ends the process",
            )
        return SandboxFault("crashed", "the kernel stopped answering")

    def _receive(self, deadline: float) -> dict:
        """Wait for a reply, the kernel's death (reported by pid 1) or the deadline.

        The status pipe is watched as well as the socket: a child the student forked may
        hold the socket open after the kernel itself died.
        """
        assert self._sock is not None
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise SandboxFault("timeout", "time limit reached")
            watch = [self._sock] + ([self._status_r] if self._status_r is not None else [])
            ready, _, _ = select.select(watch, [], [], min(remaining, 1.0))
            if self._sock in ready:
                break
            if ready:
                raise self._death()
        try:
            return protocol.recv(self._sock, deadline)
        except TimeoutError:  # protocol.DeadlineExceeded: absolute, however the bytes trickle
            self.kill()
            raise SandboxFault("timeout", "time limit reached") from None
        except protocol.ChannelClosed:
            raise self._death() from None
        except protocol.ProtocolError as exc:
            self.kill()
            raise SandboxFault(
                "protocol",
                f"the kernel sent something that is not a plain-data reply ({str(exc)[:200]})",
            ) from None
        except MemoryError:
            self.kill()
            raise SandboxFault("protocol", "the kernel's reply was too costly to read") from None
        except OSError:
            raise self._death() from None

    def request(self, message: dict, timeout: float) -> dict:
        """Send one request and wait for its reply at most ``timeout`` seconds in all.

        Each request carries a fresh id that its reply must echo: a frame the grader did not
        ask for (written to the channel by the submission's code) ends the sandbox.
        """
        if not self.alive or self._sock is None:
            raise SandboxFault("crashed", "the kernel is not running")
        deadline = time.monotonic() + timeout
        self._last_id += 1
        message = {**message, "id": self._last_id}
        try:
            self._sock.settimeout(max(timeout, 0.001))
            protocol.send(self._sock, message)
        except (OSError, TimeoutError):
            raise self._death() from None
        reply = self._receive(deadline)
        if reply.get("id") != self._last_id:
            self.kill()
            raise SandboxFault(
                "protocol",
                "the kernel sent a reply to a request the grader did not "
                "make (something wrote to the grader's channel)",
            )
        if (
            self.cgroup is not None and self.cgroup.new_oom_kill()
        ):  # e.g. a forked child, not the kernel
            self.kill()
            raise SandboxFault("out_of_memory", OUT_OF_MEMORY)
        return reply
