"""``autograder check``: the hidden tests are worth trusting.

For each assignment: the solution scores full marks, the blank student notebook scores 0
without a grader error, and every mutant (``solutions/<a>/mutants/*.py``) loses points on
each graded cell its ``FAILS`` names.

A variant file (mutant or integrity case) is Python with a docstring saying what it is and
top-level assignments: ``CELLS = {grade_id: source}`` replaces solution cells;
optionally ``ADDED = [(after_grade_id_or_None, source), ...]`` adds cells the student
wrote, ``DROP = [grade_id, ...]`` deletes cells, ``EDIT = {grade_id: source}`` edits any
cell (e.g. a test cell); ``FAILS = [grade_id, ...]`` (mutants) and, for integrity cases,
``EXPECT = {grade_id: status}`` (every other graded cell must pass); ``LINK = "path"`` makes
the submitted notebook a symbolic link to that path (relative to the course root) and
``SUBMISSION_STATUS`` is then the submission's expected status (default ``graded``).
"""

from __future__ import annotations

import copy
import json
import sys
import tempfile
import time
from pathlib import Path

from autograder.checks import weight_problems
from autograder.config import COURSE_DIR, ConfigError, Course, points_problem
from autograder.notebook import load_assignment


def load_variant(path: Path) -> dict:
    ns: dict = {"__name__": f"variant_{path.stem}", "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), ns)  # noqa: S102 - instructor-written file
    return {
        k: ns.get(k)
        for k in (
            "__doc__",
            "CELLS",
            "ADDED",
            "DROP",
            "EDIT",
            "FAILS",
            "EXPECT",
            "RAW",
            "LINK",
            "SUBMISSION_STATUS",
        )
    }


def make_submission(source: Path, variant: dict) -> str:
    """The source notebook with the variant's changes, as notebook JSON text."""
    if variant.get("RAW") is not None:
        return variant["RAW"]
    nb = json.loads(source.read_text())
    replace = {**(variant.get("CELLS") or {}), **(variant.get("EDIT") or {})}
    drop = set(variant.get("DROP") or [])
    cells = []
    for cell in nb["cells"]:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid in drop:
            continue
        if gid in replace:
            cell = copy.deepcopy(cell)
            cell["source"] = replace[gid]
        cells.append(cell)
    for after, src in variant.get("ADDED") or []:
        new = {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": src,
        }
        if after is None:
            cells.append(new)
            continue
        where = next(
            (
                i
                for i, c in enumerate(cells)
                if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == after
            ),
            None,
        )
        cells.insert(len(cells) if where is None else where + 1, new)
    nb["cells"] = cells
    return json.dumps(nb, indent=1)


def configuration_problems(source: Path) -> list[str]:
    """What is wrong with an assignment's configuration, each naming the key or cell."""
    try:
        assignment = load_assignment(source)
    except ConfigError as exc:
        return [str(exc)]
    problems = [p for p in [points_problem(assignment.all_points())] if p]
    return problems + weight_problems(assignment)


def _grade_dir(
    assignment: str, entries: dict[str, str], out: Path, jobs: int, course: Path
) -> dict:
    from autograder.batch import grade_all

    sub = out / "submitted"
    for sid, text in entries.items():
        folder = sub / sid / assignment
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{assignment}.ipynb").write_text(text)
    rc = grade_all(
        assignment, sub, out / "graded", jobs=jobs, course=course, log=lambda *a, **k: None
    )
    if rc != 0:
        raise RuntimeError(f"grading {assignment} failed to run (exit {rc})")
    doc = json.loads((out / "graded" / "results.json").read_text())
    return {s["student_id"]: s for s in doc["students"]}


def check_assignment(assignment: str, course: Path, jobs: int = 2) -> list[tuple[str, bool, str]]:
    """Rows of (what, ok, detail)."""
    source, blank = Course(course).source(assignment), Course(course).blank(assignment)
    problems = configuration_problems(source)
    rows: list[tuple[str, bool, str]] = [
        (
            f"{assignment}: configuration (limits, points sum to 100, checks' weights)",
            not problems,
            "; ".join(problems),
        )
    ]
    if problems:
        return rows
    entries = {"solution": make_submission(source, {})}
    if blank.exists():
        entries["blank"] = blank.read_text()
    mutants = Course(course).mutants(assignment)
    variants = {f"mutant-{m.stem}": load_variant(m) for m in mutants}
    for name, variant in variants.items():
        entries[name] = make_submission(source, variant)
    with tempfile.TemporaryDirectory(prefix=f"autograder-check-{assignment}-") as tmp:
        results = _grade_dir(assignment, entries, Path(tmp), jobs, course)
    sol = results["solution"]
    bad = [
        f"{t['grade_id']}: {t['status']}: {t['message'][:200]}"
        for t in sol["tests"]
        if t["status"] != "passed"
    ]
    rows.append(
        (
            f"{assignment}: solution scores {sol['score']:g}/{sol['max_score']:g}",
            sol["score"] == sol["max_score"] and sol["status"] == "graded",
            "; ".join(bad),
        )
    )
    if "blank" in results:
        b = results["blank"]
        errors = [t["grade_id"] for t in b["tests"] if t.get("hidden_test_error")]
        rows.append(
            (
                f"{assignment}: blank notebook scores {b['score']:g}",
                b["score"] == 0 and b["status"] == "graded" and not errors,
                f"grader errors in {errors}" if errors else "",
            )
        )
    else:
        rows.append(
            (f"{assignment}: blank notebook", False, f"{blank} is missing: run autograder release")
        )
    for name, variant in variants.items():
        r = results[name]
        statuses = {t["grade_id"]: t["status"] for t in r["tests"]}
        fails = list(variant.get("FAILS") or [])
        kept = [g for g in fails if statuses.get(g) == "passed" or g not in statuses]
        rows.append(
            (
                f"{assignment}: {name} scores {r['score']:g} (must lose {', '.join(fails)})",
                bool(fails) and not kept and r["status"] == "graded",
                f"still passes {kept}" if kept else "",
            )
        )
    return rows


def check(assignments: list[str] | None = None, jobs: int = 2, course: Path | None = None) -> int:
    course = (course or COURSE_DIR).resolve()
    names = assignments or Course(course).assignments()
    if not names:
        print("autograder check: no assignments in solutions/", file=sys.stderr)
        return 1
    failures = 0
    for name in names:
        start = time.monotonic()
        try:
            rows = check_assignment(name, course, jobs)
        except Exception as exc:  # noqa: BLE001 - report and go on with the next assignment
            rows = [(f"{name}: check could not run", False, f"{type(exc).__name__}: {exc}")]
        for what, ok, detail in rows:
            failures += not ok
            note = f"  -- {detail}" if detail and not ok else ""
            print(f"{'ok  ' if ok else 'FAIL'}  {what}{note}")
        print(f"      {name}: {time.monotonic() - start:.1f} s")
    print("autograder check:", "all good" if not failures else f"{failures} problem(s)")
    return 1 if failures else 0
