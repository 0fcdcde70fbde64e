"""Grading speed side by side: nbgrader 0.9.6's own `nbgrader autograde` and `autograder grade`.

    python -m bench.nbgrader_compare conv --n 4 --jobs 1 2     # prints one JSON object

The same submissions (the reference solution and the mutants, round robin) are graded by
both, per `--jobs` value, in a temporary directory, offline:

* nbgrader: a course directory of its own (`source/<a>/` = the source notebook,
  `nbgrader generate_assignment`, the submissions in `submitted/<student>/<a>/`) and
  `nbgrader autograde <a>`, which runs each notebook in a fresh kernel with the hidden
  tests put back into the student's own kernel. The hidden tests use the grader's names
  (`expect`, `examples`, `solution`, the assignment's `grading.py`): an IPython startup
  file gives the kernel those names, as an nbgrader course whose hidden tests need helpers
  would import them there. nbgrader grades one notebook at a time; `--jobs 2` runs two
  `nbgrader autograde` processes, each on half the class in a copy of the course directory.
* ours: `autograder grade <a> submitted/ --jobs N` (sandbox, hidden tests in the grader).

Reported: seconds per submission (wall time of the whole command / submissions) and the
ratio ours / nbgrader per `--jobs`, and where a submission's seconds go: for nbgrader the
kernel start and the startup file (measured once, alone), the student's cells and the hidden
test cells (nbclient's execution timestamps in the autograded notebooks), the rest
(nbgrader's own work); for ours the student's cells and the hidden tests (`results.json`),
the sandbox's start and the grading process's start, imports and warm-up (each measured
alone; the process's share is its seconds over the class, as a run pays it once), the rest
(the grader's own work per submission: the notebook's parsing, the static scan, results).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.check import load_variant, make_submission
from autograder.config import Course
from autograder.notebook import load_assignment

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: Given to every nbgrader kernel (IPython startup file): the names a hidden part gets from
#: the grader, defined in the student's own kernel, where nbgrader runs hidden tests.
STARTUP = '''\
import contextlib as _contextlib
import os as _os
import time as _time

_t0 = _time.perf_counter()
from pathlib import Path as _Path

from autograder import harness as _harness, helpers as _helpers, hidden as _hidden
from autograder.notebook import load_assignment as _load

_assignment = _load(_Path(_os.environ["BENCH_SOURCE"]))
_seed = 0


@_contextlib.contextmanager
def _all_or_nothing(name, points):
    """nbgrader has no partial credit inside a cell: a failed check fails the whole cell."""
    yield


class _HereRunner:
    """What harness.namespace needs of a runner, for code running in this very kernel."""

    def cpu_clocks(self):
        t = _os.times()
        return (t.user + t.system, t.user + t.system)

    def in_submission(self, code, **data):
        ns = {**get_ipython().user_ns, **data}
        exec(compile(code, "<harness>", "exec"), ns)
        return ns.get("result")


def _names(info=None):
    ns = get_ipython().user_ns
    grader = _harness.namespace(
        _HereRunner(), [], _hidden.solution_for(_assignment),
        _hidden.fresh_copies(_hidden.setup_names(_assignment)), seed=_seed,
    )
    grader["check"] = _all_or_nothing
    grader = {k: v for k, v in grader.items() if k not in ns or k.startswith("_")}
    ns.update(grader)
    _helpers.bind(_assignment.path, ns)


_hidden.warm_up(_assignment)
_names()
get_ipython().events.register("pre_run_cell", _names)
with open(_os.environ["BENCH_STARTUP_LOG"], "a") as _f:
    _f.write(f"{_time.perf_counter() - _t0:.4f}\\n")
'''


def make_class(assignment: str, n: int, folder: Path, course: Course) -> Path:
    """``folder/submitted/student<i>/<a>/<a>.ipynb``: the solution and the mutants in turn."""
    source = course.source(assignment)
    variants = [{}] + [load_variant(m) for m in course.mutants(assignment)]
    submitted = folder / "submitted"
    for i in range(n):
        target = submitted / f"student{i:02d}" / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(
            make_submission(source, variants[i % len(variants)])
        )
    return submitted


def _env(**extra: str) -> dict[str, str]:
    path = f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", **extra}


def nbgrader_course(assignment: str, folder: Path, course: Course, timeout: float) -> Path:
    """A course directory with the assignment generated (nbgrader's gradebook knows it)."""
    root = folder / "course"
    (root / "source" / assignment).mkdir(parents=True)
    shutil.copy(course.source(assignment), root / "source" / assignment)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f'c.CourseDirectory.course_id = "bench"\n'
        f"c.Execute.timeout = {int(timeout)}\n"
        "c.Execute.allow_errors = True\n"
    )
    run = subprocess.run(
        [str(BIN / "nbgrader"), "generate_assignment", assignment, "--force"],
        cwd=root,
        capture_output=True,
        text=True,
        env=_env(),
    )
    if run.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment: {run.stderr[-2000:]}")
    return root


