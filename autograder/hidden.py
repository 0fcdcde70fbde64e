"""What a hidden part runs with, built once per grading process: the setup cells' names,
the hidden solution, imports warmed up before any clock runs; and how a hidden part's
exception becomes a status and a message.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import sys
import traceback
from pathlib import Path
from typing import Any

from autograder import harness, helpers
from autograder.faults import SandboxFault
from autograder.notebook import (
    Assignment,
)
from autograder.runner import HardDeadline, Runner


def student_seed(assignment: str, student_id: str) -> int:
    """The seed of one student's hidden inputs: different per student and assignment (so
    feedback collected over the years is no lookup table), the same at every regrade."""
    return int.from_bytes(hashlib.sha256(f"{assignment}/{student_id}".encode()).digest()[:4], "big")


def seed_grader(seed: int) -> None:
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def build_solution(assignment: Assignment) -> dict:
    ns: dict[str, Any] = {"__name__": "__solution__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in assignment.cells:
            if cell.kind in ("locked", "solution"):
                exec(compile(cell.source, f"<solution {cell.grade_id}>", "exec"), ns)  # noqa: S102 - trusted
    return ns


_solutions: dict[Path, harness.LazySolution] = {}
_setups: dict[Path, dict] = {}


def setup_names(assignment: Assignment) -> dict:
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


def warm_up(assignment: Assignment) -> None:
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
    setup_names(assignment)
    for name in list(assignment.functions)[:1]:
        getattr(solution_for(assignment), name, None)


def fresh_copies(names: dict) -> dict:
    """Copies, so that one hidden part cannot change what the next one (or student) sees."""
    import copy
    import types as _types

    out = {}
    for key, value in names.items():
        if isinstance(
            value, (_types.ModuleType, type, _types.FunctionType, _types.BuiltinFunctionType)
        ):
            out[key] = value
            continue
        try:
            out[key] = copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - not copyable: share it
            out[key] = value
    return out


def solution_for(assignment: Assignment) -> harness.LazySolution:
    if assignment.path not in _solutions:
        _solutions[assignment.path] = harness.LazySolution(lambda: build_solution(assignment))
    return _solutions[assignment.path]


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def classify(exc: BaseException, runner: Runner) -> tuple[str, str, str]:
    """(status, student-facing message, instructor-only detail) for a hidden part's exception."""
    exc = _leaf(exc)
    if runner.fault is not None:
        return runner.fault.status, runner.fault.message, ""
    if isinstance(exc, SandboxFault):
        return exc.status, exc.message, ""
    if isinstance(exc, HardDeadline):
        return (
            "timeout",
            f"this task did not finish within the test's time limit "
            f"({runner.current_budget:.0f} s): an infinite loop, or far too slow",
            "",
        )
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
    return (
        "error",
        f"the hidden test could not check your result ({type(exc).__name__}: {str(exc)[:300]}); "
        "does your function return what the task asks for?",
        detail,
    )
