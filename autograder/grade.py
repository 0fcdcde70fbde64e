"""Grading: one submission (``grade_submission``) and a whole batch (``grade_all``).

A batch writes ``students/<id>.json`` atomically as each submission finishes, so an
interrupted run resumes where it stopped (a submission whose sha256 and source
fingerprint match its stored result is not graded again), then rebuilds ``grades.csv``,
``results.json`` and ``feedback/`` from those files.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import harness, helpers
from autograder.checks import Checks
from autograder.config import ConfigError, Course, points_problem
from autograder.notebook import (
    Assignment,
    BadNotebook,
    Plan,
    load_assignment,
    plan_cells,
    read_submission,
)
from autograder.sandbox import (
    COURSE_DIR,
    Limits,
    Sandbox,
    SandboxFault,
    SandboxSetupError,
    isolation_detail,
    isolation_mode,
    uid_base,
)
from autograder.static import scan

GRADER_VERSION = "2"
MAX_RESTARTS = 12
#: How far past a hidden part's own deadline the grader's alarm fires, whatever the hidden
#: part or the channel is doing (a backstop: calls already stop at the deadline).
HARD_DEADLINE_GRACE = 5.0
#: What a message may carry into feedback (the student's own exception text included).
MESSAGE_CHARS = 2000
#: The private (heap) memory one grading process may use, in MiB (RLIMIT_DATA): a reply that
#: would need more fails that submission's task with a MemoryError instead of the machine.
WORKER_MEMORY_MB = int(os.environ.get("AUTOGRADER_WORKER_MB", "6144"))


def source_notebook(assignment: str, course: Path = COURSE_DIR) -> Path:
    return Course(course).source(assignment)


def file_digest(path: Path) -> str:
    """What a stored result is keyed on (a missing file has its own fixed value)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "no-file"


def student_seed(assignment: str, student_id: str) -> int:
    """The seed of one student's hidden inputs: different per student and assignment (so
    feedback collected over the years is no lookup table), the same at every regrade."""
    return int.from_bytes(hashlib.sha256(f"{assignment}/{student_id}".encode()).digest()[:4], "big")


def _seed_grader(seed: int) -> None:
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


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

    def remaining(self) -> float:
        return self.limits.notebook_timeout - (time.monotonic() - self.started)

    def _new_sandbox(self) -> Sandbox:
        self._collect_output()
        box = Sandbox(self.assignment.name, self.limits, self.assignment.forbidden, self.hide, self.uid,
                      masks=assignment_masks(self.assignment))
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
            reply = self.sandbox.request({"op": "cell", "source": cell.source, "label": cell.label}, budget)
            status = "ok" if reply.get("ok") else "error"
            message = "" if reply.get("ok") else str(reply.get("traceback") or reply.get("message", ""))
            if reply.get("type") in ("MemoryError",):
                status = "out_of_memory"
        except SandboxFault as fault:
            status, message = fault.status, fault.message
            if status == "timeout":
                message = f"the cell did not finish within {budget:.0f} s"
        if first_time or status not in ("ok", "error"):
            outcome = CellOutcome(cell.label, status, message[:MESSAGE_CHARS], time.monotonic() - start)
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
                self.outcomes.append(CellOutcome(cell.label, "timeout", "the notebook's time limit ran out"))

    def _run_all_cells(self) -> None:
        for index in range(len(self.plan.cells)):
            if self.remaining() <= 0:
                self.outcomes.append(CellOutcome(self.plan.cells[index].label, "skipped",
                                                 "the notebook's time limit ran out"))
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
                raise SandboxFault("crashed", "the kernel kept dying; grading of this notebook stopped")
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
            self.fault = SandboxFault("forbidden", "; ".join(f"{n} {self.tainted[n]}" for n in bad) +
                                      f": not allowed in this assignment (forbidden modules: {forbidden}; "
                                      "no __import__, importlib or sys.modules tricks)")
            raise self.fault

    def _missing(self, name: str) -> harness.MissingFunction:
        gid = self.assignment.functions.get(name, "")
        if gid in self.plan.missing_solutions:
            why = "its solution cell was deleted from the notebook"
        else:
            why = _cell_problem(self, gid).strip(" ()") or "its solution cell does not define it"
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
                fault = SandboxFault("timeout", f"{what} did not finish within the test's time limit "
                                                f"({self.current_budget:.0f} s): an infinite loop, or far too slow")
            self.fault = fault
            raise fault from None
        if reply.get("ok"):
            return reply.get("value")
        kind = reply.get("kind")
        if kind == "missing":
            raise self._missing(what)
        if reply.get("type") == "NameError" and message["op"] == "exec":
            for name in self.assignment.functions:
                if f"'{name}'" in str(reply.get("message", "")):
                    raise self._missing(name)
        if kind == "not_data":
            raise harness.TestFailure(
                f"{what} returned a {reply.get('message')}, which the grader does not accept: return plain "
                "data (a NumPy array of numbers, a number, a list ...), not a custom object or a tensor")
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


