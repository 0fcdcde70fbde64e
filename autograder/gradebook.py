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

Written answers (``written_*`` cells, graded by hand): their grades get no automatic score
and stay ``needs_manual_grade`` (a manual grade already given is kept), and the autograded
notebook carries the student's answer (as ``results.json`` has it), so the Formgrader shows
it with a score box and a comment box. :func:`sync_manual` brings the manual grades and
comments back into ``results.json`` (``autograder feedback`` and ``autograder lms`` run it):
``grades.csv``, the feedback pages and the report then have automatic + manual totals, and
the late penalty is computed again on that total.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import sys
from pathlib import Path

from nbgrader.utils import parse_utc

from autograder import results
from autograder.lms import open_gradebook

LATE_HEADER = "student_id,seconds_late,late_penalty,total,policy\n"


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


def _written_cells(assignment: str, course_dir: Path) -> dict[str, dict]:
    """The released notebook's written answer cells by grade_id (their nbgrader metadata)."""
    released = course_dir / "release" / assignment / f"{assignment}.ipynb"
    if not released.is_file():
        return {}
    cells = json.loads(released.read_text()).get("cells", [])
    return {
        c["metadata"]["nbgrader"]["grade_id"]: c
        for c in cells
        if c.get("cell_type") == "markdown"
        and str(c.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")).startswith(
            "written_"
        )
    }


def autograded_notebook(submitted: Path, result: dict, assignment: str, course_dir: Path) -> str:
    """The collected notebook for nbgrader's ``autograded/``: the student's own cells, each
    written answer with the text ``results.json`` carries and the released cell's nbgrader
    metadata (so the Formgrader shows a score and a comment box for it), one put back
    where the student deleted it."""
    nb = json.loads(submitted.read_text())
    released = _written_cells(assignment, course_dir)
    for w in result.get("written") or []:
        gid, text = w["grade_id"], w.get("answer") or ""
        cell = next(
            (
                c
                for c in nb.get("cells", [])
                if c.get("cell_type") == "markdown"
                and c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == gid
            ),
            None,
        )
        if cell is None:
            if gid not in released:
                continue
            cell = {**released[gid], "metadata": dict(released[gid]["metadata"])}
            nb.setdefault("cells", []).append(cell)
            text = text or "(no answer: the answer cell is not in the submitted notebook)"
        if gid in released:
            cell["metadata"]["nbgrader"] = dict(released[gid]["metadata"]["nbgrader"])
        cell["source"] = text
    return json.dumps(nb, indent=1)


def _late(gb, assignment: str, sid: str, policy: str) -> tuple[float, float]:
    """(seconds late, penalty) of a recorded submission; the penalty set in the gradebook."""
    submission = gb.find_submission(assignment, sid)
    seconds = float(submission.total_seconds_late)
    penalty = late_penalty(policy, seconds, float(submission.score), float(submission.max_score))
    gb.find_submission_notebook(assignment, assignment, sid).late_submission_penalty = penalty
    gb.db.commit()
    return seconds, penalty


def _late_row(sid: str, seconds: float, penalty: float, student: dict, policy: str) -> str:
    student = results.with_totals(dict(student))
    total = student["total"] if student.get("written") else float(student.get("score", 0))
    after = None if total is None else max(total - penalty, 0.0)
    return f"{sid},{seconds:.0f},{penalty:g},{results.shown(after)},{policy}\n"


def _chown(course_dir: Path) -> None:
    owner = os.stat(course_dir)
    os.chown(course_dir / "gradebook.db", owner.st_uid, owner.st_gid)


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
    with open_gradebook(course_dir, course_id) as gb:
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
            (target / f"{assignment}.ipynb").write_text(
                autograded_notebook(notebook, result, assignment, course_dir)
            )
            if (submitted / "timestamp.txt").is_file():
                shutil.copyfile(submitted / "timestamp.txt", target / "timestamp.txt")
            try:
                gb.find_student(sid)
            except Exception:  # noqa: BLE001 (nbgrader raises MissingEntry)
                gb.add_student(sid)
            stamp = submitted / "timestamp.txt"
            when = parse_utc(stamp.read_text().strip()) if stamp.is_file() else None
            gb.update_or_create_submission(assignment, sid, timestamp=when)
            points = {t["grade_id"]: float(t["points"]) for t in result.get("tests", [])}
            written = {w["grade_id"] for w in result.get("written") or []}
            for grade_id in known:
                grade = gb.find_grade(grade_id, assignment, assignment, sid)
                if grade_id in written or grade_id.startswith("written_"):
                    # a person grades it in the Formgrader; a grade already given stays
                    grade.auto_score = None
                    grade.needs_manual_grade = grade.manual_score is None
                else:
                    grade.auto_score = points.get(grade_id, 0.0)
                    grade.needs_manual_grade = False
            gb.db.commit()
            seconds, penalty = _late(gb, assignment, sid, late)
            lateness.append(_late_row(sid, seconds, penalty, result, late))
            for path in (course_dir / "autograded", target.parent, target, *target.iterdir()):
                os.chown(path, owner.st_uid, owner.st_gid)
            done.append(sid)
    (grading / "late.csv").write_text(LATE_HEADER + "".join(lateness))
    _chown(course_dir)
    print(
        f"gradebook: {len(done)} submission(s) of {assignment} recorded in "
        f"{course_dir / 'gradebook.db'}"
    )
    return 0


