"""The course / assignment configuration: unknown keys named, --set typed by the field,
points summing to 100, checks' weights summing to their cell's points, and `autograder
check` / `autograder grade` refusing a misconfigured assignment with a message naming it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.checks import declared_checks
from autograder.config import ConfigError, Course, Limits, points_problem

REPO = Path(__file__).resolve().parents[1]
COURSE = Path(__file__).parent / "fixtures" / "course"


def test_unknown_limit_key_is_named():
    with pytest.raises(ConfigError, match="'test_timout'"):
        Limits.from_metadata({"assignment": "conv", "test_timout": 10})
    assert (
        Limits.from_metadata({"assignment": "conv", "masks": "m:f", "test_timeout": 7}).test_timeout
        == 7.0
    )


def test_set_is_parsed_by_the_fields_type():
    got = Limits.overrides(["test_timeout=20", "memory_mb=2048", "disk_mb=8"])
    assert got == {"test_timeout": 20.0, "memory_mb": 2048, "disk_mb": 8}
    assert isinstance(got["test_timeout"], float) and isinstance(got["memory_mb"], int)
    for bad, words in [
        ("memory_mb=1.5", "positive int"),
        ("cell_timeout=-1", "positive float"),
        ("test_timout=3", "'test_timout'"),
        ("nproc", "LIMIT=VALUE"),
    ]:
        with pytest.raises(ConfigError, match=words):
            Limits.overrides([bad])


def test_points_must_sum_to_100():
    assert points_problem({"a": 60.0, "b": 40.0}) == ""
    assert "sum to 90" in points_problem({"a": 60.0, "b": 30.0})


def test_course_lists_its_assignments_and_paths():
    course = Course(COURSE)
    assert course.assignments() == ["add"]
    assert course.source("add") == COURSE / "solutions" / "add" / "add.ipynb"
    assert course.blank("add").is_file() and course.mutants("add")
    assert set(Course().assignments()) >= {"conv", "detection", "transfer"}


def test_declared_checks_are_read_from_the_hidden_part():
    hidden = (
        'with check("lecture example", 4):\n    pass\nwith check("random", points=6):\n    pass\n'
    )
    assert declared_checks(hidden) == [("lecture example", 4), ("random", 6)]


def misconfigured_course(tmp_path: Path, change) -> Path:
    course = tmp_path / "course"
    shutil.copytree(COURSE, course)
    source = course / "solutions" / "add" / "add.ipynb"
    nb = json.loads(source.read_text())
    change(nb)
    source.write_text(json.dumps(nb, indent=1))
    return course


def typo(nb):
    nb["metadata"].setdefault("autograder", {})["test_timout"] = 10


def points_90(nb):
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_scale":
            cell["metadata"]["nbgrader"]["points"] = 30


def bad_weights(nb):
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_scale":
            text = "".join(cell["source"]).replace(
                "### BEGIN HIDDEN TESTS\n",
                "### BEGIN HIDDEN TESTS\nwith check('first', 10):\n    pass\n",
            )
            cell["source"] = text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (typo, "'test_timout'"),
        (points_90, "sum to 90"),
        (bad_weights, "sum to 10, the cell's nbgrader points are 40"),
    ],
)
def test_check_and_grade_refuse_a_misconfigured_assignment(tmp_path, change, words):
    course = misconfigured_course(tmp_path, change)
    cli = [sys.executable, "-m", "autograder.cli"]
    run = subprocess.run(
        [*cli, "check", "add", "--course", str(course)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 1 and words in run.stdout, run.stdout + run.stderr
    if change is bad_weights:
        return  # grading such a cell gives the sum of its checks; check is where it is caught
    submitted = tmp_path / "submitted" / "alice" / "add"
    submitted.mkdir(parents=True)
    shutil.copy(course / "exercises" / "add" / "add.ipynb", submitted / "add.ipynb")
    run = subprocess.run(
        [
            *cli,
            "grade",
            "add",
            str(tmp_path / "submitted"),
            "--out",
            str(tmp_path / "out"),
            "--course",
            str(course),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert run.returncode == 2 and words in run.stderr, run.stdout + run.stderr
