"""The class list in and the grades out: nbgrader's student records <-> an LMS.

``grades.csv`` (:func:`grades_csv`) is written here for ``autograder grade`` and read back
here for the exports.

``autograder roster <csv> <course_dir>``: each row (``id`` plus any of ``first_name``,
``last_name``, ``email``, ``lms_user_id``) becomes or updates a student record in the
course's nbgrader gradebook (``<course_dir>/gradebook.db``, nbgrader's ``Gradebook`` API),
and ``--allowed-users FILE`` adds the ids, one a line, to the hub's allowed-users file
(``hub.auth.CourseAllowedUsers`` reads it at each login).

``autograder lms <assignment> <course_dir> --grading DIR --format canvas|moodle``: the
totals of ``grades.csv`` (automatic + the written answers' manual grades, brought in from
the gradebook first), less the late penalty the gradebook holds, as the grade-import CSV
of Canvas or of Moodle, keyed by the LMS user id of nbgrader's student records
(``lms_user_id``). A graded student without one (or without a record) is not dropped:
they are listed on stderr (``NO LMS ID <student>``) and in ``<out>.missing.csv`` with
their total, and the command exits 1. A student whose written answers nobody has graded
yet gets an empty cell (an LMS import leaves the grade as it was), never a 0: they are
listed on stderr (``NEEDS MANUAL GRADING <student>``), and the command exits 1.
"""

from __future__ import annotations

import csv
import io
import os
import sys
from pathlib import Path

from autograder import results

ROSTER_FIELDS = ("first_name", "last_name", "email", "lms_user_id")
#: ``grades.csv``, written by ``autograder grade`` and read back by ``autograder lms``.
GRADES_COLUMNS = (
    "student_id",
    "assignment",
    "score",
    "max_score",
    "status",
    "message",
    "manual_score",
    "total",
    "total_max_score",
)


def grades_csv(assignment: str, max_score: float, total_max: float, students: list[dict]) -> str:
    """``grades.csv``: one row per student. ``score`` is the grader's (of ``max_score``),
    ``manual_score`` the written answers' (empty when the assignment has none), ``total``
    both together (of ``total_max_score``); the last two say "needs manual grading" until a
    person has graded every written answer."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(GRADES_COLUMNS)
    for r in students:
        r = results.with_totals(dict(r))
        message = r.get("message", "")
        waiting = results.pending_written(r)
        if waiting:
            message = f"{message}; {results.PENDING}: {', '.join(waiting)}".lstrip("; ")
        has_written = bool(r.get("written"))
        writer.writerow(
            [
                r["student_id"],
                assignment,
                f"{r.get('score', 0):g}",
                f"{max_score:g}",
                r["status"],
                message.replace("\n", " ")[:300],
                results.shown(r["manual_score"]) if has_written else "",
                results.shown(r["total"]),
                f"{total_max:g}",
            ]
        )
    return buf.getvalue()


def open_gradebook(course_dir: Path, course_id: str):
    """nbgrader's Gradebook of a course (a context manager), made with alembic if new."""
    from nbgrader.api import Gradebook

    # A new gradebook is made by running `alembic` (nbgrader's migrations) from PATH: the one
    # of this Python's environment, also under `sudo .venv/bin/autograder`.
    here = str(Path(sys.executable).parent)
    if here not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")
    return Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}", course_id=course_id)