def manual_grades(gb, assignment: str, sid: str) -> tuple[dict[str, float | None], dict[str, str]]:
    """What a person saved in the Formgrader for one submission: the manual score of each
    graded cell (``None``: none given) and the comment on each answer cell (``""``)."""
    notebook = gb.find_submission_notebook(assignment, assignment, sid)
    scores = {
        g.name: None if g.manual_score is None else float(g.manual_score) for g in notebook.grades
    }
    return scores, {c.name: c.manual_comment or "" for c in notebook.comments}


def sync_manual(
    assignment: str, course_dir: Path, grading: Path, course_id: str = "convnets"
) -> list[str]:
    """Bring what a person gave in the Formgrader (nbgrader's gradebook) into
    ``results.json``, ``students/*.json``, ``grades.csv`` and the feedback pages: each
    written answer's score and comment, a score typed over a test cell's automatic one
    (``manual_points``: it counts in the total in place of ``points``) and comments on the
    student's code (``comments``); and the late penalty (the policy ``late.csv`` names) up
    to date with the new totals. Returns the students whose written answers still need
    manual grading."""
    from autograder.batch import atomic_write, write_outputs

    if not (grading / "results.json").is_file():
        return []
    doc = json.loads((grading / "results.json").read_text())
    if doc.get("assignment") != assignment:
        return []
    if not (course_dir / "gradebook.db").is_file():  # `autograder gradebook` not run yet
        return [s["student_id"] for s in doc["students"] if results.pending_written(s)]
    late_rows = {}
    if (grading / "late.csv").is_file():
        with open(grading / "late.csv", newline="") as fh:
            late_rows = {r["student_id"]: r for r in csv.DictReader(fh)}
    pending, lateness = [], []
    with open_gradebook(course_dir, course_id) as gb:
        for student in doc["students"]:
            sid, written = student["student_id"], student.get("written") or []
            try:
                scores, comments = manual_grades(gb, assignment, sid)
            except Exception:  # noqa: BLE001 (nbgrader's MissingEntry: not recorded)
                scores, comments = {}, {}
            for w in written:
                if w["status"] == results.Status.NOT_RUN or w["grade_id"] not in scores:
                    continue
                points = scores[w["grade_id"]]
                w["points"], w["comment"] = points, comments.get(w["grade_id"], "")
                w["status"] = (
                    results.Status.NEEDS_MANUAL_GRADING if points is None else results.Status.GRADED
                ).value
            for test in student.get("tests") or []:
                test.pop("manual_points", None)
                if scores.get(test["grade_id"]) is not None:
                    test["manual_points"] = scores[test["grade_id"]]
            answered = {w["grade_id"] for w in written}
            student.pop("comments", None)
            if any(text for cell, text in comments.items() if cell not in answered):
                student["comments"] = [
                    {"cell": cell, "comment": text}
                    for cell, text in comments.items()
                    if text and cell not in answered
                ]
            results.with_totals(student)
            if results.pending_written(student):
                pending.append(sid)
            path = grading / "students" / f"{sid}.json"
            if path.is_file():
                atomic_write(path, results.dumps(student))
            if sid in late_rows and scores:
                policy = late_rows[sid].get("policy") or "none"
                seconds, penalty = _late(gb, assignment, sid, policy)
                lateness.append(_late_row(sid, seconds, penalty, student, policy))
            elif sid in late_rows:
                row = late_rows[sid]
                lateness.append(
                    ",".join(row.get(k) or "" for k in LATE_HEADER.strip().split(",")) + "\n"
                )
    write_outputs(grading, doc)
    if late_rows:
        atomic_write(grading / "late.csv", LATE_HEADER + "".join(lateness))
    _chown(course_dir)
    return pending
