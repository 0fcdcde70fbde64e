"""The submission's kernel as the grader drives it: run its cells, answer calls, restart.

:class:`Runner` starts sandboxes through ``sandbox_factory`` (``Sandbox`` by default), so a
fake kernel can stand in for the restart / status logic in unit tests.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from autograder import harness
from autograder.config import Limits
from autograder.faults import SandboxFault
from autograder.notebook import Assignment
from autograder.sandbox import Sandbox
from autograder.submission import Plan

MAX_RESTARTS = 12
#: How far past a hidden part's own deadline the grader's alarm fires, whatever the hidden
#: part or the channel is doing (a backstop: calls already stop at the deadline).
HARD_DEADLINE_GRACE = 5.0
#: What a message may carry into feedback (the student's own exception text included).
MESSAGE_CHARS = 2000


class HardDeadline(BaseException):
    """The grader's alarm: a hidden part ran past its deadline plus the grace."""


@contextlib.contextmanager
def hard_deadline(seconds: float):
    """Raise :class:`HardDeadline` after ``seconds`` in the main thread, whatever runs then.

    Calls to the sandbox already stop at their deadline; this also bounds grader-side work
    (decoding, checking) however a submission's replies make it behave. Only the main thread
    gets signals, so elsewhere (a test's worker thread) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def fire(signum, frame):  # noqa: ARG001
        raise HardDeadline(f"no answer within {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_masks: dict[str, dict[str, bytes]] = {}


def assignment_masks(assignment: Assignment) -> dict[str, bytes]:
    """Files the sandbox sees replaced (e.g. held-out data blanked): the notebook's ``"masks"``
    names a function of the course's code, ``"module:function"``, returning {real path: bytes};
    computed here, in the grader, once per process."""
    spec = str(assignment.config.get("masks") or "")
    if spec and spec not in _masks:
        import importlib

        module, _, name = spec.partition(":")
        _masks[spec] = dict(getattr(importlib.import_module(module), name)())
    return _masks.get(spec, {})


@dataclass
class CellOutcome:
    label: str
    status: str  # ok, error, timeout, out_of_memory, crashed, exited, skipped
    message: str = ""
    seconds: float = 0.0


@dataclass
class Runner:
    """The submission's kernel: runs its cells, answers calls, restarts after faults."""

    assignment: Assignment
    plan: Plan
    limits: Limits
    uid: int
    hide: list[str]
    started: float = field(default_factory=time.monotonic)
    outcomes: list[CellOutcome] = field(default_factory=list)
    sandbox: Sandbox | None = None
    restarts: int = 0
    deadline: float = 0.0
    current_budget: float = 0.0
    fault: SandboxFault | None = None
    output: str = ""
    output_dropped: int = 0
    tainted: dict = field(default_factory=dict)  # function -> why it is forbidden (static scan)
    #: Makes a started-to-be kernel: ``Sandbox`` here, a fake in unit tests.
    sandbox_factory: Callable[..., Sandbox] = Sandbox

    def remaining(self) -> float:
        return self.limits.notebook_timeout - (time.monotonic() - self.started)

    def _new_sandbox(self) -> Sandbox:
        self._collect_output()
        box = self.sandbox_factory(
            self.assignment.name,
            self.limits,
            self.assignment.forbidden,
            self.hide,
            self.uid,
            masks=assignment_masks(self.assignment),
        )
        box.start()
        return box

    def _collect_output(self) -> None:
        if self.sandbox is not None:
            self.output += self.sandbox.output_text()
            self.output_dropped += self.sandbox.output_dropped
            self.sandbox.kill()
            self.sandbox = None

    def _run_cell(self, index: int, first_time: bool) -> None:
        cell = self.plan.cells[index]
        budget = min(self.limits.cell_timeout, max(self.remaining(), 0.0))
        start = time.monotonic()
        try:
            assert self.sandbox is not None
            reply = self.sandbox.request(
                {"op": "cell", "source": cell.source, "label": cell.label}, budget
            )
            status = "ok" if reply.get("ok") else "error"
            message = (
                "" if reply.get("ok") else str(reply.get("traceback") or reply.get("message", ""))
            )
            if reply.get("type") in ("MemoryError",):
                status = "out_of_memory"
        except SandboxFault as fault:
            status, message = fault.status, fault.message
            if status == "timeout":
                message = f"the cell did not finish within {budget:.0f} s"
        if first_time or status not in ("ok", "error"):
            outcome = CellOutcome(
                cell.label, status, message[:MESSAGE_CHARS], time.monotonic() - start
            )
            if first_time:
                self.outcomes.append(outcome)
            else:
                self.outcomes[index] = outcome

    def run_cells(self) -> None:
        self.sandbox = self._new_sandbox()
        try:
            with hard_deadline(max(self.remaining(), 0.0) + HARD_DEADLINE_GRACE):
                self._run_all_cells()
        except HardDeadline:
            self._collect_output()
            done = len(self.outcomes)
            for cell in self.plan.cells[done:]:
                self.outcomes.append(
                    CellOutcome(cell.label, "timeout", "the notebook's time limit ran out")
                )

    def _run_all_cells(self) -> None:
        for index in range(len(self.plan.cells)):
            if self.remaining() <= 0:
                self.outcomes.append(
                    CellOutcome(
                        self.plan.cells[index].label, "skipped", "the notebook's time limit ran out"
                    )
                )
                continue
            if not self.alive():
                self.restart()
            self._run_cell(index, first_time=True)

    def alive(self) -> bool:
        return self.sandbox is not None and self.sandbox.alive

    def restart(self) -> None:
        """A fresh kernel that replays every cell that neither hung nor killed the kernel."""
        while True:
            self.restarts += 1
            if self.restarts > MAX_RESTARTS:
                raise SandboxFault(
                    "crashed", "the kernel kept dying; grading of this notebook stopped"
                )
            self._collect_output()
            self.sandbox = self._new_sandbox()
            for index, outcome in enumerate(self.outcomes):
                if outcome.status in ("ok", "error"):
                    self._run_cell(index, first_time=False)
                    if not self.alive():
                        break
            if self.alive():
                return

    # -- used by hidden tests ---------------------------------------------------------
    def _forbid(self, names: set[str]) -> None:
        bad = sorted(n for n in names if n in self.tainted)
        if bad:
            forbidden = ", ".join(self.assignment.forbidden) or "none"
            self.fault = SandboxFault(
                "forbidden",
                "; ".join(f"{n} {self.tainted[n]}" for n in bad)
                + f": not allowed in this assignment (forbidden modules: {forbidden}; "
                "no __import__, importlib or sys.modules tricks)",
            )
            raise self.fault

    def _missing(self, name: str) -> harness.MissingFunction:
        gid = self.assignment.functions.get(name, "")
        if gid in self.plan.missing_solutions:
            why = "its solution cell was deleted from the notebook"
        else:
            why = cell_problem(self, gid).strip(" ()") or "its solution cell does not define it"
        return harness.MissingFunction(name, f"{name} is not defined: {why}")

    def _request(self, what: str, message: dict) -> Any:
        if self.fault is not None:
            raise self.fault
        if message["op"] == "call":
            self._forbid({message["name"]})
        elif message["op"] == "exec":
            from autograder.notebook import referenced_names

            self._forbid(referenced_names(message["code"]) & set(self.assignment.functions))
        if not self.alive():  # restarts happen between tests, never on a test's clock
            raise SandboxFault("crashed", "the kernel is not running")
        timeout = self.deadline - time.monotonic()
        try:
            assert self.sandbox is not None
            reply = self.sandbox.request(message, max(timeout, 0.0))
        except SandboxFault as fault:
            if fault.status == "timeout":
                fault = SandboxFault(
                    "timeout",
                    f"{what} did not finish within the test's time limit "
                    f"({self.current_budget:.0f} s): an infinite loop, or far too slow",
                )
            self.fault = fault
            raise fault from None
        if reply.get("ok"):
            return reply.get("value")
        kind = reply.get("kind")
        if kind == "missing":
            raise self._missing(what)
        if reply.get("type") == "NameError" and message["op"] == "exec":
            name = reply.get("name")
            if isinstance(name, str) and name in self.assignment.functions:
                raise self._missing(name)
        if kind == "not_data":
            raise harness.TestFailure(
                f"{what} returned a {reply.get('message')}, which the grader does not accept: "
                "return plain data (a NumPy array of numbers, a number, a list ...), not a custom "
                "object or a tensor"
            )
        fault = harness.fault_from_reply(what, reply)
        if fault is not None:
            self.fault = fault  # type: ignore[assignment]
            raise fault
        raise harness.remote_error(what, reply)

    def cpu_clocks(self) -> tuple[float, float]:
        """The sandbox's CPU clocks: what ``speed_ratio`` charges the student's code."""
        return self.sandbox.cpu_clocks() if self.sandbox is not None else (0.0, 0.0)

    def call(self, name: str, args: list, kwargs: dict) -> Any:
        return self._request(name, {"op": "call", "name": name, "args": args, "kwargs": kwargs})

    def in_submission(self, code: str, **data: Any) -> Any:
        return self._request("your code", {"op": "exec", "code": code, "data": data})

    def abandon(self) -> None:
        """Kill the kernel now (its channel can no longer be trusted to be in step)."""
        self._collect_output()

    def close(self) -> None:
        if self.sandbox is not None:
            self.sandbox.close()
        self._collect_output()


def cell_problem(runner: Runner, function_cell: str) -> str:
    for outcome in runner.outcomes:
        if outcome.label == function_cell and outcome.status != "ok":
            last = outcome.message.strip().splitlines()[-1] if outcome.message.strip() else ""
            return f" (its cell ended with {outcome.status}: {last})"
    return ""
