"""The score of every known submission, per graded cell, through the real CLI.

Every solution, blank notebook (``exercises/``), mutant and integrity case of an
assignment is graded in one run of ``autograder grade`` (``--jobs 2``, the integrity
corpus's limits); the table maps each to its submission status and, per graded cell,
``[points, status]``. ``tests/score_table.json`` holds the table recorded before the
grader-only helpers (issue 15) moved code out of the hidden parts, and
``tests/test_score_table.py`` grades again and compares.

    .venv/bin/python tests/score_table.py conv detection     # re-record those assignments
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder.check import load_variant, make_submission  # noqa: E402

TABLE = Path(__file__).with_name("score_table.json")
CORPUS = Path(__file__).parent / "integrity"
LIMITS = {
    "conv": ["--set", "test_timeout=40", "--set", "cell_timeout=15", "--set", "memory_mb=2048"],
    "detection": [
        "--set",
        "test_timeout=40",
        "--set",
        "cell_timeout=15",
        "--set",
        "memory_mb=2048",
    ],
    "transfer": [],
}


def submissions(assignment: str) -> dict[str, tuple[str, str | None]]:
    """{student id: (notebook text, path to link to or None)} for every known submission."""
    source = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    out: dict[str, tuple[str, str | None]] = {"solution": (make_submission(source, {}), None)}
    blank = REPO / "exercises" / assignment / f"{assignment}.ipynb"
    out["blank"] = (blank.read_text(), None)
    for path in sorted((REPO / "solutions" / assignment / "mutants").glob("*.py")):
        out[f"mutant-{path.stem}"] = (make_submission(source, load_variant(path)), None)
    for path in sorted((CORPUS / assignment).glob("*.py")):
        variant = load_variant(path)
        out[f"integrity-{path.stem}"] = (make_submission(source, variant), variant.get("LINK"))
    return out


def grade(assignment: str) -> dict[str, dict]:
    """Grade every known submission with the real CLI; the table's rows for this assignment."""
    with tempfile.TemporaryDirectory(prefix=f"score-table-{assignment}-") as tmp:
        sub = Path(tmp) / "submitted"
        for sid, (text, link) in submissions(assignment).items():
            folder = sub / sid / assignment
            folder.mkdir(parents=True)
            notebook = folder / f"{assignment}.ipynb"
            if link:
                notebook.symlink_to(REPO / link)
            else:
                notebook.write_text(text)
        out = Path(tmp) / "out"
        env = {**os.environ, "AUTOGRADER_UID_BASE": str(61000 + 64 * (os.getpid() % 40 + 50))}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "autograder.cli",
                "grade",
                assignment,
                str(sub),
                "--out",
                str(out),
                "--jobs",
                "2",
                *LIMITS[assignment],
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=env,
        )
        if run.returncode != 0:
            raise RuntimeError(run.stdout + run.stderr)
        doc = json.loads((out / "results.json").read_text())
    return {
        s["student_id"]: {
            "status": s["status"],
            "score": s["score"],
            "cells": {t["grade_id"]: [t["points"], t["status"]] for t in s["tests"]},
        }
        for s in doc["students"]
    }


def differences(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """What changed between two tables of one assignment, one line per cell."""
    lines = [
        f"{sid}: only in the {'recorded' if sid in old else 'new'} table"
        for sid in sorted(set(old) ^ set(new))
    ]
    for sid in sorted(set(old) & set(new)):
        a, b = old[sid], new[sid]
        if a["status"] != b["status"]:
            lines.append(f"{sid}: submission {a['status']} -> {b['status']}")
        for gid in sorted(set(a["cells"]) | set(b["cells"])):
            if a["cells"].get(gid) != b["cells"].get(gid):
                lines.append(f"{sid}: {gid} {a['cells'].get(gid)} -> {b['cells'].get(gid)}")
    return lines


def main(assignments: list[str]) -> int:
    table = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    for assignment in assignments:
        table[assignment] = grade(assignment)
        print(f"{assignment}: {len(table[assignment])} submissions recorded")
    TABLE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["conv", "detection"]))
