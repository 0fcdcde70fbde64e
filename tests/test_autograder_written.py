"""Written answers graded by hand (nbgrader's manually graded answer cells, issue 17 item 2):
the parser knows them, their points count in the points check (automatic + written = 100),
grading carries the submission's text (never the source's model answer) into results with
the status ``needs_manual_grading``, and grades.csv and the feedback page say "needs manual
grading" (never a silent 0) until a person has graded them; then the total is both."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from autograder.check import configuration_problems, make_submission
from autograder.config import ConfigError
from autograder.feedback import feedback_html
from autograder.lms import grades_csv
from autograder.notebook import WrittenCell, load_assignment, written_answers
from autograder.results import PENDING, schema, with_totals
from autograder.submission import read_submission

REPO = Path(__file__).resolve().parents[1]
WRITTEN = Path(__file__).parent / "fixtures" / "written"
SOURCE = WRITTEN / "solutions" / "add" / "add.ipynb"
MODEL_ANSWER = "promotes to float"  # a phrase of the source's model answer
STUDENT_ANSWER = "Because int(0.5) is 0, so the scale must stay a float."


def submission(answer: str | None) -> dict:
    """The solution notebook as a student would submit it, the written answer replaced
    (``None``: the answer cell deleted)."""
    nb = json.loads(make_submission(SOURCE, {}))
    cells = []
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == "written_scale":
            if answer is None:
                continue
            cell["source"] = answer
        cells.append(cell)
    nb["cells"] = cells
    return nb


def test_parser_knows_written_cells_and_counts_their_points():
    a = load_assignment(SOURCE.resolve())
    assert a.written == [WrittenCell("written_scale", 10.0)]
    assert [g.grade_id for g in a.graded] == ["test_add", "test_scale"]  # never run as a test
    assert (a.max_score, a.written_max_score, a.total_max_score) == (90, 10, 100)
    assert configuration_problems(SOURCE) == []


def test_points_check_counts_written_points(tmp_path):
    nb = json.loads(SOURCE.read_text())
    nb["cells"] = [
        c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] != "written_scale"
    ]
    (tmp_path / "add.ipynb").write_text(json.dumps(nb))
    assert "sum to 90" in " ".join(configuration_problems(tmp_path / "add.ipynb"))


@pytest.mark.parametrize(
    "change",
    [{"grade_id": "scale_essay"}, {"solution": False}],
    ids=["grade_id without written_", "not a solution cell"],
)
def test_a_graded_markdown_cell_must_be_a_written_answer(tmp_path, change):
    nb = json.loads(SOURCE.read_text())
    nb["cells"][-1]["metadata"]["nbgrader"].update(change)
    (tmp_path / "add.ipynb").write_text(json.dumps(nb))
    with pytest.raises(ConfigError, match="written_"):
        load_assignment((tmp_path / "add.ipynb").resolve())


def test_the_answer_comes_from_the_submission_never_the_source():
    a = load_assignment(SOURCE.resolve())
    nb = read_submission(json.dumps(submission(STUDENT_ANSWER)).encode())
    assert written_answers(a, nb) == {"written_scale": STUDENT_ANSWER}
    deleted = read_submission(json.dumps(submission(None)).encode())
    assert written_answers(a, deleted) == {"written_scale": None}


def _student(points: float | None, comment: str = "") -> dict:
    return with_totals(
        {
            "student_id": "alice",
            "status": "graded",
            "message": "all tests passed",
            "score": 90.0,
            "tests": [],
            "written": [
                {
                    "grade_id": "written_scale",
                    "max_points": 10.0,
                    "answer": STUDENT_ANSWER,
                    "status": "needs_manual_grading" if points is None else "graded",
                    "points": points,
                    "comment": comment,
                }
            ],
        }
    )


def test_totals_say_needs_manual_grading_until_graded():
    doc = {"assignment": "add", "max_score": 90.0, "total_max_score": 100.0}
    pending, graded = _student(None), _student(7.0, "Names the promotion; no case.")
    assert (pending["manual_score"], pending["total"]) == (None, None)
    assert (graded["manual_score"], graded["total"]) == (7.0, 97.0)
    rows = list(csv.DictReader(grades_csv("add", 90, 100, [pending]).splitlines()))
    assert rows[0]["score"] == "90" and rows[0]["total"] == PENDING
    assert rows[0]["manual_score"] == PENDING and PENDING in rows[0]["message"]
    rows = list(csv.DictReader(grades_csv("add", 90, 100, [graded]).splitlines()))
    assert (rows[0]["manual_score"], rows[0]["total"], rows[0]["total_max_score"]) == (
        "7",
        "97",
        "100",
    )
    page = feedback_html(pending, doc)
    assert (
        f"Total: <strong>{PENDING}</strong>" in page
        and STUDENT_ANSWER.replace("'", "&#x27;") in page
    )
    page = feedback_html(graded, doc)
    assert "Total: <strong>97</strong>" in page and "7 / 10" in page
    assert "Names the promotion; no case." in page


@pytest.mark.slow
def test_grading_carries_the_answer_into_results(tmp_path):
    sub = tmp_path / "submitted"
    for sid, nb in {"alice": submission(STUDENT_ANSWER), "bob": submission(None)}.items():
        (sub / sid / "add").mkdir(parents=True)
        (sub / sid / "add" / "add.ipynb").write_text(json.dumps(nb))
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", "add", str(sub), "--out", str(out),
         "--course", str(WRITTEN)],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    doc = json.loads((out / "results.json").read_text())
    jsonschema.Draft202012Validator(schema()).validate(doc)
    assert (doc["max_score"], doc["total_max_score"]) == (90, 100)
    students = {s["student_id"]: s for s in doc["students"]}
    for sid, answer in (("alice", STUDENT_ANSWER), ("bob", "")):
        s = students[sid]
        assert s["score"] == 90 and s["total"] is None and s["manual_score"] is None
        assert s["written"] == [
            {
                "grade_id": "written_scale",
                "max_points": 10.0,
                "answer": answer,
                "status": "needs_manual_grading",
                "points": None,
                "comment": "",
            }
        ]
    assert MODEL_ANSWER not in (out / "results.json").read_text()
    rows = {r["student_id"]: r for r in csv.DictReader((out / "grades.csv").open())}
    assert rows["alice"]["total"] == PENDING and rows["alice"]["score"] == "90"
    assert PENDING in (out / "feedback" / "alice.html").read_text()


def test_autograded_notebook_carries_the_answer_and_puts_a_deleted_cell_back(tmp_path):
    from autograder.gradebook import autograded_notebook

    release = tmp_path / "course" / "release" / "add"
    release.mkdir(parents=True)
    (release / "add.ipynb").write_text(SOURCE.read_text())  # metadata as released
    for answer, expected in ((STUDENT_ANSWER, STUDENT_ANSWER), (None, "(no answer")):
        (tmp_path / "add.ipynb").write_text(json.dumps(submission(answer)))
        result = {"written": [{"grade_id": "written_scale", "answer": answer or ""}]}
        nb = json.loads(
            autograded_notebook(tmp_path / "add.ipynb", result, "add", tmp_path / "course")
        )
        cells = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
        written = [c for c in cells if c["cell_type"] == "markdown"]
        assert len(written) == 1 and written[0]["source"].startswith(expected)
        assert written[0]["metadata"]["nbgrader"]["points"] == 10
        assert MODEL_ANSWER not in json.dumps(nb)
