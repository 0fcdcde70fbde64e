"""Every known submission of an assignment, written as a class and graded in ONE run of the
real CLI: the solution, the released blank notebook, every mutant and every integrity case.

The one place that writes such a class and grades it. ``tests/conftest.py`` grades each
assignment's corpus once per pytest session (``corpus_results``); the integrity test
checks each case's ``EXPECT`` and what must never happen (changed course files or
submissions, leftover processes or shared memory, hidden tests in feedback) against that
run, and the score table test compares it with ``tests/score_table.json``, which
``tests/score_table.py`` records from the same kind of run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.check import load_variant, make_submission

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "integrity"
# Tighter than the notebooks' own limits so that the cases that hang cost less time;
# still far above what correct code needs.
_SMALL = ["--set", "test_timeout=40", "--set", "cell_timeout=15", "--set", "memory_mb=2048"]
LIMITS: dict[str, list[str]] = {"conv": _SMALL, "detection": _SMALL, "yolo": _SMALL}
REPEAT = "styles_and_warnings"  # graded twice in the same run: the scores must be identical
AGAIN = f"integrity-{REPEAT}-again"

# These grading runs use their own sandbox uids, so that another grading run on the machine
# at the same time is not mistaken for a leftover.
UID_BASE = 61000 + 64 * (os.getpid() % 40 + 8)
ENV = {**os.environ, "AUTOGRADER_UID_BASE": str(UID_BASE)}

#: {student id: (notebook text, path relative to the repository to link to, or None)}
Class = dict[str, tuple[str, str | None]]


def source(assignment: str) -> Path:
    return REPO / "solutions" / assignment / f"{assignment}.ipynb"


def cases(assignment: str) -> list[Path]:
    return sorted((CORPUS / assignment).glob("*.py"))


def integrity_variants(assignment: str) -> dict[str, dict]:
    """{student id: variant} of the integrity cases, as the corpus run names them."""
    return {f"integrity-{case.stem}": load_variant(case) for case in cases(assignment)}


def submissions(assignment: str) -> Class:
    """Every known submission: solution, blank, mutants, integrity cases (REPEAT twice)."""
    src = source(assignment)
    out: Class = {"solution": (make_submission(src, {}), None)}
    blank = REPO / "exercises" / assignment / f"{assignment}.ipynb"
    out["blank"] = (blank.read_text(), None)
    for path in sorted((REPO / "solutions" / assignment / "mutants").glob("*.py")):
        out[f"mutant-{path.stem}"] = (make_submission(src, load_variant(path)), None)
    for sid, variant in integrity_variants(assignment).items():
        out[sid] = (make_submission(src, variant), variant.get("LINK"))
    if f"integrity-{REPEAT}" in out:
        out[AGAIN] = out[f"integrity-{REPEAT}"]
    return out


def write_class(assignment: str, students: Class, sub: Path) -> None:
    """One submission folder per student, nbgrader's layout; a LINK case is a symlink."""
    for sid, (text, link) in students.items():
        folder = sub / sid / assignment
        folder.mkdir(parents=True)
        notebook = folder / f"{assignment}.ipynb"
        if link:
            notebook.symlink_to(REPO / link)
        else:
            notebook.write_text(text)


def grade(
    assignment: str, sub: Path, out: Path, limits: list[str], *extra: str
) -> tuple[dict[str, dict], float, str]:
    """``autograder grade`` (``--jobs 2``): {student id: result}, seconds, stdout."""
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", assignment, str(sub)]
        + ["--out", str(out), "--jobs", "2", *limits, *extra],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ENV,
    )
    seconds = time.monotonic() - start
    if run.returncode != 0:
        raise RuntimeError(run.stdout + run.stderr)
    return read_results(out), seconds, run.stdout


def read_results(out: Path) -> dict[str, dict]:
    doc = json.loads((out / "results.json").read_text())
    return {s["student_id"]: s for s in doc["students"]}


def tree_digest(*roots: Path) -> str:
    h = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and ".hypothesis" not in path.parts
            ):
                h.update(str(path).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def course_roots(assignment: str) -> list[Path]:
    """What a submission would most like to change (narrowed to this assignment, so that a
    maintainer editing another notebook during the run is not taken for the sandbox)."""
    return [
        REPO / "autograder",
        REPO / "solutions" / assignment,
        REPO / "exercises" / assignment,
        REPO / "convnets",
        CORPUS / assignment,
    ]


def sandbox_processes() -> list[str]:
    """Processes still running as one of these runs' sandbox users."""
    out = subprocess.run(["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True).stdout
    return [
        line
        for line in out.splitlines()
        if line.split() and UID_BASE <= int(line.split()[0]) < UID_BASE + 64
    ]


def sandbox_shm_segments() -> list[str]:
    """System V shared memory segments a sandbox user created (what `ipcs -m` lists)."""
    shm = Path("/proc/sysvipc/shm")
    lines = shm.read_text().splitlines()[1:] if shm.exists() else []
    return [line for line in lines if UID_BASE <= int(line.split()[9]) < UID_BASE + 64]  # cuid


def sandbox_owned_files() -> list[Path]:
    """Files in the checkout that a sandbox user created."""
    return [
        p
        for top in REPO.iterdir()
        if top.name not in (".venv", "_build", ".git")
        for p in ([top] + (list(top.rglob("*")) if top.is_dir() else []))
        if UID_BASE <= p.lstat().st_uid < UID_BASE + 64
    ]


@dataclass
class CorpusRun:
    """One graded corpus, and what the run left behind."""

    assignment: str
    sub: Path
    out: Path
    students: Class
    results: dict[str, dict]
    seconds: float
    stdout: str
    course_changed: bool
    submissions_changed: bool
    leftover_processes: list[str] = field(default_factory=list)
    leftover_shm: list[str] = field(default_factory=list)
    sandbox_files: list[Path] = field(default_factory=list)


def run_corpus(assignment: str, tmp: Path) -> CorpusRun:
    """Write every known submission of ``assignment`` under ``tmp`` and grade them once."""
    students = submissions(assignment)
    sub, out = tmp / "submitted", tmp / "out"
    write_class(assignment, students, sub)
    roots = course_roots(assignment)
    course_before, sub_before = tree_digest(*roots), tree_digest(sub)
    results, seconds, stdout = grade(assignment, sub, out, LIMITS.get(assignment, []))
    time.sleep(1)
    return CorpusRun(
        assignment=assignment,
        sub=sub,
        out=out,
        students=students,
        results=results,
        seconds=seconds,
        stdout=stdout,
        course_changed=tree_digest(*roots) != course_before,
        submissions_changed=tree_digest(sub) != sub_before,
        leftover_processes=sandbox_processes(),
        leftover_shm=sandbox_shm_segments(),
        sandbox_files=sandbox_owned_files(),
    )


def table_rows(results: dict[str, dict]) -> dict[str, dict]:
    """The score table's rows: status, score and, per graded cell, ``[points, status]``."""
    return {
        sid: {
            "status": s["status"],
            "score": s["score"],
            "cells": {t["grade_id"]: [t["points"], t["status"]] for t in s["tests"]},
        }
        for sid, s in results.items()
        if sid != AGAIN
    }
