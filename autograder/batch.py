"""A whole batch: ``grade_all`` grades every submission in worker processes and writes
``students/<id>.json`` atomically as each finishes, so an interrupted run resumes where it
stopped; then rebuilds ``grades.csv``, ``results.json`` and ``feedback/``.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import signal
import sys
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder import lms, results
from autograder.config import COURSE_DIR, ConfigError, points_problem
from autograder.grade import GRADER_VERSION, file_digest, grade_submission, source_notebook
from autograder.isolation import isolation_detail, isolation_mode, uid_base
from autograder.notebook import (
    Assignment,
    load_assignment,
)
from autograder.shards import select, write_manifest

#: The private (heap) memory one grading process may use, in MiB (RLIMIT_DATA): a reply that
#: would need more fails that submission's task with a MemoryError instead of the machine.
WORKER_MEMORY_MB = int(os.environ.get("AUTOGRADER_WORKER_MB", "6144"))


def safe_id(text: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._@+-]", "_", text).strip(".") or "student"
    return cleaned[:100]


def find_submissions(assignment: str, submitted: Path) -> list[tuple[str, Path]]:
    """nbgrader's ``<dir>/<student>/<assignment>/<assignment>.ipynb`` layout, or files."""
    if submitted.is_file():
        return [(safe_id(submitted.stem), submitted)]
    found: list[tuple[str, Path]] = []
    for entry in sorted(submitted.iterdir()):
        if entry.suffix == ".ipynb" and (entry.is_file() or entry.is_symlink()):
            found.append((safe_id(entry.stem), entry))  # a link is refused when graded
        elif entry.is_symlink() or (entry / assignment).is_symlink():
            found.append((safe_id(entry.name), entry if entry.is_symlink() else entry / assignment))
        elif entry.is_dir():
            folder = entry / assignment
            preferred = folder / f"{assignment}.ipynb"
            others = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
            found.append(
                (safe_id(entry.name), preferred if preferred.exists() or not others else others[0])
            )
    return found


_uid = 61000


def _init_worker(slots, jobs: int) -> None:
    """A grading process: its own sandbox uid, one thread per job for numeric libraries."""
    global _uid
    threads = str(max(1, (os.cpu_count() or 1) // max(jobs, 1)))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    import warnings

    warnings.simplefilter("ignore")  # hidden tests' own warnings (torch's) are not news
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _uid = slots.get()
    os.environ.setdefault("MPLBACKEND", "Agg")
    limit_worker_memory(WORKER_MEMORY_MB)


def limit_worker_memory(megabytes: int) -> None:
    """Bound this grading process's heap, so that one hostile reply costs one submission."""
    import resource

    cap = megabytes * 1024 * 1024
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))


def _grade_task(source: str, path: str, student_id: str, hide: list[str], overrides: dict) -> dict:
    try:
        return grade_submission(
            Path(source), Path(path), student_id, uid=_uid, hide=hide, overrides=overrides
        )
    except Exception as exc:  # noqa: BLE001 - one student's grader error must not stop the batch
        return results.grader_error(
            student_id, path, f"{type(exc).__name__}: {exc}", traceback.format_exc()[-4000:]
        )


