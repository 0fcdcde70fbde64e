"""Grading throughput, ``--jobs 1`` against ``--jobs 2`` (issue: "Scale"; not a timed test).

``python -m autograder.bench [--assignment conv] [--n 20]`` grades the same N submissions
(the solution and the mutants, round robin) twice through the real CLI and prints the
wall times and the speed-up; ``measure()`` returns them for ``make bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.check import load_variant, make_submission
from autograder.sandbox import COURSE_DIR


def solution_namespace(assignment: str, course: Path = COURSE_DIR) -> dict:
    """The hidden solution's names (locked and solution cells of the source, run here).

    For benchmarks that time the reference solution outside a grading run.
    """
    from autograder.grade import _build_solution, source_notebook
    from autograder.notebook import load_assignment

    return _build_solution(load_assignment(source_notebook(assignment, course)))


def _submissions(assignment: str, n: int, folder: Path, course: Path) -> Path:
    source = course / "solutions" / assignment / f"{assignment}.ipynb"
    variants = [{}] + [load_variant(m) for m in sorted((source.parent / "mutants").glob("*.py"))]
    sub = folder / "submitted"
    for i in range(n):
        target = sub / f"student{i:02d}" / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(make_submission(source, variants[i % len(variants)]))
    return sub


def measure(assignment: str = "conv", n: int = 20, jobs: tuple[int, ...] = (1, 2),
            course: Path = COURSE_DIR) -> dict:
    """Wall seconds per --jobs value on the same n submissions, and the speed-up."""
    result: dict = {"assignment": assignment, "submissions": n, "cpus": os.cpu_count(),
                    "load_before": os.getloadavg()[0], "seconds": {}}
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as tmp:
        sub = _submissions(assignment, n, Path(tmp), course)
        for j in jobs:
            out = Path(tmp) / f"out-{j}"
            start = time.monotonic()
            run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", assignment, str(sub),
                                  "--out", str(out), "--jobs", str(j), "--course", str(course)],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise RuntimeError(run.stderr[-2000:])
            result["seconds"][j] = round(time.monotonic() - start, 1)
            scores = json.loads((out / "results.json").read_text())["students"]
            result.setdefault("scores", {})[j] = [s["score"] for s in scores]
    first, last = jobs[0], jobs[-1]
    result["speedup"] = round(result["seconds"][first] / result["seconds"][last], 2)
    result["same_scores"] = len({tuple(v) for v in result.pop("scores").values()}) == 1
    result["load_after"] = os.getloadavg()[0]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="conv")
    parser.add_argument("--n", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(measure(args.assignment, args.n), indent=1))


if __name__ == "__main__":
    main()
