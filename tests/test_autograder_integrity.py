"""The integrity corpus: adversarial and faulty submissions get the grade they deserve.

Each ``tests/integrity/<assignment>/<case>.py`` is a submission (the reference notebook
with cells replaced / added / deleted, the same format as mutants, see
``autograder/check.py``) and its ``EXPECT = {grade_id: status or (statuses, ...)}``: those
graded cells score 0 with that status, every other graded cell passes. All cases of an
assignment are graded in ONE run of the real CLI (``--jobs 2``), in temporary directories,
then the run is checked for what must never happen: changed course files or other
students' files, leftover processes, hidden tests in feedback, different scores for the
same submission.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.check import load_variant, make_submission
from autograder.config import Course
from autograder.notebook import load_assignment

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "integrity"
ASSIGNMENTS = Course().assignments()
# Tighter than the notebooks' own limits so that the cases that hang cost less time;
# still far above what correct code needs.
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
REPEAT = "styles_and_warnings"  # graded twice in the same run: the scores must be identical


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


def sandbox_shm_segments() -> list[str]:
    """System V shared memory segments a sandbox user created (what `ipcs -m` lists)."""
    lines = (
        Path("/proc/sysvipc/shm").read_text().splitlines()[1:]
        if Path("/proc/sysvipc/shm").exists()
        else []
    )
    return [
        line for line in lines if UID_BASE <= int(line.split()[9]) < UID_BASE + 64
    ]  # column cuid


def cases(assignment: str) -> list[Path]:
    return sorted((CORPUS / assignment).glob("*.py"))


def test_corpus_size():
    counts = {a: len(cases(a)) for a in ASSIGNMENTS}
    assert sum(counts.values()) >= 25, counts
    for assignment, count in counts.items():
        assert count >= 3, counts
        for case in cases(assignment):
            variant = load_variant(case)
            assert variant["__doc__"], f"{case} needs a docstring saying what it does"
            assert isinstance(variant["EXPECT"], dict), f"{case} needs EXPECT"


def write_class(source: Path, variants: dict[str, dict], sub: Path, assignment: str) -> None:
    """One submission folder per variant (nbgrader's layout); a LINK variant is a symlink."""
    for sid, variant in variants.items():
        for copy in [sid, f"{sid}-again"] if sid == REPEAT else [sid]:
            folder = sub / copy / assignment
            folder.mkdir(parents=True)
            notebook = folder / f"{assignment}.ipynb"
            if variant.get("LINK"):
                notebook.symlink_to(REPO / variant["LINK"])
            else:
                notebook.write_text(make_submission(source, variant))


def grade_class(
    assignment: str, sub: Path, out: Path, limits: list[str]
) -> tuple[dict, float, str]:
    start = time.monotonic()
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
            *limits,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=ENV,
    )
    seconds = time.monotonic() - start
    assert run.returncode == 0, run.stdout + run.stderr
    results = {
        s["student_id"]: s for s in json.loads((out / "results.json").read_text())["students"]
    }
    return results, seconds, run.stdout