def import_roster(
    roster: Path, course_dir: Path, course_id: str = "convnets", allowed_users: Path | None = None
) -> list[str]:
    with open(roster, newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "id" not in rows[0]:
        raise ValueError(f"{roster}: needs an `id` column (nbgrader's student id = hub user)")
    ids = []
    with open_gradebook(course_dir, course_id) as gb:
        for row in rows:
            sid = row["id"].strip()
            if not sid:
                continue
            fields = {k: (row.get(k) or "").strip() or None for k in ROSTER_FIELDS if k in row}
            gb.update_or_create_student(sid, **fields)
            ids.append(sid)
    owner = os.stat(course_dir)
    database = course_dir / "gradebook.db"
    if os.geteuid() == 0 and database.stat().st_uid != owner.st_uid:  # run with sudo
        os.chown(database, owner.st_uid, owner.st_gid)  # the Formgrader writes to it
    if allowed_users:  # added to what is there: a second class does not lock out the first
        kept = allowed_users.read_text().splitlines() if allowed_users.exists() else []
        names = [*kept, *(sid for sid in ids if sid not in {k.strip() for k in kept})]
        allowed_users.write_text("".join(f"{name}\n" for name in names))
    return ids


def read_totals(grading: Path) -> list[tuple[str, float | None, float]]:
    """(student, total or None while written answers need manual grading, maximum) per row
    of grades.csv."""
    with open(grading / "grades.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        total = r.get("total", r["score"])
        top = r.get("total_max_score") or r["max_score"]
        out.append(
            (r["student_id"], None if total == results.PENDING else float(total), float(top))
        )
    return out


def lms_ids(
    course_dir: Path, course_id: str = "convnets", assignment: str | None = None
) -> dict[str, dict]:
    """nbgrader's student records, with the late penalty the gradebook holds for
    `assignment` (``autograder gradebook --late``; 0 when none was recorded)."""
    records = {}
    with open_gradebook(course_dir, course_id) as gb:
        for s in gb.students:
            penalty = 0.0
            if assignment:
                try:
                    penalty = float(gb.find_submission(assignment, s.id).late_submission_penalty)
                except Exception:  # noqa: BLE001 (nbgrader's MissingEntry: not in the gradebook)
                    penalty = 0.0
            records[s.id] = {
                "lms_user_id": s.lms_user_id,
                "first_name": s.first_name or "",
                "last_name": s.last_name or "",
                "email": s.email or "",
                "penalty": penalty,
            }
    return records


def export_csv(
    assignment: str,
    totals: list[tuple[str, float | None, float]],
    records: dict[str, dict],
    fmt: str,
) -> tuple[str, list[tuple[str, float | None]]]:
    """(the LMS's CSV text, [(student, total) without an LMS id]); a total of ``None``
    (written answers not graded yet) is an empty cell."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    max_score = max((m for _, _, m in totals), default=0.0)
    if fmt == "canvas":
        # Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one
        # column per assignment; the second row gives the points possible.
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        writer.writerow(["Points Possible", "", "", "", "", f"{max_score:g}"])
    elif fmt == "moodle":
        # Moodle's grade import (CSV): map "ID number" to the user's ID number when importing.
        writer.writerow(["ID number", "First name", "Last name", "Email address", assignment])
    else:
        raise ValueError(f"unknown format {fmt!r}: canvas or moodle")
    missing = []
    for sid, raw, _ in totals:
        record = records.get(sid) or {}
        # automatic + manual - late penalty
        score = None if raw is None else max(raw - record.get("penalty", 0.0), 0.0)
        cell = "" if score is None else f"{score:g}"
        lms = record.get("lms_user_id")
        if not lms:
            missing.append((sid, score))
            continue
        if fmt == "canvas":
            name = f"{record['last_name']}, {record['first_name']}".strip(", ") or sid
            writer.writerow([name, lms, "", "", "", cell])
        else:
            writer.writerow([lms, record["first_name"], record["last_name"], record["email"], cell])
    return buf.getvalue(), missing


def export(
    assignment: str,
    course_dir: Path,
    grading: Path,
    fmt: str,
    out: Path | None = None,
    course_id: str = "convnets",
) -> int:
    from autograder.gradebook import sync_manual

    out = out or grading / f"{assignment}-{fmt}.csv"
    pending = sync_manual(assignment, course_dir, grading, course_id)
    records = lms_ids(course_dir, course_id, assignment)
    text, missing = export_csv(assignment, read_totals(grading), records, fmt)
    out.write_text(text)
    side = out.with_suffix(".missing.csv")
    side.unlink(missing_ok=True)
    if missing:
        side.write_text(
            "student_id,total\n" + "".join(f"{s},{results.shown(t)}\n" for s, t in missing)
        )
        for sid, _ in missing:
            print(f"NO LMS ID {sid}: not in {out.name}; listed in {side.name}", file=sys.stderr)
    for sid in pending:
        print(
            f"NEEDS MANUAL GRADING {sid}: written answers not graded in the Formgrader; "
            "their total is left empty",
            file=sys.stderr,
        )
    print(f"{fmt} grade import for {assignment}: {out}")
    return 1 if missing or pending else 0
