"""The kernel's restart / status logic with a fake sandbox: milliseconds, no processes."""

from __future__ import annotations

import types

import pytest

from autograder.config import Limits
from autograder.faults import SandboxFault
from autograder.runner import MAX_RESTARTS, Runner


class FakeSandbox:
    """Runs cells by their source: "ok", "raise", "hang" (timeout, kernel gone), "die"."""

    started: list[FakeSandbox] = []

    def __init__(self, *args, **kwargs) -> None:
        self.alive = False
        self.ran: list[str] = []
        self.output_dropped = 0

    def start(self) -> None:
        self.alive = True
        FakeSandbox.started.append(self)

    def request(self, message: dict, timeout: float) -> dict:
        if message["op"] == "call":
            return {"ok": True, "value": len(self.ran)}
        source = message["source"]
        self.ran.append(source)
        if source == "raise":
            return {"ok": False, "type": "ValueError", "traceback": "ValueError: bad"}
        if source in ("hang", "die") or (
            source == "dies-after-restart" and len(FakeSandbox.started) > 1
        ):
            self.alive = False
            raise SandboxFault("timeout" if source == "hang" else "crashed", f"the cell {source}s")
        return {"ok": True}

    def output_text(self) -> str:
        return ""

    def kill(self) -> None:
        self.alive = False

    def close(self) -> None:
        self.alive = False

    def cpu_clocks(self) -> tuple[float, float]:
        return 0.0, 0.0


def runner(*sources: str) -> Runner:
    FakeSandbox.started = []
    cells = [types.SimpleNamespace(label=f"c{i}", source=s) for i, s in enumerate(sources)]
    assignment = types.SimpleNamespace(name="fake", forbidden=[], functions={"f": "c0"}, config={})
    plan = types.SimpleNamespace(cells=cells, missing_solutions=set())
    return Runner(assignment, plan, Limits(), uid=0, hide=[], sandbox_factory=FakeSandbox)


def test_cells_that_hang_or_die_are_recorded_and_skipped_in_replays():
    r = runner("ok", "raise", "hang", "ok", "die", "ok")
    r.run_cells()
    assert [o.status for o in r.outcomes] == ["ok", "error", "timeout", "ok", "crashed", "ok"]
    assert r.restarts == 2 and len(FakeSandbox.started) == 3
    # each fresh kernel replays the cells that neither hung nor died, then goes on
    assert FakeSandbox.started[1].ran == ["ok", "raise", "ok", "die"]
    assert FakeSandbox.started[2].ran == ["ok", "raise", "ok", "ok"]
    assert r.call("f", [], {}) == 4 and r.alive()


def test_a_cell_that_kills_the_kernel_on_replay_is_marked_and_skipped():
    r = runner("ok", "dies-after-restart", "die")
    r.run_cells()
    assert [o.status for o in r.outcomes] == ["ok", "ok", "crashed"]
    r.restart()  # the replay of the second cell kills the new kernel: marked, the next one skips it
    assert [o.status for o in r.outcomes] == ["ok", "crashed", "crashed"]
    assert r.restarts == 2 and r.alive() and FakeSandbox.started[-1].ran == ["ok"]


def test_a_kernel_that_keeps_dying_stops_after_the_restart_limit(monkeypatch):
    r = runner("ok")
    r.run_cells()
    monkeypatch.setattr(
        FakeSandbox, "start", lambda self: FakeSandbox.started.append(self)
    )  # born dead
    with pytest.raises(SandboxFault, match="kept dying"):
        r.restart()
    assert r.restarts == MAX_RESTARTS + 1 and len(FakeSandbox.started) == MAX_RESTARTS + 1


def test_calls_after_a_fault_repeat_the_fault_until_cleared():
    r = runner("ok")
    r.run_cells()
    r.deadline = float("inf")
    r.fault = SandboxFault("timeout", "too slow")
    with pytest.raises(SandboxFault, match="too slow"):
        r.call("f", [], {})
    r.fault = None
    assert r.call("f", [], {}) == 1


def test_an_undefined_student_function_in_harness_code_is_missing():
    from autograder.harness import MissingFunction

    r = runner("ok")
    r.run_cells()
    r.deadline = float("inf")
    reply = {
        "ok": False,
        "kind": "exception",
        "type": "NameError",
        "builtin": True,
        "name": "f",
        "message": "anything",
    }
    r.sandbox.request = lambda message, timeout: reply  # type: ignore[union-attr]
    with pytest.raises(MissingFunction, match="f is not defined"):
        r.in_submission("result = f()")
    reply["name"] = "g"  # not one of the assignment's functions: the student's own error
    with pytest.raises(NameError):
        r.in_submission("result = g()")
