"""`autograder gradebook`: our scores in nbgrader's own gradebook, so that `nbgrader export`
gives the same totals as grades.csv, and the submissions are in nbgrader's autograded/
layout without hidden test source. A real nbgrader course directory made here."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.sandbox import COURSE_DIR

ASSIGNMENT = "conv"
BIN = Path(sys.executable).parent


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


def test_export_totals_equal_grades_csv(tmp_path: Path):
    course = tmp_path / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(
        COURSE_DIR / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        course / "source" / ASSIGNMENT,
    )
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    released = course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    cells = [
        c["metadata"]["nbgrader"]
        for c in json.loads(released.read_text())["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade")
    ]
    points = {c["grade_id"]: float(c["points"]) for c in cells}
    first = next(iter(points))
    scores = {"alice": dict(points), "bob": {**points, first: 0.0}}  # bob fails one test
    students = []
    for sid, got in scores.items():
        folder = course / "submitted" / sid / ASSIGNMENT
        folder.mkdir(parents=True)
        shutil.copy(released, folder)
        # alice on time; bob 1.5 days after the due date (2026-12-01 12:00 UTC)
        (folder / "timestamp.txt").write_text(
            "2026-12-01 10:00:00.000000 UTC" if sid == "alice" else "2026-12-03 00:00:00.000000 UTC"
        )
        students.append(
            {
                "student_id": sid,
                "status": "graded",
                "file": "x",
                "message": "",
                "score": sum(got.values()),
                "sha256": "0",
                "tests": [
                    {
                        "grade_id": g,
                        "points": p,
                        "max_points": points[g],
                        "status": "passed" if p else "failed",
                        "message": "",
                        "seconds": 0.1,
                    }
                    for g, p in got.items()
                ],
            }
        )
    grading = tmp_path / "grading"
    grading.mkdir()
    (grading / "results.json").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "assignment": ASSIGNMENT,
                "grader_version": "2",
                "isolation": "x",
                "max_score": sum(points.values()),
                "students": students,
            }
        )
    )
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT, "--duedate=2026-12-01 12:00:00 UTC")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "gradebook",
            ASSIGNMENT,
            str(course),
            "--grading",
            str(grading),
            "--late",
            "per-day:10",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 submission(s)" in done.stdout
    nbgrader(course, "export", "--to", str(tmp_path / "export.csv"))
    with open(tmp_path / "export.csv") as fh:
        exported = {r["student_id"]: r for r in csv.DictReader(fh)}
    top = sum(points.values())
    penalty = {"alice": 0.0, "bob": top * 0.10 * 2}  # 2 started days late, 10 % each
    for sid, got in scores.items():
        assert float(exported[sid]["raw_score"]) == sum(got.values())
        assert float(exported[sid]["late_submission_penalty"]) == penalty[sid]
        assert float(exported[sid]["score"]) == sum(got.values()) - penalty[sid]
        assert float(exported[sid]["max_score"]) == top
    late = (grading / "late.csv").read_text().splitlines()
    assert late[0] == "student_id,seconds_late,late_penalty,total"
    assert late[2] == f"bob,{36 * 3600},{penalty['bob']:g},{top - points[first] - penalty['bob']:g}"
    autograded = course / "autograded" / "bob" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    text = autograded.read_text()
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text


def test_late_policies():
    from autograder.gradebook import late_penalty

    assert late_penalty("none", 10 * 86400, 80, 100) == 0
    assert late_penalty("per-day:10", 0, 80, 100) == 0
    assert late_penalty("per-day:10", 1, 80, 100) == 10  # a started day counts
    assert late_penalty("per-day:25", 5 * 86400, 80, 100) == 80  # never below zero
    assert late_penalty("zero-after:24", 23 * 3600, 80, 100) == 0
    assert late_penalty("zero-after:24", 25 * 3600, 80, 100) == 80