def _groups(students: list[str], jobs: int) -> list[list[str]]:
    return [students[i::jobs] for i in range(jobs) if students[i::jobs]]


def run_nbgrader(
    assignment: str, submitted: Path, jobs: int, folder: Path, generated: Path, course: Course
) -> dict:
    """Wall seconds of `nbgrader autograde` over the class, in ``jobs`` processes at once."""
    students = sorted(p.name for p in submitted.iterdir())
    ipython = folder / f"ipython-{jobs}"
    (ipython / "profile_default" / "startup").mkdir(parents=True)
    (ipython / "profile_default" / "startup" / "00-grader-names.py").write_text(STARTUP)
    log = folder / f"startup-{jobs}.log"
    env = _env(
        IPYTHONDIR=str(ipython),
        BENCH_SOURCE=str(course.source(assignment)),
        BENCH_STARTUP_LOG=str(log),
    )
    roots = []
    for k, group in enumerate(_groups(students, jobs)):
        root = folder / f"nbgrader-{jobs}-{k}"
        shutil.copytree(generated, root)
        for student in group:
            shutil.copytree(submitted / student, root / "submitted" / student)
        roots.append(root)
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            [str(BIN / "nbgrader"), "autograde", assignment],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for root in roots
    ]
    outputs = [p.communicate()[0] for p in procs]
    wall = time.monotonic() - start
    if any(p.returncode for p in procs):
        raise RuntimeError(f"nbgrader autograde failed: {outputs[0][-3000:]}")
    cells = {"student": [], "hidden": []}
    scores, errors, graded = {}, {}, []
    for root in roots:
        for nb_path in sorted((root / "autograded").glob(f"*/{assignment}/{assignment}.ipynb")):
            split = cell_seconds(nb_path)
            for key in cells:
                cells[key].append(split[key])
            graded += split["graded"]
            errors[nb_path.parts[-3]] = failed_cells(nb_path)
        scores.update(nbgrader_scores(root, assignment))
    startup = [float(x) for x in log.read_text().split()] if log.exists() else []
    return {
        "wall": wall,
        "student_cells": cells["student"],
        "hidden_cells": cells["hidden"],
        "startup_file": startup,
        "per_test": per_test(graded),
        "scores": scores,
        "failed_cells": errors,
    }


def failed_cells(notebook: Path) -> dict[str, str]:
    """Graded cell -> why nbgrader gives it 0, in an autograded notebook: the error it ended
    with, or what it wrote to stderr (nbgrader scores such a cell 0, even for a warning)."""
    failed = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        marks = cell.get("metadata", {}).get("nbgrader", {})
        for out in cell.get("outputs", []) if marks.get("grade") else []:
            if out.get("output_type") == "error":
                failed[marks.get("grade_id", "?")] = f"{out['ename']}: {out['evalue']}"[:300]
            elif out.get("name") == "stderr":
                text = "".join(out.get("text", ""))
                failed.setdefault(marks.get("grade_id", "?"), f"stderr: {text}"[:300])
    return failed


