"""The course library students import (`convnets`) solves no part of any exercise.

Every public callable of `convnets` whose signature fits a task function (it accepts the
task's required arguments by position and its optional ones by keyword) is offered, as a
`from convnets... import ... as <task>` alias, as the answer to that task; the graded cells
that test only aliased functions must then earn nothing. A callable that computes what a
task asks for (as `convnets.train.accuracy` did for `transfer` task 4) makes this fail.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

import convnets
from autograder.batch import grade_all
from autograder.check import make_submission
from autograder.config import COURSE_DIR, Course
from autograder.notebook import load_assignment


def library_callables() -> dict[str, Callable]:
    """``{"convnets.module.name": callable}`` for every public function and class defined
    in a module of `convnets`."""
    found: dict[str, Callable] = {}
    modules = [convnets] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(convnets.__path__, "convnets.")
    ]
    for module in modules:
        for name, obj in vars(module).items():
            if (
                not name.startswith("_")
                and callable(obj)
                and getattr(obj, "__module__", None) == module.__name__
            ):
                found[f"{module.__name__}.{name}"] = obj
    return found


def task_signatures(source: Path) -> dict[str, tuple[int, list[str]]]:
    """``{function: (number of required arguments, names of optional ones)}`` for every
    top-level function of the source notebook's solution cells."""
    assignment = load_assignment(source)
    out: dict[str, tuple[int, list[str]]] = {}
    for cell in assignment.cells:
        if cell.kind != "solution":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef) and node.name in assignment.functions:
                args = node.args.posonlyargs + node.args.args
                n_required = len(args) - len(node.args.defaults)
                optional = [a.arg for a in args[n_required:]] + [
                    a.arg for a in node.args.kwonlyargs
                ]
                out[node.name] = (n_required, optional)
    return out


def fits(candidate: Callable, n_required: int, optional: list[str]) -> bool:
    """Whether ``candidate`` can be called the way a task function is called."""
    try:
        signature = inspect.signature(candidate)
    except (TypeError, ValueError):
        return False
    try:
        signature.bind(*range(n_required), **dict.fromkeys(optional))
    except TypeError:
        return False
    return True


def candidates(source: Path) -> dict[str, list[str]]:
    """``{task function: [library callables that fit it]}``, tasks without one left out."""
    library = library_callables()
    out = {}
    for task, (n_required, optional) in task_signatures(source).items():
        fitting = [name for name, fn in library.items() if fits(fn, n_required, optional)]
        if fitting:
            out[task] = sorted(fitting)
    return out


def alias_rounds(source: Path) -> list[dict[str, str]]:
    """Submissions to grade: round i aliases each task to its i-th fitting callable."""
    found = candidates(source)
    depth = max((len(v) for v in found.values()), default=0)
    return [
        {task: names[i] for task, names in found.items() if i < len(names)} for i in range(depth)
    ]


def aliased_variant(source: Path, aliases: dict[str, str]) -> dict:
    """A variant whose solution cells define each aliased task as its library callable and
    every other function as a stub that raises (so the cells nobody asks about fail fast)."""
    assignment = load_assignment(source)
    cells: dict[str, list[str]] = {}
    for function, gid in assignment.functions.items():
        if function in aliases:
            module, name = aliases[function].rsplit(".", 1)
            line = f"from {module} import {name} as {function}"
        else:
            line = f"def {function}(*args, **kwargs):\n    raise NotImplementedError"
        cells.setdefault(gid, []).append(line)
    return {"CELLS": {gid: "\n\n\n".join(lines) + "\n" for gid, lines in cells.items()}}


def calls(hidden: str, functions: list[str]) -> set[str]:
    return {f for f in functions if re.search(rf"(?<![\w.]){re.escape(f)}\s*\(", hidden)}


def test_fits_matches_what_a_task_call_needs() -> None:
    def accuracy(model, split, batch_size=256):  # noqa: ARG001 - the old convnets.train.accuracy
        return 0.0

    def conv2d(x, w, b=None, stride=1, padding=0):  # noqa: ARG001
        return x

    assert fits(accuracy, 2, [])
    assert not fits(accuracy, 4, [])
    assert not fits(accuracy, 2, ["epochs"])
    assert fits(conv2d, 2, ["b", "stride", "padding"])
    assert not fits(conv2d, 1, [])


def test_every_public_callable_and_task_is_seen() -> None:
    library = library_callables()
    assert "convnets.train.fit" in library and "convnets.train.confusion_matrix" in library
    tasks = task_signatures(Course().source("transfer"))
    assert tasks["accuracy"] == (2, []) and tasks["train_head"] == (
        2,
        ["epochs", "lr", "batch_size", "seed"],
    )


@pytest.mark.slow
@pytest.mark.parametrize("assignment", Course().assignments())
def test_library_aliases_earn_nothing(assignment: str) -> None:
    source = Course().source(assignment)
    rounds = alias_rounds(source)
    if not rounds:
        pytest.skip(f"no convnets callable fits a task function of {assignment}")
    graded = load_assignment(source).graded
    tasks = list(task_signatures(source))
    entries = {
        f"aliases-{i}": make_submission(source, aliased_variant(source, aliases))
        for i, aliases in enumerate(rounds)
    }
    with tempfile.TemporaryDirectory(prefix=f"library-aliases-{assignment}-") as tmp:
        for sid, text in entries.items():
            folder = Path(tmp) / "submitted" / sid / assignment
            folder.mkdir(parents=True)
            (folder / f"{assignment}.ipynb").write_text(text)
        out = Path(tmp) / "graded"
        rc = grade_all(
            assignment,
            Path(tmp) / "submitted",
            out,
            jobs=2,
            course=COURSE_DIR,
            log=lambda *a, **k: None,
        )
        assert rc == 0, f"grading {assignment} failed to run (exit {rc})"
        doc = json.loads((out / "results.json").read_text())
    results = {s["student_id"]: s for s in doc["students"]}
    earned = []
    for i, aliases in enumerate(rounds):
        points = {t["grade_id"]: t["points"] for t in results[f"aliases-{i}"]["tests"]}
        for cell in graded:
            used = calls(cell.hidden, tasks)
            if used and used <= set(aliases) and points.get(cell.grade_id, 0) > 0:
                earned.append(
                    f"{cell.grade_id} earned {points[cell.grade_id]:g} with "
                    + ", ".join(f"{t} = {aliases[t]}" for t in sorted(used))
                )
    assert not earned, "the library answers a task: " + "; ".join(earned)
