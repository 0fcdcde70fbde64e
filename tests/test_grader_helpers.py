"""Grader-only helpers (``solutions/<a>/grading.py``): in every hidden part, loaded once,
never released, never published, part of the fingerprint. (That the sandbox cannot read
them is the integrity case ``tests/integrity/conv/read_grader_helpers.py``.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from autograder import helpers
from autograder.check import make_submission
from autograder.notebook import load_assignment

COURSE = Path(__file__).parent / "fixtures" / "course"

HELPERS = '''
import numpy as np

SEEDS = []


def doubled(x):
    """The student's add(x, x), through the proxy of the hidden part now running."""
    SEEDS.append(student_seed)
    return add(np.asarray(x, float), np.asarray(x, float))


def _private():
    return "not for hidden parts"
'''

HIDDEN_ADD = """### BEGIN HIDDEN TESTS
check_array(doubled([1.0, 2.0]), np.array([2.0, 4.0]), "add(x, x)")
expect("_private" not in globals() and "np" in globals(), "only public names are shared")
### END HIDDEN TESTS"""


def course_with_helpers(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    shutil.copytree(COURSE, course)
    source = course / "solutions" / "add" / "add.ipynb"
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "test_add":
            text = "".join(cell["source"])
            cell["source"] = text[: text.index("### BEGIN HIDDEN TESTS")] + HIDDEN_ADD
    source.write_text(json.dumps(nb, indent=1))
    (source.parent / "grading.py").write_text(HELPERS)
    return course


def test_helpers_are_loaded_once_and_part_of_the_fingerprint(tmp_path):
    course = course_with_helpers(tmp_path)
    source = course / "solutions" / "add" / "add.ipynb"
    before = load_assignment(source).fingerprint()
    module = helpers.load(source)
    assert module is not None and helpers.load(source) is module
    assert set(helpers.public_names(module)) == {"SEEDS", "doubled"}
    (source.parent / "grading.py").write_text(HELPERS + "\n# changed\n")
    load_assignment.cache_clear()
    assert load_assignment(source).fingerprint() != before
    (source.parent / "grading.py").unlink()
    load_assignment.cache_clear()
    assert load_assignment(source).fingerprint() != before
    assert helpers.load(COURSE / "solutions" / "add" / "add.ipynb") is None


def test_bind_gives_helpers_the_hidden_parts_names():
    module_ns: dict = {}
    source = COURSE / "solutions" / "add" / "add.ipynb"
    assert helpers.load(source) is None
    helpers.bind(source, module_ns)  # no helpers: nothing changes
    assert module_ns == {}


@pytest.mark.slow
def test_hidden_parts_use_the_helpers_with_their_own_proxies(tmp_path):
    from autograder.grade import grade_submission

    course = course_with_helpers(tmp_path)
    source = course / "solutions" / "add" / "add.ipynb"
    results = {}
    for sid, variant in {
        "good": {},
        "wrong": {"CELLS": {"add_solution": "def add(a, b):\n    return np.subtract(a, b)"}},
    }.items():
        path = tmp_path / f"{sid}.ipynb"
        path.write_text(make_submission(source, variant))
        results[sid] = {t["grade_id"]: t for t in grade_submission(source, path, sid)["tests"]}
    assert results["good"]["test_add"]["status"] == "passed", results["good"]["test_add"]
    assert results["wrong"]["test_add"]["status"] == "failed"
    assert "add(x, x)" in results["wrong"]["test_add"]["message"]
    module = helpers.load(source)
    assert module is not None and len(set(module.SEEDS)) == 2  # each student's own seed


@pytest.mark.slow
def test_helpers_are_never_released_nor_published(tmp_path):
    from autograder.release import generate
    from hub.publish import SKIP_NAMES, hidden_regions

    course = course_with_helpers(tmp_path)
    files = generate(["add"], course)["add"]
    assert "add.ipynb" in files and not any("grading" in name for name in files), files
    assert "grading.py" in SKIP_NAMES
    regions = hidden_regions(course / "solutions")
    assert any(
        "return add(np.asarray(x, float), np.asarray(x, float))" in lines
        for lines in regions.values()
    )
    repo = Path(__file__).resolve().parents[1]
    assert not list((repo / "exercises").rglob("grading.py"))