def cell_seconds(notebook: Path) -> dict:
    """Seconds in the student's cells and in the graded (hidden test) cells of an autograded
    notebook, from nbclient's execution timestamps; ``graded``: each graded cell's
    ``{"grade_id", "seconds"}``."""
    nb = json.loads(notebook.read_text())
    out: dict = {"student": 0.0, "hidden": 0.0, "graded": []}
    for cell in nb["cells"]:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if cell["cell_type"] != "code" or not (start and end):
            continue
        seconds = (_time(end) - _time(start)).total_seconds()
        marks = cell["metadata"].get("nbgrader", {})
        graded = bool(marks.get("grade") and not marks.get("solution"))
        out["hidden" if graded else "student"] += seconds
        if graded:
            out["graded"].append({"grade_id": marks.get("grade_id", "?"), "seconds": seconds})
    return out


def per_test(tests) -> dict[str, float]:
    """Mean seconds of each graded cell over the class, from ``{"grade_id", "seconds"}``
    records (a results.json test, an autograded cell)."""
    seen: dict[str, list[float]] = {}
    for t in tests:
        seen.setdefault(str(t["grade_id"]), []).append(float(t["seconds"]))
    return {k: statistics.fmean(v) for k, v in seen.items()}


def _time(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def nbgrader_scores(root: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="bench") as gb:
        return {s.student.id: s.score for s in gb.assignment_submissions(assignment)}


def kernel_start(repeats: int = 3) -> float:
    """Median seconds to start a Python kernel and run one empty cell (what nbgrader pays
    per notebook before the startup file)."""
    from jupyter_client.manager import start_new_kernel

    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        km, kc = start_new_kernel(kernel_name="python3")
        kc.execute_interactive("pass", timeout=60)
        times.append(time.perf_counter() - t0)
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return statistics.median(times)


def sandbox_start(assignment: str, course: Course, repeats: int = 3) -> tuple[float, str]:
    """Median seconds to start one sandbox (jail, kernel, first reply), and its isolation."""
    from autograder.sandbox import Sandbox

    spec = load_assignment(course.source(assignment))
    times, mode = [], ""
    for _ in range(repeats):
        box = Sandbox(assignment, spec.limits, forbidden=list(spec.forbidden))
        t0 = time.perf_counter()
        box.start()
        times.append(time.perf_counter() - t0)
        mode = box.mode
        box.kill()
    return statistics.median(times), mode


def grader_start(assignment: str, repeats: int = 3) -> float:
    """Median seconds for a fresh grading process to start, import and warm up (torch,
    Hypothesis, the assignment's grading.py): what each of our worker processes pays once."""
    code = (
        "from autograder.config import Course\n"
        "from autograder.hidden import warm_up\n"
        "from autograder.notebook import load_assignment\n"
        f"warm_up(load_assignment(Course().source({assignment!r})))\n"
    )
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, env=_env())
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_ours(assignment: str, submitted: Path, jobs: int, folder: Path) -> dict:
    out = folder / f"ours-{jobs}"
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "grade", assignment, str(submitted)]
        + ["--out", str(out), "--jobs", str(jobs)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=_env(),
    )
    wall = time.monotonic() - start
    if run.returncode != 0:
        raise RuntimeError(f"autograder grade failed: {run.stderr[-3000:]}")
    students = json.loads((out / "results.json").read_text())["students"]
    return {
        "wall": wall,
        "seconds": [s["seconds"] for s in students],
        "student_cells": [sum(c["seconds"] for c in s.get("cells", [])) for s in students],
        "hidden_cells": [sum(t["seconds"] for t in s.get("tests", [])) for s in students],
        "per_test": per_test(t for s in students for t in s.get("tests", [])),
        "scores": {s["student_id"]: s["score"] for s in students},
        "isolation": students[0].get("isolation", "") if students else "",
    }


