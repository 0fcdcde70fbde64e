"""results.json and students/*.json, as the real CLI writes them, match the versioned schema
autograder/results.schema.json; the schema's statuses are the Status enum's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from autograder.check import make_submission
from autograder.results import (
    CELL_STATUSES,
    SCHEMA_VERSION,
    SUBMISSION_STATUSES,
    TEST_STATUSES,
    WRITTEN_STATUSES,
    schema,
)

REPO = Path(__file__).resolve().parents[1]
TOY = Path(__file__).parent / "fixtures" / "course" / "solutions" / "add" / "add.ipynb"


def test_schema_lists_the_enums_statuses():
    doc = schema()
    student = doc["$defs"]["student"]["properties"]
    assert doc["properties"]["schema_version"]["const"] == SCHEMA_VERSION
    assert student["status"]["enum"] == [s.value for s in SUBMISSION_STATUSES]
    assert student["tests"]["items"]["properties"]["status"]["enum"] == [
        s.value for s in TEST_STATUSES
    ]
    assert student["cells"]["items"]["properties"]["status"]["enum"] == [
        s.value for s in CELL_STATUSES
    ]
    assert student["written"]["items"]["properties"]["status"]["enum"] == [
        s.value for s in WRITTEN_STATUSES
    ]
    jsonschema.Draft202012Validator.check_schema(doc)


def test_the_schema_rejects_what_it_must():
    validator = jsonschema.Draft202012Validator(schema()["$defs"]["student"])
    good = {
        "student_id": "a",
        "status": "graded",
        "file": "a.ipynb",
        "message": "",
        "score": 1.0,
        "tests": [],
        "sha256": "",
    }
    assert validator.is_valid(good)
    assert not validator.is_valid({**good, "status": "Graded"})
    assert not validator.is_valid(
        {
            **good,
            "tests": [
                {
                    "grade_id": "t",
                    "points": 1,
                    "max_points": 1,
                    "status": "ok",
                    "message": "",
                    "seconds": 0,
                }
            ],
        }
    )
    answer = {
        "grade_id": "written_x",
        "max_points": 10,
        "answer": "",
        "status": "needs_manual_grading",
        "points": None,
        "comment": "",
    }
    assert validator.is_valid({**good, "written": [answer]})
    assert validator.is_valid({**good, "written": [{**answer, "status": "graded", "points": 7}]})
    # a written answer nobody graded is never a silent 0, and a graded one has its points
    assert not validator.is_valid({**good, "written": [{**answer, "points": 0}]})
    assert not validator.is_valid({**good, "written": [{**answer, "status": "graded"}]})
    assert not validator.is_valid({**good, "written": [{**answer, "grade_id": "test_x"}]})


@pytest.mark.slow
def test_real_output_matches_the_schema(tmp_path):
    variants = {
        "good": {},
        "wrong": {"CELLS": {"add_solution": "def add(a, b):\n    return a - b"}},
        "dies": {"CELLS": {"add_solution": "import os\nos._exit(0)"}},
    }
    sub = tmp_path / "submitted"
    for sid, variant in variants.items():
        (sub / sid / "add").mkdir(parents=True)
        (sub / sid / "add" / "add.ipynb").write_text(make_submission(TOY, variant))
    (sub / "empty" / "add").mkdir(parents=True)
    (sub / "empty" / "add" / "add.ipynb").write_text("")
    out = tmp_path / "out"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder.cli",
            "grade",
            "add",
            str(sub),
            "--out",
            str(out),
            "--course",
            str(TOY.parents[2]),
            "--jobs",
            "2",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads((out / "results.json").read_text())
    jsonschema.Draft202012Validator(schema()).validate(doc)
    statuses = {s["student_id"]: s["status"] for s in doc["students"]}
    assert statuses == {
        "good": "graded",
        "wrong": "graded",
        "dies": "graded",
        "empty": "invalid_notebook",
    }
    student = jsonschema.Draft202012Validator(
        {**schema()["$defs"]["student"], "$defs": schema()["$defs"]}
    )
    for path in (out / "students").glob("*.json"):
        student.validate(json.loads(path.read_text()))
