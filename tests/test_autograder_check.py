"""`autograder check` and `autograder release`, through the real CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.config import Course

REPO = Path(__file__).resolve().parents[1]
TOY_COURSE = Path(__file__).parent / "fixtures" / "course"
CLI = [sys.executable, "-m", "autograder.cli"]
ASSIGNMENTS = Course().assignments()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=REPO)


@pytest.mark.slow
def test_check_on_the_toy_course_catches_mutants_and_a_weak_test(tmp_path):
    ok = run("check", "--course", str(TOY_COURSE))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "mutant-subtract" in ok.stdout and "blank notebook scores 0" in ok.stdout
    course = tmp_path / "course"
    shutil.copytree(TOY_COURSE, course)
    (course / "solutions" / "add" / "mutants" / "uncaught.py").write_text(
        '"""Changes nothing the tests look at."""\n\nFAILS = ["test_scale"]\n\n'
        'CELLS = {"scale_solution": "def scale(x, k):\\n    return np.asarray(x) * k + 0.0\\n"}\n'
    )
    bad = run("check", "--course", str(course))
    assert bad.returncode != 0 and "FAIL" in bad.stdout and "uncaught" in bad.stdout


@pytest.mark.slow
def test_release_is_idempotent_and_check_detects_staleness(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(TOY_COURSE, course)
    shutil.rmtree(course / "exercises")
    assert run("release", "--check", "--course", str(course)).returncode != 0
    assert run("release", "--course", str(course)).returncode == 0
    released = (course / "exercises" / "add" / "add.ipynb").read_bytes()
    assert b"BEGIN SOLUTION" not in released and b"HIDDEN TESTS" not in released
    assert b"raise NotImplementedError" in released
    assert not (course / "exercises" / "add" / "mutants").exists()
    again = run("release", "--course", str(course))
    assert again.returncode == 0 and "up to date" in again.stdout
    assert (course / "exercises" / "add" / "add.ipynb").read_bytes() == released
    assert run("release", "--check", "--course", str(course)).returncode == 0
    source = course / "solutions" / "add" / "add.ipynb"
    source.write_text(source.read_text().replace("Elementwise sum.", "Elementwise sum of a and b."))
    stale = run("release", "--check", "--course", str(course))
    assert stale.returncode != 0 and "STALE" in stale.stdout
    assert (
        course / "exercises" / "add" / "add.ipynb"
    ).read_bytes() == released  # --check changes nothing


@pytest.mark.slow
def test_exercises_are_in_sync_with_solutions():
    result = run("release", "--check")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_autograder_check(assignment):
    """Solutions score 100, blank notebooks 0, every mutant loses points where it should."""
    result = run("check", assignment, "--jobs", "2")
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
