"""The integrity corpus: adversarial and faulty submissions get the grade they deserve.

Each ``tests/integrity/<assignment>/<case>.py`` is a submission (the reference notebook
with cells replaced / added / deleted, the same format as mutants, see
``autograder/check.py``) and its ``EXPECT = {grade_id: status or (statuses, ...)}``: those
graded cells score 0 with that status, every other graded cell passes. All cases of an
assignment are graded in ONE run of the real CLI (``--jobs 2``), together with the
solution, the blank notebook and the mutants: the session's ``corpus_results`` run (see
``tests/corpus.py``), which the score table test reads too. The run is checked for what
must never happen: changed course files or other students' files, leftover processes,
hidden tests in feedback, different scores for the same submission.
"""

from __future__ import annotations

import html
import json

import pytest
from corpus import (
    AGAIN,
    CORPUS,
    REPEAT,
    cases,
    grade,
    integrity_variants,
    source,
    write_class,
)

from autograder.check import load_variant, make_submission
from autograder.config import Course
from autograder.notebook import load_assignment

ASSIGNMENTS = Course().assignments()


def test_corpus_size():
    counts = {a: len(cases(a)) for a in ASSIGNMENTS}
    assert sum(counts.values()) >= 25, counts
    for assignment, count in counts.items():
        assert count >= 3, counts
        for case in cases(assignment):
            variant = load_variant(case)
            assert variant["__doc__"], f"{case} needs a docstring saying what it does"
            assert isinstance(variant["EXPECT"], dict), f"{case} needs EXPECT"


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
def test_integrity_corpus(assignment, corpus_results):
    src = source(assignment)
    if not src.exists():
        pytest.fail(f"{src} does not exist")
    graded = load_assignment(src.resolve()).graded
    graded_ids = [g.grade_id for g in graded]
    variants = integrity_variants(assignment)
    run = corpus_results(assignment)
    results = run.results
    print(f"{assignment}: {len(run.students)} submissions graded in {run.seconds:.0f} s")
    problems = expectation_problems(variants, results, graded_ids)
    assert not problems, "\n".join(problems)

    again = results.get(AGAIN)
    if again is not None:
        first = results[f"integrity-{REPEAT}"]
        assert [(t["grade_id"], t["points"], t["status"]) for t in first["tests"]] == [
            (t["grade_id"], t["points"], t["status"]) for t in again["tests"]
        ]

    assert not run.leftover_processes, "processes of a sandbox outlived grading"
    assert not run.leftover_shm, f"shared memory of a sandbox outlived grading: {run.leftover_shm}"
    assert not run.course_changed, "grading changed the course directory"
    assert not run.sandbox_files, f"files created by a sandbox user: {run.sandbox_files[:5]}"
    assert not run.submissions_changed, "grading changed the submissions"
    hidden = [
        line.strip()
        for g in graded
        for line in g.hidden.splitlines()
        if len(line.strip()) > 20 and not line.strip().startswith("#")
    ]
    pages = sorted((run.out / "feedback").glob("*.html"))
    assert len(pages) == len(run.students)
    for page in pages:
        text = page.read_text()
        # a line the student's own notebook also contains (e.g. the same formula) is theirs
        notebook = run.sub / page.stem / assignment / f"{assignment}.ipynb"
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
    (timeout / protocol), and the honest student gets full marks (written answers are graded
    by hand, later)."""
    assignment = "conv"
    src = source(assignment)
    graded_ids = [g.grade_id for g in load_assignment(src.resolve()).graded]
    variants = {
        case.stem: load_variant(case) for case in sorted((CORPUS / assignment / "dos").glob("*.py"))
    }
    assert len(variants) >= 3
    variants["honest"] = {"EXPECT": {}}
    sub = tmp_path / "submitted"
    write_class(
        assignment,
        {sid: (make_submission(src, v), v.get("LINK")) for sid, v in variants.items()},
        sub,
    )
    notebook_timeout = 60
    limits = ["--set", f"notebook_timeout={notebook_timeout}", "--set", "test_timeout=8"]
    limits += ["--set", "cell_timeout=10", "--set", "memory_mb=2048"]
    results, seconds, stdout = grade(assignment, sub, tmp_path / "out", limits)
    print(f"{len(variants)} submissions graded in {seconds:.0f} s\n{stdout}")
    problems = expectation_problems(variants, results, graded_ids)
    assert not problems, "\n".join(problems)
    honest = results["honest"]
    assert honest["score"] == honest["max_score"] > 0  # full marks (the automatic part)
    # two jobs, four submissions: at worst two rounds, each bounded by the notebook limit;
    # the attacks themselves cost 2 x test_timeout at most
    assert seconds < notebook_timeout + 45, seconds
