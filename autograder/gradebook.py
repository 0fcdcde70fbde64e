"""``autograder gradebook <assignment> <course_dir> --grading DIR``: our scores in nbgrader's.

For each graded student in ``<grading>/results.json`` it records, with nbgrader's own
``Gradebook`` API, a submission of the assignment and each graded cell's automatic score
(``Grade.auto_score`` = the points our grader gave that test cell), and puts the student's
notebook in nbgrader's ``autograded/<student>/<assignment>/`` layout (the collected
notebook: the student's own cells and nbgrader's cell metadata, never hidden test source),
so that the Formgrader lists every submission with its scores and ``nbgrader export`` gives
the totals of ``grades.csv``. The assignment's cells must be in the gradebook already:
``nbgrader generate_assignment <assignment>`` (the release step) puts them there.

Late work: the due date is nbgrader's own, in the gradebook (``nbgrader db assignment add
<assignment> --duedate "2026-12-01 17:00 UTC"`` or the Formgrader's *Edit*), extensions
included; each submission's time is its ``timestamp.txt``. ``--late`` is the policy:
``none`` (default), ``per-day:P`` (P % of the maximum per started day late) or
``zero-after:H`` (no penalty for H hours, then the whole score). The penalty is nbgrader's
``late_submission_penalty`` (the Formgrader and ``nbgrader export`` subtract it), and
``<grading>/late.csv`` lists lateness and penalty per student.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
from pathlib import Path

from nbgrader.utils import parse_utc

from autograder.lms import _gradebook


def late_penalty(policy: str, seconds_late: float, score: float, max_score: float) -> float:
    """Points taken off a score for a submission `seconds_late` after the due date."""
    kind, _, value = policy.partition(":")
    if kind == "none":
        return 0.0
    if kind == "per-day":
        days = math.ceil(seconds_late / 86400) if seconds_late > 0 else 0
        return min(score, max_score * float(value) / 100 * days)
    if kind == "zero-after":
        return score if seconds_late > float(value) * 3600 else 0.0
    raise ValueError(f"late policy {policy!r}: none, per-day:<percent> or zero-after:<hours>")


def record(
    assignment: str,
    course_dir: Path,
    grading: Path,
    course_id: str = "convnets",
    late: str = "none",
) -> int:
    late_penalty(late, 0, 0, 0)  # a wrong policy fails before anything is written
    doc = json.loads((grading / "results.json").read_text())
    if doc.get("assignment") != assignment:
        print(
            f"autograder gradebook: {grading}/results.json is not {assignment}'s", file=sys.stderr
        )
        return 2
    owner = os.stat(course_dir)
    done, lateness = [], []
    with _gradebook(course_dir, course_id) as gb:
        try:
            known = {
                c.name for nb in gb.find_assignment(assignment).notebooks for c in nb.grade_cells
            }
        except Exception:  # noqa: BLE001 (nbgrader's MissingEntry)
            print(
                f"autograder gradebook: {assignment} is not in {course_dir}/gradebook.db: run "
                f"`nbgrader generate_assignment {assignment}` first",
                file=sys.stderr,
            )
            return 2
        for result in doc["students"]:
            sid = result["student_id"]
            submitted = course_dir / "submitted" / sid / assignment
            notebook = submitted / f"{assignment}.ipynb"
            if not notebook.is_file() or notebook.is_symlink():
                print(f"NOT IN GRADEBOOK {sid}: no {notebook}", file=sys.stderr)
                continue
            target = course_dir / "autograded" / sid / assignment
            target.mkdir(parents=True, exist_ok=True)
            for name in (f"{assignment}.ipynb", "timestamp.txt"):
                if (submitted / name).is_file():
                    shutil.copyfile(submitted / name, target / name)
            try:
                gb.find_student(sid)
            except Exception:  # noqa: BLE001 (nbgrader raises MissingEntry)
                gb.add_student(sid)
            stamp = submitted / "timestamp.txt"
            when = parse_utc(stamp.read_text().strip()) if stamp.is_file() else None
            submission = gb.update_or_create_submission(assignment, sid, timestamp=when)
            points = {t["grade_id"]: float(t["points"]) for t in result.get("tests", [])}
            for grade_id in known:
                grade = gb.find_grade(grade_id, assignment, assignment, sid)
                grade.auto_score = points.get(grade_id, 0.0)
                grade.needs_manual_grade = False
            gb.db.commit()
            seconds = float(submission.total_seconds_late)
            penalty = late_penalty(
                late, seconds, float(submission.score), float(submission.max_score)
            )
            gb.find_submission_notebook(
                assignment, assignment, sid
            ).late_submission_penalty = penalty
            gb.db.commit()
            lateness.append((sid, seconds, penalty, float(submission.score) - penalty))
            for path in (course_dir / "autograded", target.parent, target, *target.iterdir()):
                os.chown(path, owner.st_uid, owner.st_gid)
            done.append(sid)
    (grading / "late.csv").write_text(
        "student_id,seconds_late,late_penalty,total\n"
        + "".join(f"{sid},{sec:.0f},{pen:g},{tot:g}\n" for sid, sec, pen, tot in lateness)
    )
    database = course_dir / "gradebook.db"
    os.chown(database, owner.st_uid, owner.st_gid)
    print(f"gradebook: {len(done)} submission(s) of {assignment} recorded in {database}")
    return 0
