"""A task's fault status is decided from typed facts (issue 15): the class hierarchy of what
the student's code raised (sent by the kernel), the cgroup's OOM-kill counter and the
signal or exit code the sandbox's pid 1 reported; never from the words of a message."""

from __future__ import annotations

import signal

import numpy as np

from autograder.faults import OUT_OF_MEMORY, death_fault
from autograder.harness import fault_from_reply
from autograder.kernel import _error


def reply_for(exc: BaseException) -> dict:
    """What the kernel sends back when a student's function raises ``exc``."""
    try:
        raise exc
    except BaseException as caught:  # noqa: BLE001
        return _error(caught, {})


def status(reply: dict) -> str | None:
    fault = fault_from_reply("f", reply)
    return getattr(fault, "status", None)


def test_numpy_allocation_failure_is_out_of_memory():
    try:
        np.empty(1 << 50)  # 8 PiB: no machine's allocator gives it
    except MemoryError as exc:  # NumPy's own subclass of MemoryError
        reply, module = reply_for(exc), type(exc).__module__
    assert module != "builtins"
    assert "builtins.MemoryError" in reply["mro"]
    assert status(reply) == "out_of_memory"
    assert status(reply_for(MemoryError())) == "out_of_memory"


def test_a_memory_error_by_any_name_is_out_of_memory():
    class AllocationFailed(MemoryError):
        pass

    assert status(reply_for(AllocationFailed("no room"))) == "out_of_memory"


def test_torch_typed_out_of_memory_is_out_of_memory():
    import torch

    assert status(reply_for(torch.OutOfMemoryError("CUDA out of memory."))) == "out_of_memory"


def test_message_text_decides_nothing():
    """The words a message happens to contain (torch's CPU allocator says "can't allocate
    memory" in a plain RuntimeError; a student can print anything) are not a status."""
    for text in (
        "out of memory",
        "DefaultCPUAllocator: can't allocate memory",
        "Unable to allocate",
    ):
        assert status(reply_for(RuntimeError(text))) is None
        assert status(reply_for(ValueError(text))) is None

    class MemoryError(Exception):  # noqa: A001 - named like the builtin, not one
        pass

    assert status(reply_for(MemoryError("out of memory"))) is None
    forged = {"ok": False, "type": "MemoryError", "builtin": True, "message": "out of memory"}
    assert status(forged) is None  # no class hierarchy, no typed fact


def test_other_base_exceptions_keep_their_statuses():
    assert status(reply_for(SystemExit(3))) == "exited"
    assert status(reply_for(KeyboardInterrupt())) == "error"
    assert status(reply_for(ValueError("bad"))) is None


def test_death_is_read_from_the_oom_counter_signal_and_exit_code():
    assert death_fault({"signal": signal.SIGSEGV}, oom_killed=True).status == "out_of_memory"
    assert death_fault(None, oom_killed=True).message == OUT_OF_MEMORY
    assert death_fault({"signal": signal.SIGKILL}, oom_killed=False).status == "out_of_memory"
    assert death_fault({"signal": signal.SIGXCPU}, oom_killed=False).status == "timeout"
    segv = death_fault({"signal": signal.SIGSEGV}, oom_killed=False)
    assert (segv.status, segv.message) == (
        "crashed",
        "the kernel crashed with a segmentation fault",
    )
    assert death_fault({"exit": 3}, oom_killed=False).status == "exited"
    assert death_fault({"setup_error": "no mount"}, oom_killed=False).status == "crashed"
    assert death_fault(None, oom_killed=False).status == "crashed"