def _build_solution(assignment: Assignment) -> dict:
    ns: dict[str, Any] = {"__name__": "__solution__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in assignment.cells:
            if cell.kind in ("locked", "solution"):
                exec(compile(cell.source, f"<solution {cell.grade_id}>", "exec"), ns)  # noqa: S102 - trusted
    return ns


_solutions: dict[Path, harness.LazySolution] = {}
_setups: dict[Path, dict] = {}


def _setup_names(assignment: Assignment) -> dict:
    """Names the source's locked cells define (data, constants), computed here once per process."""
    if assignment.path not in _setups:
        ns: dict[str, Any] = {"__name__": "__setup__"}
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in assignment.cells:
                if cell.kind == "locked":
                    exec(compile(cell.source, f"<setup {cell.grade_id}>", "exec"), ns)  # noqa: S102 - trusted
        _setups[assignment.path] = {k: v for k, v in ns.items() if not k.startswith("__")}
    return _setups[assignment.path]


_warmed: set[Path] = set()


def _warm_up(assignment: Assignment) -> None:
    """Import what the hidden parts import, and build setup / solution, before any clock runs.

    Otherwise the first hidden part in a grading process pays for importing torch (seconds,
    more on a loaded machine) out of the student's time budget.
    """
    if assignment.path in _warmed:
        return
    _warmed.add(assignment.path)
    import ast
    import importlib

    modules: set[str] = {"hypothesis"}
    for graded in assignment.graded:
        try:
            tree = ast.parse(graded.hidden)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules.add(node.module)
    with contextlib.redirect_stdout(io.StringIO()):
        for name in sorted(modules):
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the hidden part will report it
                pass
    harness.hypothesis_names()
    helpers.load(assignment.path)
    _setup_names(assignment)
    for name in list(assignment.functions)[:1]:
        getattr(_solution_for(assignment), name, None)


def _fresh(names: dict) -> dict:
    """Copies, so that one hidden part cannot change what the next one (or student) sees."""
    import copy
    import types as _types

    out = {}
    for key, value in names.items():
        if isinstance(value, (_types.ModuleType, type, _types.FunctionType, _types.BuiltinFunctionType)):
            out[key] = value
            continue
        try:
            out[key] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - not copyable: share it
            out[key] = value
    return out


def _solution_for(assignment: Assignment) -> harness.LazySolution:
    if assignment.path not in _solutions:
        _solutions[assignment.path] = harness.LazySolution(lambda: _build_solution(assignment))
    return _solutions[assignment.path]


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _classify(exc: BaseException, runner: Runner) -> tuple[str, str, str]:
    """(status, student-facing message, instructor-only detail) for a hidden part's exception."""
    exc = _leaf(exc)
    if runner.fault is not None:
        return runner.fault.status, runner.fault.message, ""
    if isinstance(exc, SandboxFault):
        return exc.status, exc.message, ""
    if isinstance(exc, HardDeadline):
        return ("timeout", f"this task did not finish within the test's time limit "
                           f"({runner.current_budget:.0f} s): an infinite loop, or far too slow", "")
    if isinstance(exc, harness.MissingFunction):
        return "missing", exc.message, ""
    if isinstance(exc, harness.RemoteError):
        tb = exc.student_traceback
        return "error", f"{exc}\n{tb}".strip() if tb else str(exc), ""
    if isinstance(exc, harness.TestFailure):
        return "failed", str(exc), ""
    from hypothesis.errors import Flaky

    if isinstance(exc, Flaky):
        return "failed", "your function gives different results for the same input", ""
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
    if isinstance(exc, AssertionError):
        return "failed", str(exc) or "a hidden check of this task failed", detail
    return ("error", f"the hidden test could not check your result ({type(exc).__name__}: {str(exc)[:300]}); "
                     "does your function return what the task asks for?", detail)


def _cell_problem(runner: Runner, function_cell: str) -> str:
    for outcome in runner.outcomes:
        if outcome.label == function_cell and outcome.status != "ok":
            last = outcome.message.strip().splitlines()[-1] if outcome.message.strip() else ""
            return f" (its cell ended with {outcome.status}: {last})"
    return ""


def _refuse_links(submission: Path) -> None:
    """A submission is a regular file of its own: never a link to something else to read."""
    if submission.is_symlink() or not submission.is_file():
        raise BadNotebook("invalid_notebook", f"{submission.name} is a link or not a regular file: "
                                              "submit the notebook itself")


def grade_submission(source: Path, submission: Path, student_id: str, uid: int = 61000,
                     hide: list[str] | None = None, overrides: dict | None = None) -> dict:
    """Grade one file; never raises for anything the submission does."""
    t0 = time.monotonic()
    assignment = load_assignment(source)
    if overrides:
        assignment = dataclasses.replace(assignment, limits=dataclasses.replace(assignment.limits, **overrides))
    data = submission.read_bytes() if submission.is_file() and not submission.is_symlink() else b""
    result: dict[str, Any] = {
        "student_id": student_id, "assignment": assignment.name, "file": str(submission),
        "sha256": file_digest(submission), "source": assignment.fingerprint(),
        "grader_version": GRADER_VERSION, "score": 0.0, "max_score": assignment.max_score,
        "status": "graded", "message": "", "tests": [], "cells": [], "isolation": isolation_mode(),
        "limits": dataclasses.asdict(assignment.limits),
    }
    tests = result["tests"]

    def all_tests(status: str, message: str) -> None:
        tests[:] = [{"grade_id": g.grade_id, "points": 0.0, "max_points": g.points, "status": status,
                     "message": message, "seconds": 0.0} for g in assignment.graded]

    try:
        if not submission.is_file() and not submission.is_symlink():
            raise BadNotebook("invalid_notebook", f"no notebook found at {submission.name}")
        _refuse_links(submission)
        nb = read_submission(data)
        plan = plan_cells(assignment, nb)
    except BadNotebook as bad:
        result.update(status=bad.status, message=bad.message)
        all_tests("not_run", bad.message)
        result["seconds"] = round(time.monotonic() - t0, 3)
        return result
    result["student_code"] = plan.student_code
    tainted = scan([(c.label, c.source) for c in plan.cells if c.origin == "submission"], assignment.forbidden)
    _warm_up(assignment)
    seed = student_seed(assignment.name, student_id)
    runner = Runner(assignment, plan, assignment.limits, uid, hide or [], tainted=tainted)
    try:
        runner.run_cells()
        solution = _solution_for(assignment)
        for graded in assignment.graded:
            start = time.monotonic()
            status, message, detail = "passed", "", ""
            checks, points = None, None
            if runner.remaining() > 0 and not runner.alive():
                try:
                    runner.restart()
                except SandboxFault as fault:
                    status, message = fault.status, fault.message
            if status != "passed":
                pass
            elif runner.remaining() <= 0:
                status, message = "timeout", f"the notebook's total time limit ({assignment.limits.notebook_timeout:.0f} s) ran out"
            else:
                budget = min(assignment.limits.test_timeout, runner.remaining())
                runner.deadline, runner.current_budget, runner.fault = time.monotonic() + budget, budget, None
                ns = harness.namespace(runner, list(assignment.functions), solution, _fresh(_setup_names(assignment)),
                                       seed=seed)
                ns["check"] = checks = Checks(lambda exc: _classify(exc, runner))
                helpers.bind(assignment.path, ns)
                _seed_grader(seed)
                try:
                    with contextlib.redirect_stdout(io.StringIO()), hard_deadline(budget + HARD_DEADLINE_GRACE):
                        exec(compile(graded.hidden, f"<hidden test {graded.grade_id}>", "exec"), ns)  # noqa: S102
                    if runner.fault is not None:
                        status, message = runner.fault.status, runner.fault.message
                    elif checks.results:
                        points, status, message = checks.outcome(graded.points)
                except BaseException as exc:  # noqa: BLE001 - every failure becomes a status
                    status, message, detail = _classify(exc, runner)
                    if isinstance(exc, HardDeadline):
                        runner.abandon()  # the channel may be mid-frame: a fresh kernel next
                runner.fault = None
            if points is None:
                points = graded.points if status == "passed" else 0.0
            entry = {"grade_id": graded.grade_id, "points": points,
                     "max_points": graded.points, "status": status, "message": message[:MESSAGE_CHARS],
                     "seconds": round(time.monotonic() - start, 3)}
            if detail:
                entry["detail"] = detail
            if status == "error" and detail:  # the hidden test itself raised
                entry["hidden_test_error"] = True
            if checks is not None and checks.results:
                entry["checks"] = [r.as_json() for r in checks.results]
            tests.append(entry)
    except SandboxSetupError as exc:
        result.update(status="grader_error", message=f"the sandbox could not start: {exc}")
        all_tests("not_run", "grader error")
    except SandboxFault as fault:  # the kernel kept dying
        done = {t["grade_id"] for t in tests}
        for graded in assignment.graded:
            if graded.grade_id not in done:
                tests.append({"grade_id": graded.grade_id, "points": 0.0, "max_points": graded.points,
                              "status": fault.status, "message": fault.message, "seconds": 0.0})
    finally:
        runner.close()
    result["cells"] = [{"label": o.label, "status": o.status, "message": o.message, "seconds": round(o.seconds, 3)}
                       for o in runner.outcomes]
    result["score"] = round(sum(t["points"] for t in tests), 6)
    result["restarts"] = max(runner.restarts, 0)
    result["output_excerpt"] = runner.output[-2000:]
    result["output_bytes"] = len(runner.output) + runner.output_dropped
    result["seconds"] = round(time.monotonic() - t0, 3)
    if result["status"] == "graded":
        failed = [t for t in tests if t["status"] != "passed"]
        result["message"] = "all tests passed" if not failed else \
            f"{len(failed)} of {len(tests)} tests did not pass: " + ", ".join(f"{t['grade_id']} ({t['status']})" for t in failed)
    return result


# -- batches ----------------------------------------------------------------------------

def safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", text).strip(".") or "student"
    return cleaned[:100]


def find_submissions(assignment: str, submitted: Path) -> list[tuple[str, Path]]:
    """nbgrader's ``<dir>/<student>/<assignment>/<assignment>.ipynb`` layout, or files."""
    if submitted.is_file():
        return [(safe_id(submitted.stem), submitted)]
    found: list[tuple[str, Path]] = []
    for entry in sorted(submitted.iterdir()):
        if entry.suffix == ".ipynb" and (entry.is_file() or entry.is_symlink()):
            found.append((safe_id(entry.stem), entry))  # a link is refused when graded
        elif entry.is_symlink() or (entry / assignment).is_symlink():
            found.append((safe_id(entry.name), entry if entry.is_symlink() else entry / assignment))
        elif entry.is_dir():
            folder = entry / assignment
            preferred = folder / f"{assignment}.ipynb"
            others = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
            found.append((safe_id(entry.name), preferred if preferred.exists() or not others else others[0]))
    return found


_uid = 61000


def _init_worker(slots, jobs: int) -> None:
    """A grading process: its own sandbox uid, one thread per job for numeric libraries."""
    global _uid
    threads = str(max(1, (os.cpu_count() or 1) // max(jobs, 1)))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    import warnings

    warnings.simplefilter("ignore")  # hidden tests' own warnings (torch's) are not news
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _uid = slots.get()
    os.environ.setdefault("MPLBACKEND", "Agg")
    limit_worker_memory(WORKER_MEMORY_MB)


def limit_worker_memory(megabytes: int) -> None:
    """Bound this grading process's heap, so that one hostile reply costs one submission."""
    import resource

    cap = megabytes * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _grade_task(source: str, path: str, student_id: str, hide: list[str], overrides: dict) -> dict:
    try:
        return grade_submission(Path(source), Path(path), student_id, uid=_uid, hide=hide, overrides=overrides)
    except Exception as exc:  # noqa: BLE001 - one student's grader error must not stop the batch
        return {"student_id": student_id, "status": "grader_error", "file": path,
                "message": f"{type(exc).__name__}: {exc}", "detail": traceback.format_exc()[-4000:],
                "score": 0.0, "tests": [], "sha256": ""}


def _atomic_write(path: Path, text: str) -> None:
    """Write whole or not at all, readable by the grading user alone (scores, student code)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def write_reports(out: Path, assignment: Assignment, students: list[str]) -> None:
    """Rebuild the aggregate files from ``students/*.json`` (the only source of truth)."""
    from autograder.feedback import feedback_html

    results = []
    for sid in students:
        path = out / "students" / f"{sid}.json"
        if path.exists():
            results.append(json.loads(path.read_text()))
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student_id", "assignment", "score", "max_score", "status", "message"])
    for r in results:
        writer.writerow([r["student_id"], assignment.name, f"{r.get('score', 0):g}",
                         f"{assignment.max_score:g}", r["status"], r.get("message", "").replace("\n", " ")[:300]])
    _atomic_write(out / "grades.csv", buf.getvalue())
    doc = {"assignment": assignment.name, "grader_version": GRADER_VERSION, "isolation": isolation_mode(),
           "isolation_detail": isolation_detail(), "max_score": assignment.max_score, "students": results}
    _atomic_write(out / "results.json", json.dumps(doc, indent=1, sort_keys=True))
    _private_dir(out / "feedback")
    for r in results:
        _atomic_write(out / "feedback" / f"{r['student_id']}.html", feedback_html(r, assignment))


def grade_all(assignment_name: str, submitted: Path, out: Path, jobs: int = 1, force: bool = False,
              course: Path = COURSE_DIR, log=print, overrides: dict | None = None) -> int:
    source = source_notebook(assignment_name, course)
    if not source.exists():
        log(f"autograder: no source notebook {source}", file=sys.stderr)
        return 2
    try:
        assignment = load_assignment(source)
        problem = points_problem({g.grade_id: g.points for g in assignment.graded})
        if problem:
            raise ConfigError(f"{source.name}: {problem}")
    except ConfigError as exc:
        log(f"autograder: {exc}", file=sys.stderr)
        return 2
    submissions = find_submissions(assignment_name, submitted)
    _private_dir(out)
    _private_dir(out / "students")
    ids = [sid for sid, _ in submissions]
    seen: set[str] = set()
    for i, sid in enumerate(ids):  # duplicate ids (a.ipynb next to a/) get a suffix
        if sid in seen:
            ids[i] = f"{sid}-{i}"
        seen.add(ids[i])
    limits = dataclasses.asdict(dataclasses.replace(assignment.limits, **(overrides or {})))
    todo = []
    for sid, (_, path) in zip(ids, submissions, strict=True):
        stored = out / "students" / f"{sid}.json"
        if not force and stored.exists():
            try:
                old = json.loads(stored.read_text())
                if (old.get("sha256") == file_digest(path) and old.get("source") == assignment.fingerprint()
                        and old.get("limits") == limits
                        and old.get("grader_version") == GRADER_VERSION and old.get("status") != "grader_error"):
                    continue
            except (OSError, ValueError):
                pass
        todo.append((sid, path))
    hide = [str(out.resolve()), str(submitted.resolve() if submitted.is_dir() else submitted.resolve().parent),
            str(source.parent.resolve())]
    log(f"autograder: {len(submissions)} submissions, {len(submissions) - len(todo)} already graded, "
        f"grading {len(todo)} with {jobs} job(s), isolation: {isolation_mode()}")
    interrupted = False

    def on_term(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    ctx = multiprocessing.get_context("fork")

    def new_pool() -> ProcessPoolExecutor:
        slots = ctx.Queue()
        first_uid = uid_base()
        for slot in range(max(jobs, 1)):
            slots.put(first_uid + slot)
        return ProcessPoolExecutor(max_workers=max(jobs, 1), mp_context=ctx, initializer=_init_worker,
                                   initargs=(slots, jobs))

    def record(sid: str, result: dict) -> None:
        result["student_id"] = sid
        _atomic_write(out / "students" / f"{sid}.json", json.dumps(result, indent=1, sort_keys=True))
        log(f"  {sid}: {result.get('score', 0):g}/{assignment.max_score:g} {result['status']} "
            f"({result.get('seconds', 0):.1f} s)")

    pool = new_pool()
    try:
        pending: dict[Future, tuple[str, Path]] = {}
        queue = list(todo)
        suspects: set[str] = set()  # in flight when a grading process died: graded alone next
        while queue or pending:
            room = 1 if suspects else max(jobs, 1) * 2
            while queue and len(pending) < room:
                sid, path = queue.pop(0)
                pending[pool.submit(_grade_task, str(source), str(path), sid, hide, overrides or {})] = (sid, path)
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                sid, path = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken.append((sid, path))
                    continue
                suspects.discard(sid)
                record(sid, result)
            if broken:  # a grading process died (e.g. killed from outside): never the whole run
                broken += list(pending.values())
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                for sid, path in broken:
                    if sid in suspects and len(broken) == 1:
                        record(sid, {"status": "grader_error", "file": str(path), "score": 0.0, "tests": [],
                                     "sha256": "", "message": "grading this submission killed the grading "
                                     "process; it is graded again by the next run"})
                        suspects.discard(sid)
                    else:
                        suspects.add(sid)
                        queue.insert(0, (sid, path))
    except KeyboardInterrupt:
        interrupted = True
        log("autograder: interrupted; finished results are kept, run the same command again to continue",
            file=sys.stderr)
        for proc in list(getattr(pool, "_processes", {}).values()):
            try:
                proc.kill()
            except Exception:  # noqa: BLE001
                pass
        pool.shutdown(wait=False, cancel_futures=True)
    else:
        pool.shutdown(wait=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    write_reports(out, assignment, ids)
    if interrupted:
        return 130
    log(f"autograder: wrote {out / 'grades.csv'}, {out / 'results.json'} and {out / 'feedback'}/")
    return 0
