"""Partial credit inside one graded cell: ``with check(name, points):`` blocks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder.check import make_submission
from autograder.checks import Checks
from autograder.faults import SandboxFault

COURSE = Path(__file__).parent / "fixtures" / "course"


def classify(exc: BaseException) -> tuple[str, str, str]:
    return ("failed" if isinstance(exc, AssertionError) else "error"), str(exc), ""


def test_a_failing_check_costs_its_points_and_the_part_goes_on():
    check = Checks(classify)
    with check("first", 10):
        pass
    with check("second", 30):
        raise AssertionError("wrong sign")
    with check("third", 20):
        raise ValueError("student raised")
    assert [(r.name, r.points, r.status) for r in check.results] == [
        ("first", 10, "passed"),
        ("second", 0, "failed"),
        ("third", 0, "error"),
    ]
    points, status, message = check.outcome(60)
    assert points == 10 and status == "failed"
    assert message.splitlines() == ["second (-30): wrong sign", "third (-20): student raised"]
    assert check.results[1].as_json() == {
        "name": "second",
        "points": 0.0,
        "max_points": 30.0,
        "status": "failed",
        "message": "wrong sign",
    }


def test_faults_end_the_cell():
    check = Checks(classify)
    with pytest.raises(SandboxFault), check("hangs", 10):
        raise SandboxFault("timeout", "too slow")
    assert check.results == []


HIDDEN = """### BEGIN HIDDEN TESTS
with check("small integers", 20):
    check_array(add(np.arange(3.0), np.ones(3)), np.arange(3.0) + 1, "add(x, y)")
with check("zeros", 40):
    check_array(add(np.zeros(2), np.zeros(2)), np.zeros(2), "add(0, 0)")
### END HIDDEN TESTS"""


@pytest.mark.slow
def test_results_list_every_check(tmp_path):
    from autograder.grade import grade_submission

    course = tmp_path / "course"
    shutil.copytree(COURSE, course)
    source = course / "solutions" / "add" / "add.ipynb"
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_add":
            text = "".join(cell["source"])
            cell["source"] = text[: text.index("### BEGIN HIDDEN TESTS")] + HIDDEN
    source.write_text(json.dumps(nb, indent=1))
    subtract = {"CELLS": {"add_solution": "def add(a, b):\n    return np.subtract(a, b)"}}
    tests = {}
    for sid, variant in {"good": {}, "subtract": subtract}.items():
        path = tmp_path / f"{sid}.ipynb"
        path.write_text(make_submission(source, variant))
        tests[sid] = next(
            t for t in grade_submission(source, path, sid)["tests"] if t["grade_id"] == "test_add"
        )
    assert tests["good"]["points"] == 60 and tests["good"]["status"] == "passed"
    assert [c["points"] for c in tests["good"]["checks"]] == [20, 40]
    bad = tests["subtract"]
    assert bad["points"] == 40 and bad["status"] == "failed", bad  # a - a == a + a only for zeros
    assert [(c["name"], c["status"]) for c in bad["checks"]] == [
        ("small integers", "failed"),
        ("zeros", "passed"),
    ]
    assert bad["message"].startswith("small integers (-20): ")