def compare(
    assignment: str, n: int = 4, jobs: tuple[int, ...] = (1, 2), course: Course | None = None
) -> dict:
    """Both graders on the same ``n`` submissions, per ``--jobs`` value, in the order
    nbgrader, ours for the first value and ours, nbgrader for the next (a steady change of
    the machine's load then hits both sides alike)."""
    course = course or Course()
    limits = load_assignment(course.source(assignment)).limits
    result: dict = {"assignment": assignment, "submissions": n, "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        folder = Path(tmp)
        submitted = make_class(assignment, n, folder, course)
        generated = nbgrader_course(assignment, folder / "generated", course, limits.test_timeout)
        for k, j in enumerate(jobs):
            order = ("nbgrader", "ours") if k % 2 == 0 else ("ours", "nbgrader")
            runs = {}
            for who in order:
                if who == "nbgrader":
                    runs[who] = run_nbgrader(assignment, submitted, j, folder, generated, course)
                else:
                    runs[who] = run_ours(assignment, submitted, j, folder)
            ratio = runs["ours"]["wall"] / runs["nbgrader"]["wall"]
            result[f"jobs{j}"] = {
                "nbgrader_s": runs["nbgrader"]["wall"] / n,
                "ours_s": runs["ours"]["wall"] / n,
                "ratio": ratio,
                "nbgrader": runs["nbgrader"],
                "ours": runs["ours"],
            }
        result["kernel_start_s"] = kernel_start()
        result["sandbox_start_s"], result["isolation"] = sandbox_start(assignment, course)
        result["grader_start_s"] = grader_start(assignment)
    result["load_after"] = os.getloadavg()[0]
    return result


def breakdown(result: dict, jobs: int = 1) -> dict[str, dict[str, float]]:
    """Where one submission's seconds go (means over the class, so that the parts add up to
    the total: wall seconds / submissions), for each grader."""
    run = result[f"jobs{jobs}"]
    mean = statistics.fmean
    nb, ours = run["nbgrader"], run["ours"]
    startup = mean(nb["startup_file"]) if nb["startup_file"] else 0.0
    nb_cells, nb_hidden = mean(nb["student_cells"]), mean(nb["hidden_cells"])
    nb_total = run["nbgrader_s"]
    kernel = result["kernel_start_s"]
    our_total = run["ours_s"]
    our_cells, our_hidden = mean(ours["student_cells"]), mean(ours["hidden_cells"])
    sandbox = result["sandbox_start_s"]
    warm = result.get("grader_start_s", 0.0) / result["submissions"]
    return {
        "nbgrader": {
            "kernel start": kernel,
            "grader names in the kernel (startup file)": startup,
            "student cells": nb_cells,
            "hidden test cells": nb_hidden,
            "nbgrader's own work (rest)": nb_total - kernel - startup - nb_cells - nb_hidden,
            "total": nb_total,
        },
        "ours": {
            "sandbox and kernel start": sandbox,
            "student cells": our_cells,
            "hidden tests (in the grader)": our_hidden,
            "grader process start, imports, warm-up (once per process; its share)": warm,
            "grader's own work (rest)": our_total - sandbox - our_cells - our_hidden - warm,
            "total": our_total,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.nbgrader_compare", description=__doc__)
    parser.add_argument("assignment")
    parser.add_argument("--n", type=int, default=4, help="submissions (default 4)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    result = compare(args.assignment, args.n, tuple(args.jobs))
    for j in args.jobs:
        run = result[f"jobs{j}"]
        print(
            f"{args.assignment} --jobs {j}: nbgrader {run['nbgrader_s']:.2f} s/submission, "
            f"ours {run['ours_s']:.2f} s/submission, ratio {run['ratio']:.2f}",
            file=sys.stderr,
        )
    for who, parts in breakdown(result, args.jobs[0]).items():
        print(f"{who}: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()), file=sys.stderr)
    print(json.dumps(result, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