def atomic_write(path: Path, text: str) -> None:
    """Write whole or not at all, readable by the grading user alone (scores, student code)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def private_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def write_reports(out: Path, assignment: Assignment, students: list[str]) -> None:
    """Rebuild the aggregate files from ``students/*.json`` (the only source of truth)."""
    students_json = []
    for sid in students:
        path = out / "students" / f"{sid}.json"
        if path.exists():
            students_json.append(json.loads(path.read_text()))
    doc = results.results_document(
        assignment.name,
        GRADER_VERSION,
        isolation_mode(),
        isolation_detail(),
        assignment.max_score,
        students_json,
        total_max_score=assignment.total_max_score,
    )
    write_outputs(out, doc)


def write_outputs(out: Path, doc: dict) -> None:
    """``grades.csv``, ``results.json`` and ``feedback/`` from a results document (also
    after the written answers' manual grades are merged in, ``autograder.gradebook``)."""
    from autograder.feedback import feedback_html

    atomic_write(
        out / "grades.csv",
        lms.grades_csv(
            doc["assignment"],
            doc["max_score"],
            doc.get("total_max_score", doc["max_score"]),
            doc["students"],
        ),
    )
    atomic_write(out / "results.json", results.dumps(doc))
    private_dir(out / "feedback")
    for r in doc["students"]:
        atomic_write(out / "feedback" / f"{r['student_id']}.html", feedback_html(r, doc))


def grade_all(
    assignment_name: str,
    submitted: Path,
    out: Path,
    jobs: int = 1,
    force: bool = False,
    course: Path = COURSE_DIR,
    log=print,
    overrides: dict | None = None,
    shard: tuple[int, int] | None = None,
) -> int:
    """Grade a class; with ``shard=(i, n)`` only its part ``i`` of ``n`` (see shards.py)."""
    source = source_notebook(assignment_name, course)
    if not source.exists():
        log(f"autograder: no source notebook {source}", file=sys.stderr)
        return 2
    try:
        assignment = load_assignment(source)
        problem = points_problem(assignment.all_points())
        if problem:
            raise ConfigError(f"{source.name}: {problem}")
    except ConfigError as exc:
        log(f"autograder: {exc}", file=sys.stderr)
        return 2
    submissions = find_submissions(assignment_name, submitted)
    private_dir(out)
    private_dir(out / "students")
    ids = [sid for sid, _ in submissions]
    seen: set[str] = set()
    for i, sid in enumerate(ids):  # duplicate ids (a.ipynb next to a/) get a suffix
        if sid in seen:
            ids[i] = f"{sid}-{i}"
        seen.add(ids[i])
    if shard is not None:
        everyone, mine = list(ids), select(shard, ids)
        submissions = [s for s, keep in zip(submissions, mine, strict=True) if keep]
        ids = [sid for sid, keep in zip(ids, mine, strict=True) if keep]
        write_manifest(out, assignment_name, shard, everyone, ids)
    limits = dataclasses.asdict(dataclasses.replace(assignment.limits, **(overrides or {})))
    todo = []
    for sid, (_, path) in zip(ids, submissions, strict=True):
        stored = out / "students" / f"{sid}.json"
        if not force and stored.exists():
            try:
                old = json.loads(stored.read_text())
                if (
                    old.get("sha256") == file_digest(path)
                    and old.get("source") == assignment.fingerprint()
                    and old.get("limits") == limits
                    and old.get("grader_version") == GRADER_VERSION
                    and old.get("status") != "grader_error"
                ):
                    continue
            except (OSError, ValueError):
                pass
        todo.append((sid, path))
    hide = [
        str(out.resolve()),
        str(submitted.resolve() if submitted.is_dir() else submitted.resolve().parent),
        str(source.parent.resolve()),
    ]
    log(
        f"autograder: {len(submissions)} submissions, {len(submissions) - len(todo)} already "
        f"graded, grading {len(todo)} with {jobs} job(s), isolation: {isolation_mode()}"
    )
    interrupted = False

    def on_term(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    ctx = multiprocessing.get_context("fork")

    def new_pool() -> ProcessPoolExecutor:
        slots = ctx.Queue()
        first_uid = uid_base()
        for slot in range(max(jobs, 1)):
            slots.put(first_uid + slot)
        return ProcessPoolExecutor(
            max_workers=max(jobs, 1),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(slots, jobs),
        )

    def record(sid: str, result: dict) -> None:
        result["student_id"] = sid
        atomic_write(out / "students" / f"{sid}.json", results.dumps(result))
        log(
            f"  {sid}: {result.get('score', 0):g}/{assignment.max_score:g} {result['status']} "
            f"({result.get('seconds', 0):.1f} s)"
        )

    pool = new_pool()
    try:
        pending: dict[Future, tuple[str, Path]] = {}
        queue = list(todo)
        suspects: set[str] = set()  # in flight when a grading process died: graded alone next
        while queue or pending:
            room = 1 if suspects else max(jobs, 1) * 2
            while queue and len(pending) < room:
                sid, path = queue.pop(0)
                pending[
                    pool.submit(_grade_task, str(source), str(path), sid, hide, overrides or {})
                ] = (sid, path)
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            broken = []
            for fut in done:
                sid, path = pending.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    broken.append((sid, path))
                    continue
                suspects.discard(sid)
                record(sid, result)
            if broken:  # a grading process died (e.g. killed from outside): never the whole run
                broken += list(pending.values())
                pending.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = new_pool()
                for sid, path in broken:
                    if sid in suspects and len(broken) == 1:
                        record(
                            sid,
                            results.grader_error(
                                sid,
                                str(path),
                                "grading this submission killed "
                                "the grading process; it is graded again by the next run",
                            ),
                        )
                        suspects.discard(sid)
                    else:
                        suspects.add(sid)
                        queue.insert(0, (sid, path))
    except KeyboardInterrupt:
        interrupted = True
        log(
            "autograder: interrupted; finished results are kept, run the same command again "
            "to continue",
            file=sys.stderr,
        )
        for proc in list(getattr(pool, "_processes", {}).values()):
            try:
                proc.kill()
            except Exception:  # noqa: BLE001
                pass
        pool.shutdown(wait=False, cancel_futures=True)
    else:
        pool.shutdown(wait=True)
    finally:
        signal.signal(signal.SIGTERM, previous)
    write_reports(out, assignment, ids)
    if interrupted:
        return 130
    log(f"autograder: wrote {out / 'grades.csv'}, {out / 'results.json'} and {out / 'feedback'}/")
    return 0
