"""`autograder grade` end to end on the toy assignment, through the real CLI.

Bad input of every kind gets a status and a message, the others are still graded, the
course directory does not change, feedback never shows hidden tests, reruns resume.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.check import make_submission
from autograder.notebook import load_assignment

REPO = Path(__file__).resolve().parents[1]
COURSE = Path(__file__).parent / "fixtures" / "course"
TOY = COURSE / "solutions" / "add" / "add.ipynb"
AUTOGRADER = [sys.executable, "-m", "autograder.cli"]

VARIANTS = {
    "good": {},
    "wrong": {"CELLS": {"add_solution": "def add(a, b):\n    return np.subtract(a, b)"}},
    "torch": {
        "CELLS": {
            "add_solution": "import torch\ndef add(a, b):\n"
            "    return torch.add(torch.tensor(a), torch.tensor(b)).numpy()"
        }
    },
    "no_scale_cell": {"DROP": ["scale_solution"]},
    "tests_edited": {
        "EDIT": {"test_add": "pass", "test_scale": "assert True"},
        "DROP": ["test_scale"],
        "CELLS": {"scale_solution": "def scale(x, k):\n    return x"},
    },
    "dies_at_import": {
        "CELLS": {"add_solution": "import os\nos._exit(0)\ndef add(a, b):\n    return a + b"}
    },
}


def tree_digest(*roots: Path) -> str:
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def build_submissions(root: Path, variants: dict[str, dict]) -> Path:
    sub = root / "submitted"
    for sid, variant in variants.items():
        folder = sub / sid / "add"
        folder.mkdir(parents=True)
        (folder / "add.ipynb").write_text(make_submission(TOY, variant))
    return sub


def grade(sub: Path, out: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*AUTOGRADER, "grade", "add", str(sub), "--out", str(out), "--course", str(COURSE), *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ENV,
        **kw,
    )


# This test's grading runs use their own sandbox uids, so that another grading run on the
# machine at the same time is not mistaken for a leftover.
UID_BASE = 61000 + 64 * (os.getpid() % 40 + 8)
ENV = {**os.environ, "AUTOGRADER_UID_BASE": str(UID_BASE)}


def sandbox_processes() -> list[str]:
    """Processes still running as one of this test's sandbox users."""
    out = subprocess.run(["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if line.split() and UID_BASE <= int(line.split()[0]) < UID_BASE + 64
    ]


@pytest.mark.slow
def test_grade_bad_input_and_resume(tmp_path):
    sub = build_submissions(tmp_path, VARIANTS)
    (sub / "empty" / "add").mkdir(parents=True)
    (sub / "empty" / "add" / "add.ipynb").write_text("")
    (sub / "garbage" / "add").mkdir(parents=True)
    (sub / "garbage" / "add" / "add.ipynb").write_text('{"cells": [')
    other = json.loads(make_submission(TOY, {}))
    other["metadata"]["autograder"]["assignment"] = "conv"
    (sub / "other_assignment" / "add").mkdir(parents=True)
    (sub / "other_assignment" / "add" / "add.ipynb").write_text(json.dumps(other))
    (sub / "no_notebook" / "add").mkdir(parents=True)
    # links to what the student must not submit: the source notebook, a folder holding it
    (sub / "linked_file" / "add").mkdir(parents=True)
    (sub / "linked_file" / "add" / "add.ipynb").symlink_to(TOY)
    (sub / "linked_folder").mkdir()
    (sub / "linked_folder" / "add").symlink_to(TOY.parent)
    (sub / "linked_student").symlink_to(TOY.parent.parent)
    before = tree_digest(REPO / "autograder", COURSE, REPO / "solutions", REPO / "exercises")
    sub_before = tree_digest(sub)
    out = tmp_path / "out"

    run = grade(sub, out, "--jobs", "2")
    assert run.returncode == 0, run.stderr + run.stdout
    rows = {r["student_id"]: r for r in csv.DictReader((out / "grades.csv").open())}
    links = {"linked_file", "linked_folder", "linked_student"}
    assert (
        set(rows) == set(VARIANTS) | {"empty", "garbage", "other_assignment", "no_notebook"} | links
    )
    for sid in links:
        assert rows[sid]["status"] == "invalid_notebook" and float(rows[sid]["score"]) == 0, rows[
            sid
        ]
        assert "link" in rows[sid]["message"], rows[sid]
    # scores and students' code are the instructor's alone
    for path in [out, *out.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))
    score = {sid: float(r["score"]) for sid, r in rows.items()}
    assert score["good"] == 100 and score["tests_edited"] == 60
    assert score["wrong"] == 40 and score["torch"] == 40 and score["no_scale_cell"] == 60
    assert rows["empty"]["status"] == "invalid_notebook" and "empty" in rows["empty"]["message"]
    assert rows["garbage"]["status"] == "invalid_notebook" and "JSON" in rows["garbage"]["message"]
    assert rows["other_assignment"]["status"] == "wrong_assignment"
    assert rows["no_notebook"]["status"] == "invalid_notebook"
    results = {
        s["student_id"]: s for s in json.loads((out / "results.json").read_text())["students"]
    }
    tests = {sid: {t["grade_id"]: t for t in s["tests"]} for sid, s in results.items()}
    assert (
        tests["torch"]["test_add"]["status"] == "forbidden"
        and "torch" in tests["torch"]["test_add"]["message"]
    )
    assert tests["no_scale_cell"]["test_scale"]["status"] == "missing"
    assert tests["wrong"]["test_add"]["status"] == "failed"
    # the kernel died while running the cell that defines add: add is missing, scale still graded
    assert tests["dies_at_import"]["test_add"]["status"] == "missing"
    assert tests["dies_at_import"]["test_scale"]["status"] == "passed"
    assert (
        all(s["isolation"] == "namespaces" for s in results.values() if s["status"] == "graded")
        or os.geteuid()
    )

    hidden_lines = [
        line.strip()
        for g in load_assignment(TOY.resolve()).graded
        for line in g.hidden.splitlines()
        if len(line.strip()) > 12
    ]
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text()
        import html

        for line in hidden_lines:
            assert line not in text and html.escape(line) not in text, (page.name, line)
    assert (out / "feedback" / "wrong.html").exists()
    assert "np.subtract" in (out / "feedback" / "wrong.html").read_text()  # the student's own code

    assert (
        tree_digest(REPO / "autograder", COURSE, REPO / "solutions", REPO / "exercises") == before
    )
    assert tree_digest(sub) == sub_before
    assert not sandbox_processes()

    stamps = {p.name: p.stat().st_mtime_ns for p in (out / "students").glob("*.json")}
    again = grade(sub, out, "--jobs", "2")
    assert again.returncode == 0 and "grading 0 with" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in (out / "students").glob("*.json")} == stamps
    assert {r["student_id"]: r["score"] for r in csv.DictReader((out / "grades.csv").open())} == {
        sid: r["score"] for sid, r in rows.items()
    }


