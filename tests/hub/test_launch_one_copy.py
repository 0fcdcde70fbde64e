"""One copy of each exercise in a student's home (issue 17, "Two copies of each exercise").

A chapter's launch button pulls the student branch into `~/convnets` with nbgitpuller; the
Assignment List's *Fetch* puts `~/<a>/<a>.ipynb`, the copy that can be submitted. The
student branch (`hub.publish`) holds no exercise, so after both a home has exactly one
notebook of each assignment. Run with nbgitpuller's own GitPuller on a git repository of
the published copy, and once against a copy that still carries `exercises/` (as before),
which gives two: the check can fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from nbgitpuller.pull import GitPuller

from autograder.config import Course
from hub.course import REPO
from hub.publish import copy_student_files, find_leaks, is_assignment, publish

BRANCH = "student"


def as_branch(copy: Path) -> str:
    """`copy` as a git repository whose branch `student` holds it, like `publish --branch`."""

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=copy,
            check=True,
            capture_output=True,
        )

    git("init", "-q", "-b", BRANCH)
    git("add", "-A")
    git("commit", "-q", "-m", "student copy")
    return f"file://{copy}"


def student_home(tmp_path: Path, copy: Path) -> Path:
    """A home after a launch link (nbgitpuller into ~/convnets) and a Fetch of every assignment."""
    home = tmp_path / "home"
    home.mkdir()
    for _ in GitPuller(as_branch(copy), str(home / "convnets"), branch=BRANCH).pull():
        pass
    assert (home / "convnets" / "book").is_dir()  # the launch link did pull the book
    for name in Course().assignments():  # nbgrader's fetch: ~/<a>/<a>.ipynb
        (home / name).mkdir()
        shutil.copy(REPO / "exercises" / name / f"{name}.ipynb", home / name)
    return home


def grade_ids(notebook: Path) -> set[str]:
    """The ids of a notebook's answer and graded cells (not shared ones such as `setup`)."""
    marks = [c["metadata"].get("nbgrader", {}) for c in json.loads(notebook.read_text())["cells"]]
    return {m["grade_id"] for m in marks if m.get("solution") or m.get("grade")}


def copies(home: Path, assignment: str) -> list[Path]:
    """Every notebook of `assignment` in `home`: by its name, or an nbgrader notebook with
    the released exercise's cells under another name."""
    ids = grade_ids(REPO / "exercises" / assignment / f"{assignment}.ipynb")
    return sorted(
        p
        for p in home.rglob("*.ipynb")
        if ".git" not in p.parts
        and (p.name == f"{assignment}.ipynb" or (is_assignment(p) and grade_ids(p) & ids))
    )


@pytest.fixture(scope="module")
def assignments() -> list[str]:
    names = Course().assignments()
    assert "conv" in names
    return names


def test_a_launch_link_and_a_fetch_leave_one_copy(tmp_path, assignments):
    copy = publish(tmp_path / "copy")
    home = student_home(tmp_path, copy)
    for name in assignments:
        assert copies(home, name) == [home / name / f"{name}.ipynb"], name


def test_a_copy_with_exercises_gives_two_and_is_refused(tmp_path, assignments):
    """The old student copy (with exercises/): the same launch link pulls a second copy,
    and the publish check refuses such a copy."""
    copy = tmp_path / "copy"
    copy_student_files(REPO, copy)
    shutil.copytree(REPO / "exercises", copy / "exercises")
    assert any("exercises/conv/conv.ipynb: an exercise" in p for p in find_leaks(copy))
    home = student_home(tmp_path, copy)
    assert copies(home, "conv") == [
        home / "conv" / "conv.ipynb",
        home / "convnets" / "exercises" / "conv" / "conv.ipynb",
    ]


def test_an_exercise_under_another_name_is_refused(tmp_path):
    """Not only `exercises/`: any nbgrader notebook in the copy (e.g. one saved into book/)."""
    copy = tmp_path / "copy"
    copy_student_files(REPO, copy)
    assert find_leaks(copy) == []
    shutil.copy(REPO / "exercises" / "conv" / "conv.ipynb", copy / "book" / "practice.ipynb")
    assert any("book/practice.ipynb: an exercise" in p for p in find_leaks(copy))
