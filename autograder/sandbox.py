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

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from autograder import protocol
from autograder.cgroup import Cgroup
from autograder.config import Limits
from autograder.cpu import cpu_clocks
from autograder.faults import OUT_OF_MEMORY, SandboxFault, SandboxSetupError, death_fault
from autograder.isolation import (
    BASE_UID,
    isolation_mode,
    unshare_argv,
)
from autograder.mounts import (
    PACKAGE_DIR,
    hidden_paths,
    jail_view,
    kept_paths,
    module_location,
)


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
        launcher = module_location("ipykernel_launcher")
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
            **jail_view(self.forbidden, self.masks, covers=self.mode != "reduced"),
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
        }
        argv = [sys.executable, "-m", "autograder.jail"]
        if self.mode != "reduced":
            argv = [*unshare_argv(self.mode), *argv]
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
        return cpu_clocks(self.proc.pid)

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
        return death_fault(status, oom)

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