@pytest.mark.slow
def test_single_file_and_grader_errors(tmp_path):
    nb = tmp_path / "alice.ipynb"
    nb.write_text(make_submission(TOY, {}))
    run = grade(nb, tmp_path / "out")
    assert run.returncode == 0, run.stderr
    assert "alice,add,100,100,graded" in (tmp_path / "out" / "grades.csv").read_text()
    missing = subprocess.run(
        [
            *AUTOGRADER,
            "grade",
            "nosuch",
            str(nb),
            "--out",
            str(tmp_path / "o2"),
            "--course",
            str(COURSE),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert missing.returncode != 0 and "no source notebook" in missing.stderr


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_resumes_without_loss_or_double_grading(tmp_path, sig):
    slow = {
        "CELLS": {
            "scale_solution": "import time\ntime.sleep(1.5)\n"
            "def scale(x, k):\n    return np.asarray(x) * k"
        }
    }
    sub = build_submissions(tmp_path, {f"s{i}": slow for i in range(5)})
    out = tmp_path / "out"
    # As typed at a terminal: a shell script's background job (CI started with `&`) inherits
    # SIGINT ignored, and Python then installs no KeyboardInterrupt handler; Ctrl-C needs it.
    proc = subprocess.Popen(
        [*AUTOGRADER, "grade", "add", str(sub), "--out", str(out), "--course", str(COURSE)],
        cwd=REPO,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len(list((out / "students").glob("*.json"))) < 1:
        time.sleep(0.2)
    time.sleep(1.0)  # in the middle of the next submission
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode != 0, stdout + stderr
    done = {p.name: p.stat().st_mtime_ns for p in (out / "students").glob("*.json")}
    assert 1 <= len(done) < 5
    time.sleep(1)
    assert not sandbox_processes()
    with (out / "grades.csv").open() as f:  # consistent with what finished
        assert {r["student_id"] + ".json" for r in csv.DictReader(f)} == set(done)

    again = grade(sub, out)
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} already graded" in again.stdout
    for name, stamp in done.items():
        assert (out / "students" / name).stat().st_mtime_ns == stamp  # not graded twice
    rows = list(csv.DictReader((out / "grades.csv").open()))
    assert sorted(r["student_id"] for r in rows) == [f"s{i}" for i in range(5)]
    assert all(r["score"] == "100" for r in rows)
    assert len(json.loads((out / "results.json").read_text())["students"]) == 5
