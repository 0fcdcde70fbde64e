"""One submission: ``grade_submission`` grades a file against the hidden tests.

The kernel (``runner.py``), the hidden parts' namespace (``hidden.py``), partial credit
(``checks.py``) and batches (``batch.py``, ``grade_all``) live in their own modules.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import time
from pathlib import Path
from typing import Any

from autograder import harness, helpers
from autograder.checks import Checks
from autograder.config import COURSE_DIR, Course
from autograder.faults import SandboxFault, SandboxSetupError
from autograder.hidden import (
    classify,
    fresh_copies,
    seed_grader,
    setup_names,
    solution_for,
    student_seed,
    warm_up,
)
from autograder.isolation import isolation_mode
from autograder.notebook import BadNotebook, GradedCell, load_assignment, written_answers
from autograder.results import CellResult, Status, SubmissionResult, TestResult, WrittenResult
from autograder.runner import (
    HARD_DEADLINE_GRACE,
    MESSAGE_CHARS,
    HardDeadline,
    Runner,
    hard_deadline,
)
from autograder.static import scan
from autograder.submission import plan_cells, read_submission

GRADER_VERSION = "2"


def source_notebook(assignment: str, course: Path = COURSE_DIR) -> Path:
    return Course(course).source(assignment)


def file_digest(path: Path) -> str:
    """What a stored result is keyed on (a missing file has its own fixed value)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "no-file"


def _refuse_links(submission: Path) -> None:
    """A submission is a regular file of its own: never a link to something else to read."""
    if submission.is_symlink() or not submission.is_file():
        raise BadNotebook(
            "invalid_notebook",
            f"{submission.name} is a link or not a regular file: submit the notebook itself",
        )


def _hidden_part(graded: GradedCell, runner: Runner, solution: Any, seed: int) -> TestResult:
    """Run one graded cell's hidden part against the submission's kernel."""
    assignment, start = runner.assignment, time.monotonic()
    test = TestResult(graded.grade_id, graded.points, Status.PASSED)
    if runner.remaining() > 0 and not runner.alive():
        try:
            runner.restart()
        except SandboxFault as fault:
            test.status, test.message = Status(fault.status), fault.message
    if test.status != Status.PASSED:
        pass
    elif runner.remaining() <= 0:
        test.status = Status.TIMEOUT
        test.message = (
            f"the notebook's total time limit ({assignment.limits.notebook_timeout:.0f} s) ran out"
        )
    else:
        budget = min(assignment.limits.test_timeout, runner.remaining())
        runner.deadline, runner.current_budget, runner.fault = (
            time.monotonic() + budget,
            budget,
            None,
        )
        ns = harness.namespace(
            runner,
            list(assignment.functions),
            solution,
            fresh_copies(setup_names(assignment)),
            seed=seed,
        )
        ns["check"] = checks = Checks(lambda exc: classify(exc, runner))
        helpers.bind(assignment.path, ns)
        seed_grader(seed)
        points = None
        try:
            with (
                contextlib.redirect_stdout(io.StringIO()),
                hard_deadline(budget + HARD_DEADLINE_GRACE),
            ):
                exec(compile(graded.hidden, f"<hidden test {graded.grade_id}>", "exec"), ns)  # noqa: S102
            if runner.fault is not None:
                test.status, test.message = Status(runner.fault.status), runner.fault.message
            elif checks.results:
                points, status, test.message = checks.outcome(graded.points)
                test.status = Status(status)
        except BaseException as exc:  # noqa: BLE001 - every failure becomes a status
            status, test.message, test.detail = classify(exc, runner)
            test.status = Status(status)
            test.hidden_test_error = test.status == Status.ERROR and bool(test.detail)
            if isinstance(exc, HardDeadline):
                runner.abandon()  # the channel may be mid-frame: a fresh kernel next
        runner.fault = None
        test.checks = [r.as_json() for r in checks.results]
        if points is not None:  # the part ran to its end with checks: their sum
            test.points = points
    if test.status == Status.PASSED and not test.checks:
        test.points = graded.points
    test.message = test.message[:MESSAGE_CHARS]
    test.seconds = round(time.monotonic() - start, 3)
    return test


