"""How a sandbox's kernel ended a task, as a status for the student: the exceptions the
grader raises (``SandboxFault``, ``SandboxSetupError``) and ``death_fault``, which reads
only typed facts (the cgroup's OOM-kill counter, the signal or exit code pid 1 reported).
"""

from __future__ import annotations

import signal


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

OUT_OF_MEMORY = (
    "the sandbox ran out of memory: its processes together used more than the memory limit, "
    "and the system killed one of them"
)


def death_fault(status: dict | None, oom_killed: bool) -> SandboxFault:
    """Why the kernel is gone: ``status`` is what the sandbox's pid 1 reported (``signal``,
    ``exit`` or ``setup_error``), ``oom_killed`` whether its cgroup counted an OOM kill."""
    if oom_killed:
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
