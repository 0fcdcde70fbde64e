"""Typed results: what grading one submission produces, and the one writer of results.json.

The JSON keys are those ``results.json`` and ``students/<id>.json`` have always had (keys
are only ever added); ``results.schema.json`` next to this file is their versioned schema
and a test validates real output against it.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any

#: Version of results.schema.json; raise it when a key changes meaning or goes away.
SCHEMA_VERSION = 1
SCHEMA_FILE = Path(__file__).with_name("results.schema.json")


class Status(StrEnum):
    """Every status a submission, a graded cell or a check can have (the JSON value)."""

    # a submission
    GRADED = "graded"
    INVALID_NOTEBOOK = "invalid_notebook"
    WRONG_ASSIGNMENT = "wrong_assignment"
    GRADER_ERROR = "grader_error"
    # a graded cell (a task) or one check of it
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    OUT_OF_MEMORY = "out_of_memory"
    CRASHED = "crashed"
    EXITED = "exited"
    FORBIDDEN = "forbidden"
    PROTOCOL = "protocol"
    MISSING = "missing"
    NOT_RUN = "not_run"
    # a code cell of the submission
    OK = "ok"
    SKIPPED = "skipped"
    # a written answer (graded by a person; ``graded`` once they have)
    NEEDS_MANUAL_GRADING = "needs_manual_grading"


SUBMISSION_STATUSES = (
    Status.GRADED,
    Status.INVALID_NOTEBOOK,
    Status.WRONG_ASSIGNMENT,
    Status.GRADER_ERROR,
)
TEST_STATUSES = (
    Status.PASSED,
    Status.FAILED,
    Status.ERROR,
    Status.TIMEOUT,
    Status.OUT_OF_MEMORY,
    Status.CRASHED,
    Status.EXITED,
    Status.FORBIDDEN,
    Status.PROTOCOL,
    Status.MISSING,
    Status.NOT_RUN,
)
CELL_STATUSES = (
    Status.OK,
    Status.ERROR,
    Status.TIMEOUT,
    Status.OUT_OF_MEMORY,
    Status.CRASHED,
    Status.EXITED,
    Status.SKIPPED,
)
WRITTEN_STATUSES = (Status.NEEDS_MANUAL_GRADING, Status.GRADED, Status.NOT_RUN)
#: What grades.csv, reports and feedback say in place of a number a person has yet to give.
PENDING = "needs manual grading"


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


@dataclass
class TestResult:
    """One graded cell (a task) of one submission."""

    grade_id: str
    max_points: float
    status: Status = Status.NOT_RUN
    points: float = 0.0
    message: str = ""
    seconds: float = 0.0
    detail: str = ""  # instructors only: the grader's own traceback
    hidden_test_error: bool = False  # the hidden part itself raised (not the student's code)
    checks: list[dict] = field(default_factory=list)  # partial credit, see checks.py

    def as_json(self) -> dict:
        out = {
            "grade_id": self.grade_id,
            "points": self.points,
            "max_points": self.max_points,
            "status": self.status.value,
            "message": self.message,
            "seconds": self.seconds,
        }
        if self.detail:
            out["detail"] = self.detail
        if self.hidden_test_error:
            out["hidden_test_error"] = True
        if self.checks:
            out["checks"] = _plain(self.checks)
        return out


@dataclass
class WrittenResult:
    """One written answer of one submission: the student's text, for a person to grade.

    ``points`` is ``None`` until an instructor grades it in the Formgrader (then ``status``
    is ``graded`` and ``comment`` holds their comment); never a silent 0."""

    grade_id: str
    max_points: float
    answer: str
    status: Status = Status.NEEDS_MANUAL_GRADING
    points: float | None = None
    comment: str = ""

    def as_json(self) -> dict:
        return {
            "grade_id": self.grade_id,
            "max_points": self.max_points,
            "answer": self.answer,
            "status": self.status.value,
            "points": self.points,
            "comment": self.comment,
        }


@dataclass
class CellResult:
    """One code cell of the submission as its kernel ran it."""

    label: str
    status: Status
    message: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "status": self.status.value,
            "message": self.message,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class SubmissionResult:
    """Everything grading one submission found; ``as_json`` is ``students/<id>.json``."""

    student_id: str
    assignment: str
    file: str
    sha256: str
    source: str
    grader_version: str
    max_score: float
    isolation: str
    limits: dict
    status: Status = Status.GRADED
    message: str = ""
    tests: list[TestResult] = field(default_factory=list)
    cells: list[CellResult] = field(default_factory=list)
    student_code: list[tuple[str, str]] | None = (
        None  # (label, source) of the cells the student wrote
    )
    restarts: int = 0
    output_excerpt: str = ""
    output_bytes: int = 0
    seconds: float = 0.0
    written: list[WrittenResult] = field(default_factory=list)

    @property
    def score(self) -> float:
        return round(sum(t.points for t in self.tests), 6)

    def as_json(self) -> dict:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out.update(
            status=self.status.value,
            score=self.score,
            tests=[t.as_json() for t in self.tests],
            cells=[c.as_json() for c in self.cells],
            written=[w.as_json() for w in self.written],
            seconds=round(self.seconds, 3),
        )
        if self.student_code is None:
            del out["student_code"]
        return with_totals(out)


def with_totals(student: dict) -> dict:
    """``student`` with ``manual_score`` and ``total`` set from its written answers: the
    total is the tests' points (a score a person typed over one in the Formgrader,
    ``manual_points``, in place of the grader's) plus the written answers'; ``None`` while
    any written answer is not graded by a person, never a silent 0."""
    written = student.get("written") or []
    pending = [w for w in written if w.get("points") is None]
    manual = None if pending else round(sum(float(w["points"]) for w in written), 6)
    tests = sum(
        float(t["manual_points"]) - float(t.get("points", 0))
        for t in student.get("tests") or []
        if t.get("manual_points") is not None
    )
    student["manual_score"] = manual
    student["total"] = (
        None if manual is None else round(float(student.get("score", 0)) + tests + manual, 6)
    )
    return student


def pending_written(student: dict) -> list[str]:
    """The written answers of ``student`` no person has graded yet."""
    return [w["grade_id"] for w in student.get("written") or [] if w.get("points") is None]


def shown(value: float | None) -> str:
    """A score as grades.csv and the pages write it: the number, or :data:`PENDING`."""
    return PENDING if value is None else f"{value:g}"


def grader_error(student_id: str, file: str, message: str, detail: str = "") -> dict:
    """``students/<id>.json`` of a submission the grader could not grade (the grader's fault)."""
    out = {
        "student_id": student_id,
        "status": Status.GRADER_ERROR.value,
        "file": file,
        "message": message,
        "score": 0.0,
        "tests": [],
        "sha256": "",
    }
    if detail:
        out["detail"] = detail
    return out


def results_document(
    assignment: str,
    grader_version: str,
    isolation: str,
    isolation_detail: str,
    max_score: float,
    students: list[dict],
    total_max_score: float | None = None,
) -> dict:
    """The whole run's ``results.json`` (``max_score``: the grader's points; with written
    answers, ``total_max_score`` adds theirs)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "assignment": assignment,
        "grader_version": grader_version,
        "isolation": isolation,
        "isolation_detail": isolation_detail,
        "max_score": max_score,
        "total_max_score": max_score if total_max_score is None else total_max_score,
        "students": students,
    }


def dumps(doc: dict) -> str:
    """The one way results are written: sorted keys, one space of indentation."""
    return json.dumps(_plain(doc), indent=1, sort_keys=True)


def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())
