"""`autograder roster` and `autograder lms`: student records into nbgrader's real gradebook
from a CSV, and grades.csv out as Canvas's and Moodle's grade-import CSVs keyed by the
records' lms_user_id; a graded student without an LMS id is listed, never dropped."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from nbgrader.api import Gradebook


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.cli", *args], capture_output=True, text=True
    )


@pytest.fixture
def course(tmp_path: Path) -> tuple[Path, Path]:
    course = tmp_path / "course"
    course.mkdir()
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "id,first_name,last_name,email,lms_user_id\n"
        "alice,Alice,Kim,alice@example.edu,canvas-101\n"
        "bob,Bob,Ng,bob@example.edu,canvas-102\n"
        "carol,Carol,Diaz,carol@example.edu,\n"
    )
    allowed = tmp_path / "allowed.txt"
    done = cli("roster", str(roster), str(course), "--allowed-users", str(allowed))
    assert done.returncode == 0, done.stderr
    assert allowed.read_text().split() == ["alice", "bob", "carol"]
    grading = tmp_path / "grading"
    grading.mkdir()
    (grading / "grades.csv").write_text(
        "student_id,assignment,score,max_score,status,message\n"
        "alice,conv,100,100,graded,\nbob,conv,62.5,100,graded,\ncarol,conv,40,100,graded,\n"
        "dave,conv,0,100,invalid_notebook,not JSON\n"
    )
    return course, grading


def test_roster_lands_in_nbgraders_gradebook(course):
    with Gradebook(f"sqlite:///{course[0] / 'gradebook.db'}", course_id="convnets") as gb:
        alice = gb.find_student("alice")
        assert (alice.first_name, alice.last_name, alice.email, alice.lms_user_id) == (
            "Alice",
            "Kim",
            "alice@example.edu",
            "canvas-101",
        )
        assert gb.find_student("carol").lms_user_id is None


def test_canvas_and_moodle_csvs_keyed_by_lms_id(course):
    course_dir, grading = course
    done = cli("lms", "conv", str(course_dir), "--grading", str(grading), "--format", "canvas")
    assert done.returncode == 1  # carol and dave have no LMS id
    assert "NO LMS ID carol" in done.stderr and "NO LMS ID dave" in done.stderr
    rows = list(csv.reader(io.StringIO((grading / "conv-canvas.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "conv"]
    assert rows[1][0] == "Points Possible" and rows[1][5] == "100"
    assert rows[2:] == [
        ["Kim, Alice", "canvas-101", "", "", "", "100"],
        ["Ng, Bob", "canvas-102", "", "", "", "62.5"],
    ]
    missing = (grading / "conv-canvas.missing.csv").read_text().splitlines()
    assert missing == ["student_id,total", "carol,40", "dave,0"]
    done = cli("lms", "conv", str(course_dir), "--grading", str(grading), "--format", "moodle")
    rows = list(csv.reader(io.StringIO((grading / "conv-moodle.csv").read_text())))
    assert rows[0] == ["ID number", "First name", "Last name", "Email address", "conv"]
    assert rows[1] == ["canvas-101", "Alice", "Kim", "alice@example.edu", "100"]
    assert len(rows) == 3
