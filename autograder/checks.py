"""Partial credit inside one graded cell: weighted checks with their own messages.

A hidden part may split its cell's points over named checks::

    with check("the lecture's example", 4):
        check_array(conv2d(x, w), expected, "conv2d(lecture image)")
    with check("random shapes", 6):
        check_conv2d()

A check that fails (a hidden assertion, an exception the student's code raised, a result
the hidden test cannot use) costs its own points and the hidden part goes on with the
next one; a fault of the kernel (timeout, crash, memory), a missing function or the
grader's alarm still ends the whole cell with 0. The cell's points are the sum of the
passed checks' points; the checks' weights must sum to the cell's nbgrader ``points``
(``autograder check`` says where they do not). ``results.json`` lists every check.
"""

from __future__ import annotations

import ast
import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from autograder.notebook import Assignment


@dataclass
class CheckResult:
    name: str
    max_points: float
    status: str  # "passed" or the status of the failure (failed, error)
    message: str = ""

    @property
    def points(self) -> float:
        return self.max_points if self.status == "passed" else 0.0

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status,
            "message": self.message,
        }


class Checks:
    """The ``check`` of one hidden part; ``classify`` turns an exception into
    (status, message, detail) as for a whole cell."""

    def __init__(self, classify: Callable[[BaseException], tuple[str, str, str]]) -> None:
        self.results: list[CheckResult] = []
        self._classify = classify

    @contextlib.contextmanager
    def __call__(self, name: str, points: float) -> Iterator[None]:
        try:
            yield
        except Exception as exc:  # noqa: BLE001 - BaseExceptions (faults, alarm) end the cell
            status, message, _ = self._classify(exc)
            self.results.append(CheckResult(name, float(points), status, message))
        else:
            self.results.append(CheckResult(name, float(points), "passed"))

    def outcome(self, cell_points: float) -> tuple[float, str, str]:
        """(points, status, message) of a cell whose hidden part ran to its end."""
        points = min(sum(r.points for r in self.results), cell_points)
        failed = [r for r in self.results if r.status != "passed"]
        if not failed:
            return points, "passed", ""
        return (
            points,
            failed[0].status,
            "\n".join(f"{r.name} (-{r.max_points:g}): {r.message}" for r in failed),
        )


def declared_checks(hidden: str) -> list[tuple[str, float | None]]:
    """The ``check(name, points)`` calls a hidden part makes (points None when not a number)."""
    try:
        tree = ast.parse(hidden)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "check"
        ):
            args = list(node.args) + [k.value for k in node.keywords]
            name = args[0].value if args and isinstance(args[0], ast.Constant) else "?"
            points = args[1].value if len(args) > 1 and isinstance(args[1], ast.Constant) else None
            found.append((str(name), points if isinstance(points, (int, float)) else None))
    return found


def weight_problems(assignment: Assignment) -> list[str]:
    """Cells whose checks' weights do not sum to the cell's points, or are not numbers."""
    problems = []
    for graded in assignment.graded:
        declared = declared_checks(graded.hidden)
        if not declared:
            continue
        if any(points is None for _, points in declared):
            problems.append(
                f"{graded.grade_id}: every check(name, points) needs a number as points"
            )
            continue
        total = sum(points or 0.0 for _, points in declared)
        if abs(total - graded.points) > 1e-9:
            problems.append(
                f"{graded.grade_id}: its checks' points sum to {total:g}, the cell's "
                f"nbgrader points are {graded.points:g}"
            )
        names = [name for name, _ in declared]
        if len(set(names)) != len(names):
            problems.append(f"{graded.grade_id}: two checks have the same name")
    return problems
