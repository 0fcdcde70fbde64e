"""`autograder gradebook`: our scores in nbgrader's own gradebook, so that `nbgrader export`
gives the same totals as grades.csv, and the submissions are in nbgrader's autograded/
layout without hidden test source. Written answers stay `needs_manual_grade` for the
Formgrader, the autograded notebook carries the student's answer, and once a person has
graded one, `autograder feedback` and `autograder lms` bring the grade and comment into
grades.csv, the pages and the LMS CSV (automatic + manual - late penalty). A real nbgrader
course directory made here, with the toy assignment `add` that has a written answer."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from nbgrader.api import Gradebook

from autograder.check import make_submission
from autograder.results import PENDING

ASSIGNMENT = "add"
BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parents[1]
WRITTEN = Path(__file__).parent / "fixtures" / "written"
SOURCE = WRITTEN / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
ANSWERS = {"alice": "Because 0.5 is not an int.", "bob": "bob's answer: floats scale too"}
STAMPS = {  # the due date is 2026-12-01 12:00 UTC: bob is 1.5 days late
    "alice": "2026-12-01 10:00:00.000000 UTC",
    "bob": "2026-12-03 00:00:00.000000 UTC",
}


def nbgrader(course: Path, *args: str) -> None:
    done = subprocess.run(
        [
            str(BIN / "nbgrader"),
            *args,
            "--CourseDirectory.root=" + str(course),
            "--CourseDirectory.course_id=convnets",
        ],
        cwd=course,
        capture_output=True,
        text=True,
        env={"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(course)},
    )
    assert done.returncode == 0, done.stdout + done.stderr


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )


def exported(course: Path, to: Path) -> dict[str, dict]:
    nbgrader(course, "export", "--to", str(to))
    with open(to) as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


def grades(grading: Path) -> dict[str, dict]:
    with open(grading / "grades.csv") as fh:
        return {r["student_id"]: r for r in csv.DictReader(fh)}


def formgrader_grades(course: Path, sid: str, score: float, comment: str) -> None:
    """What the Formgrader's manual-grade box and comment box save (its API handlers)."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convnets") as gb:
        grade = gb.find_grade("written_scale", ASSIGNMENT, ASSIGNMENT, sid)
        grade.manual_score = score
        grade.needs_manual_grade = False
        gb.find_comment("written_scale", ASSIGNMENT, ASSIGNMENT, sid).manual_comment = comment
        gb.db.commit()