def expectation_problems(
    variants: dict[str, dict], results: dict, graded_ids: list[str]
) -> list[str]:
    """Each case's EXPECT against its result: the named cells lose with that status, the rest
    pass."""
    problems = []
    for sid, variant in variants.items():
        result = results[sid]
        wanted_status = variant.get("SUBMISSION_STATUS") or "graded"
        if result["status"] != wanted_status:
            problems.append(
                f"{sid}: submission status {result['status']} (expected {wanted_status}): "
                f"{result['message']}"
            )
            continue
        if wanted_status != "graded":
            if result["score"] != 0:
                problems.append(f"{sid}: {wanted_status} but scored {result['score']}")
            continue
        tests = {t["grade_id"]: t for t in result["tests"]}
        assert set(tests) == set(graded_ids)
        expect = variant["EXPECT"] or {}
        assert set(expect) <= set(graded_ids), (
            f"{sid}: unknown grade ids {set(expect) - set(graded_ids)}"
        )
        for gid, test in tests.items():
            allowed = expect.get(gid, "passed")
            allowed = (allowed,) if isinstance(allowed, str) else tuple(allowed)
            if test["status"] not in allowed:
                problems.append(
                    f"{sid}: {gid} is {test['status']} (expected {' or '.join(allowed)}): "
                    f"{test['message'][:300]} {test.get('detail', '')[-300:]}"
                )
            if test["status"] != "passed" and (test["points"] != 0 or not test["message"]):
                problems.append(f"{sid}: {gid} has points or no message")
            if len(test["message"]) > 2000:
                problems.append(f"{sid}: {gid}'s message is {len(test['message'])} characters long")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_integrity_corpus(assignment, tmp_path):
    source = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    if not source.exists():
        pytest.fail(f"{source} does not exist")
    graded_ids = [g.grade_id for g in load_assignment(source.resolve()).graded]
    variants = {case.stem: load_variant(case) for case in cases(assignment)}
    sub = tmp_path / "submitted"
    write_class(source, variants, sub, assignment)
    # what a submission would most like to change (narrowed to this assignment, so that a
    # maintainer editing another notebook during the run is not taken for the sandbox)
    course_roots = [
        REPO / "autograder",
        REPO / "solutions" / assignment,
        REPO / "exercises" / assignment,
        REPO / "convnets",
        CORPUS / assignment,
    ]
    course_before = tree_digest(*course_roots)
    sub_before = tree_digest(sub)
    out = tmp_path / "out"
    results, seconds, stdout = grade_class(assignment, sub, out, LIMITS[assignment])
    print(f"{assignment}: {len(variants)} cases graded in {seconds:.0f} s\n{stdout}")
    problems = expectation_problems(variants, results, graded_ids)
    assert not problems, "\n".join(problems)

    again = results.get(f"{REPEAT}-again")
    if again is not None:
        first = results[REPEAT]
        assert [(t["grade_id"], t["points"], t["status"]) for t in first["tests"]] == [
            (t["grade_id"], t["points"], t["status"]) for t in again["tests"]
        ]

    time.sleep(1)
    assert not sandbox_processes(), "processes of a sandbox outlived grading"
    assert not sandbox_shm_segments(), (
        f"shared memory of a sandbox outlived grading: {sandbox_shm_segments()}"
    )
    assert tree_digest(*course_roots) == course_before, "grading changed the course directory"
    owned = [
        p
        for p in REPO.iterdir()
        if p.name not in (".venv", "_build", ".git")
        for p in ([p] + (list(p.rglob("*")) if p.is_dir() else []))
        if UID_BASE <= p.lstat().st_uid < UID_BASE + 64
    ]
    assert not owned, f"files created by a sandbox user: {owned[:5]}"
    assert tree_digest(sub) == sub_before, "grading changed the submissions"
    hidden = [
        line.strip()
        for g in load_assignment(source.resolve()).graded
        for line in g.hidden.splitlines()
        if len(line.strip()) > 20 and not line.strip().startswith("#")
    ]
    for page in (out / "feedback").glob("*.html"):
        text = page.read_text()
        # a line the student's own notebook also contains (e.g. the same formula) is theirs
        notebook = sub / page.stem / assignment / f"{assignment}.ipynb"
        own = "" if notebook.is_symlink() else notebook.read_text()
        leaked = [
            line
            for line in hidden
            if (line in text or html.escape(line) in text) and json.dumps(line)[1:-1] not in own
        ]
        assert not leaked, (page.name, leaked[:3])


@pytest.mark.slow
def test_denial_of_service_costs_one_submission(tmp_path):
    """A class with the hostile-channel cases of tests/integrity/conv/dos/ (trickling
    frame, 64 MiB reply, injected reply) and an honest student, graded with --jobs 2: the
    run ends within the notebook limit plus a margin, each attack costs its own tests only
    (timeout / protocol), and the honest student gets full marks."""
    assignment = "conv"
    source = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    graded_ids = [g.grade_id for g in load_assignment(source.resolve()).graded]
    variants = {
        case.stem: load_variant(case) for case in sorted((CORPUS / assignment / "dos").glob("*.py"))
    }
    assert len(variants) >= 3
    variants["honest"] = {"EXPECT": {}}
    sub = tmp_path / "submitted"
    write_class(source, variants, sub, assignment)
    notebook_timeout = 60
    results, seconds, stdout = grade_class(
        assignment,
        sub,
        tmp_path / "out",
        [
            "--set",
            f"notebook_timeout={notebook_timeout}",
            "--set",
            "test_timeout=8",
            "--set",
            "cell_timeout=10",
            "--set",
            "memory_mb=2048",
        ],
    )
    print(f"{len(variants)} submissions graded in {seconds:.0f} s\n{stdout}")
    problems = expectation_problems(variants, results, graded_ids)
    assert not problems, "\n".join(problems)
    assert results["honest"]["score"] == 100
    # two jobs, four submissions: at worst two rounds, each bounded by the notebook limit;
    # the attacks themselves cost 2 x test_timeout at most
    assert seconds < notebook_timeout + 45, seconds