def grade_submission(
    source: Path,
    submission: Path,
    student_id: str,
    uid: int = 61000,
    hide: list[str] | None = None,
    overrides: dict | None = None,
) -> dict:
    """Grade one file; never raises for anything the submission does."""
    t0 = time.monotonic()
    assignment = load_assignment(source)
    if overrides:
        assignment = dataclasses.replace(
            assignment, limits=dataclasses.replace(assignment.limits, **overrides)
        )
    data = submission.read_bytes() if submission.is_file() and not submission.is_symlink() else b""
    result = SubmissionResult(
        student_id,
        assignment.name,
        str(submission),
        file_digest(submission),
        assignment.fingerprint(),
        GRADER_VERSION,
        assignment.max_score,
        isolation_mode(),
        dataclasses.asdict(assignment.limits),
    )

    def all_tests(status: Status, message: str) -> None:
        result.tests = [
            TestResult(g.grade_id, g.points, status, message=message) for g in assignment.graded
        ]

    try:
        if not submission.is_file() and not submission.is_symlink():
            raise BadNotebook("invalid_notebook", f"no notebook found at {submission.name}")
        _refuse_links(submission)
        notebook = read_submission(data)
        plan = plan_cells(assignment, notebook)
    except BadNotebook as bad:
        result.status, result.message = Status(bad.status), bad.message
        all_tests(Status.NOT_RUN, bad.message)
        result.written = [  # nothing a person could grade: 0, and the status says why
            WrittenResult(w.grade_id, w.points, "", Status.NOT_RUN, 0.0, bad.message)
            for w in assignment.written
        ]
        result.seconds = time.monotonic() - t0
        return result.as_json()
    answers = written_answers(assignment, notebook)
    result.written = [  # for a person to grade (the Formgrader), never scored here
        WrittenResult(w.grade_id, w.points, answers[w.grade_id] or "") for w in assignment.written
    ]
    result.student_code = plan.student_code
    tainted = scan(
        [(c.label, c.source) for c in plan.cells if c.origin == "submission"], assignment.forbidden
    )
    warm_up(assignment)
    seed = student_seed(assignment.name, student_id)
    runner = Runner(assignment, plan, assignment.limits, uid, hide or [], tainted=tainted)
    try:
        runner.run_cells()
        solution = solution_for(assignment)
        for graded in assignment.graded:
            result.tests.append(_hidden_part(graded, runner, solution, seed))
    except SandboxSetupError as exc:
        result.status, result.message = Status.GRADER_ERROR, f"the sandbox could not start: {exc}"
        all_tests(Status.NOT_RUN, "grader error")
    except SandboxFault as fault:  # the kernel kept dying
        done = {t.grade_id for t in result.tests}
        result.tests += [
            TestResult(g.grade_id, g.points, Status(fault.status), message=fault.message)
            for g in assignment.graded
            if g.grade_id not in done
        ]
    finally:
        runner.close()
    result.cells = [
        CellResult(o.label, Status(o.status), o.message, o.seconds) for o in runner.outcomes
    ]
    result.restarts = max(runner.restarts, 0)
    result.output_excerpt = runner.output[-2000:]
    result.output_bytes = len(runner.output) + runner.output_dropped
    result.seconds = time.monotonic() - t0
    if result.status == Status.GRADED:
        failed = [t for t in result.tests if t.status != Status.PASSED]
        result.message = (
            "all tests passed"
            if not failed
            else (
                f"{len(failed)} of {len(result.tests)} tests did not pass: "
                + ", ".join(f"{t.grade_id} ({t.status.value})" for t in failed)
            )
        )
    return result.as_json()