def test_gradebook_written_answers_and_totals(tmp_path: Path):
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(SOURCE, course / "source" / ASSIGNMENT)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = json.loads((course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text())
    variants = {"alice": {}, "bob": {"CELLS": {"add_solution": "def add(a, b):\n    return a"}}}
    for sid, variant in variants.items():
        solved = json.loads(make_submission(SOURCE, variant))["cells"]
        nb = json.loads(json.dumps(released))  # the student's copy, answered
        for cell, answered in zip(nb["cells"], solved, strict=True):
            meta = cell["metadata"]["nbgrader"]
            if meta["grade_id"] == "written_scale":
                cell["source"] = ANSWERS[sid]
            elif meta.get("solution"):
                cell["source"] = "".join(answered["source"]).replace("### BEGIN SOLUTION", "")
                cell["source"] = cell["source"].replace("### END SOLUTION", "")
        folder = course / "submitted" / sid / ASSIGNMENT
        folder.mkdir(parents=True)
        (folder / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text(STAMPS[sid])
        (folder / "submission_secret.txt").write_text(f"secret-{sid}")
    grading = tmp_path / "grading"
    done = cli("grade", ASSIGNMENT, str(course / "submitted"), "--out", str(grading),
               "--course", str(WRITTEN))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    auto = {"alice": 90.0, "bob": 40.0}  # bob's add fails test_add (50 points)
    assert {s: float(r["score"]) for s, r in grades(grading).items()} == auto
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT, "--duedate=2026-12-01 12:00:00 UTC")
    done = cli("gradebook", ASSIGNMENT, str(course), "--grading", str(grading),
               "--late", "per-day:10")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 submission(s)" in done.stdout
    penalty = {"alice": 0.0, "bob": 100 * 0.10 * 2}  # 2 started days late, 10 % of 100 each
    # The written answer waits for a person; the automatic cells have our scores.
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convnets") as gb:
        for sid in auto:
            written = gb.find_grade("written_scale", ASSIGNMENT, ASSIGNMENT, sid)
            assert written.needs_manual_grade and written.auto_score is None
            test = gb.find_grade("test_add", ASSIGNMENT, ASSIGNMENT, sid)
            assert not test.needs_manual_grade and test.auto_score == auto[sid] - 40
    # The autograded notebook (what the Formgrader shows) carries the student's own answer.
    for sid, answer in ANSWERS.items():
        text = (course / "autograded" / sid / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
        cells = {c["metadata"]["nbgrader"]["grade_id"]: c for c in json.loads(text)["cells"]}
        assert cells["written_scale"]["source"] == answer
        assert cells["written_scale"]["metadata"]["nbgrader"]["points"] == 10
        assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
        assert "promotes to float" not in text  # the source's model answer
    out = exported(course, tmp_path / "export.csv")
    for sid in auto:  # nbgrader's own totals: the written answer counts 0 until graded
        assert float(out[sid]["raw_score"]) == auto[sid] and float(out[sid]["max_score"]) == 100
        assert float(out[sid]["late_submission_penalty"]) == penalty[sid]
        assert float(out[sid]["score"]) == auto[sid] - penalty[sid]
    late = (grading / "late.csv").read_text().splitlines()
    assert late[0] == "student_id,seconds_late,late_penalty,total,policy"
    assert late[2] == f"bob,{36 * 3600},{penalty['bob']:g},{PENDING},per-day:10"
    assert {s: r["total"] for s, r in grades(grading).items()} == {s: PENDING for s in auto}

    # A person grades alice's answer in the Formgrader; `autograder feedback` brings it in.
    formgrader_grades(course, "alice", 8, "Right reason; name the promotion rule.")
    done = cli("feedback", ASSIGNMENT, str(course), "--grading", str(grading), "--no-release")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "NEEDS MANUAL GRADING bob" in done.stderr and "alice" not in done.stderr
    rows = grades(grading)
    assert (rows["alice"]["manual_score"], rows["alice"]["total"]) == ("8", "98")
    assert (rows["bob"]["manual_score"], rows["bob"]["total"]) == (PENDING, PENDING)
    page = (course / "feedback" / "alice" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "Total: <strong>98</strong>" in page and "8 / 10" in page
    assert "Right reason; name the promotion rule." in page
    page = (course / "feedback" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert f"Total: <strong>{PENDING}</strong>" in page and "late penalty 20 points" in page
    student = json.loads((grading / "students" / "alice.json").read_text())
    assert student["written"][0]["status"] == "graded" and student["total"] == 98

    # bob's too, and the instructor types 20 over the grader's 0 for bob's test_add and
    # comments on his code (the Formgrader allows both): the LMS CSV and nbgrader's export
    # agree, automatic (as overridden) + manual - late penalty.
    formgrader_grades(course, "bob", 5, "")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convnets") as gb:
        gb.find_grade("test_add", ASSIGNMENT, ASSIGNMENT, "bob").manual_score = 20
        comment = gb.find_comment("add_solution", ASSIGNMENT, ASSIGNMENT, "bob")
        comment.manual_comment = "Return the sum, not a."
        gb.db.commit()
    roster = tmp_path / "roster.csv"
    roster.write_text("id,lms_user_id\nalice,lms-1\nbob,lms-2\n")
    assert cli("roster", str(roster), str(course)).returncode == 0
    done = cli("lms", ASSIGNMENT, str(course), "--grading", str(grading), "--format", "canvas")
    assert done.returncode == 0, done.stdout + done.stderr
    with open(grading / f"{ASSIGNMENT}-canvas.csv") as fh:
        canvas = {r[1]: r[5] for r in list(csv.reader(fh))[2:]}
    assert canvas == {"lms-1": "98", "lms-2": "45"}  # bob: 40 + 20 (by hand) + 5 - 20
    assert (grades(grading)["bob"]["score"], grades(grading)["bob"]["total"]) == ("40", "65")
    assert (grading / "late.csv").read_text().splitlines()[2].split(",")[3] == "45"
    out = exported(course, tmp_path / "export2.csv")
    assert {s: float(r["score"]) for s, r in out.items()} == {"alice": 98.0, "bob": 45.0}
    page = (grading / "feedback" / "bob.html").read_text()
    assert "20 / 50 (set by your instructor; the grader gave 0)" in page
    assert "Return the sum, not a." in page and "Total: <strong>65</strong>" in page


def test_late_policies():
    from autograder.gradebook import late_penalty

    assert late_penalty("none", 10 * 86400, 80, 100) == 0
    assert late_penalty("per-day:10", 0, 80, 100) == 0
    assert late_penalty("per-day:10", 1, 80, 100) == 10  # a started day counts
    assert late_penalty("per-day:25", 5 * 86400, 80, 100) == 80  # never below zero
    assert late_penalty("zero-after:24", 23 * 3600, 80, 100) == 0
    assert late_penalty("zero-after:24", 25 * 3600, 80, 100) == 80
