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
from autograder.config import COURSE_DIR


def solution_namespace(assignment: str, course: Path = COURSE_DIR) -> dict:
    """The hidden solution's names (locked and solution cells of the source, run here).

    For benchmarks that time the reference solution outside a grading run.
    """
    from autograder.grade import source_notebook
    from autograder.hidden import build_solution
    from autograder.notebook import load_assignment

    return build_solution(load_assignment(source_notebook(assignment, course)))


def _submissions(assignment: str, n: int, folder: Path, course: Path) -> Path:
    source = course / "solutions" / assignment / f"{assignment}.ipynb"
    variants = [{}] + [load_variant(m) for m in sorted((source.parent / "mutants").glob("*.py"))]
    sub = folder / "submitted"
    for i in range(n):
        target = sub / f"student{i:02d}" / assignment
        target.mkdir(parents=True)
        (target / f"{assignment}.ipynb").write_text(
            make_submission(source, variants[i % len(variants)])
        )
    return sub


def measure(
    assignment: str = "conv", n: int = 20, jobs: tuple[int, ...] = (1, 2), course: Path = COURSE_DIR
) -> dict:
    """Wall seconds per --jobs value on the same n submissions, and the speed-up."""
    result: dict = {
        "assignment": assignment,
        "submissions": n,
        "cpus": os.cpu_count(),
        "load_before": os.getloadavg()[0],
        "seconds": {},
    }
    with tempfile.TemporaryDirectory(prefix="autograder-bench-") as tmp:
        sub = _submissions(assignment, n, Path(tmp), course)
        for j in jobs:
            out = Path(tmp) / f"out-{j}"
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
                    str(j),
                    "--course",
                    str(course),
                ],
                capture_output=True,
                text=True,
            )
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


#: The replies whose cost to the grader ``reply_cost`` measures: a normal one (the size of
#: a transfer submission's returned weights) and hostile ones.
REPLIES = ("normal", "largest_allowed", "container_bomb", "oversized", "forged_array")


def _reply_frame(kind: str) -> bytes:
    import numpy as np

    from autograder import protocol

    if kind == "normal":  # about what a fine-tuned EfficientNet-Lite0's state dict weighs
        return protocol.encode(
            {
                "ok": True,
                "id": 1,
                "value": {f"w{i}": np.ones(16_000, np.float32) for i in range(300)},
            }
        )
    if kind == "largest_allowed":  # one array just under the frame limit
        return protocol.encode(
            {"ok": True, "id": 1, "value": np.ones((protocol.DEFAULT_MAX_BYTES - 4096) // 8)}
        )
    if kind == "container_bomb":  # the largest bomb the limits let through, as JSON
        n = protocol.MAX_CONTAINERS - 4
        doc = b'{"__dict__": [["value", [' + b"[]," * (n - 1) + b"[]]]]}"
        return protocol._HEADER.pack(len(doc), len(doc)) + doc
    if kind == "oversized":  # 64 MiB of nested empty lists, the attack
        doc = b"[" + b"[]," * (64 * 2**20 // 3) + b"[]]"
        return protocol._HEADER.pack(len(doc), len(doc)) + doc
    if kind == "forged_array":  # an .npy header claiming 10^9 float64
        header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000,), }"
        header += b" " * (63 - len(header) % 64) + b"\n"
        blob = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
        doc = b'{"__dict__": [["value", {"__nd__": 0}]]}'
        payload = doc + protocol._BLOB.pack(len(blob)) + blob
        return protocol._HEADER.pack(len(payload), len(doc)) + payload
    raise ValueError(kind)


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def _measure_reply(fd: int) -> dict:
    """In this fresh process: read one reply from ``fd`` as a grading worker does."""
    import socket

    from autograder import protocol
    from autograder.batch import WORKER_MEMORY_MB, limit_worker_memory

    limit_worker_memory(WORKER_MEMORY_MB)
    sock = socket.socket(fileno=fd)
    with open("/proc/self/clear_refs", "w") as f:  # resets the peak (VmHWM) to the current RSS
        f.write("5")
    baseline = _status_mb("VmRSS")
    start = time.perf_counter()
    try:
        protocol.recv(sock, time.monotonic() + 60)
        outcome = "decoded"
    except protocol.ProtocolError as exc:
        outcome = f"refused: {str(exc)[:90]}"
    seconds = time.perf_counter() - start
    peak = _status_mb("VmHWM")
    return {
        "outcome": outcome,
        "seconds": round(seconds, 3),
        "peak_growth_mb": round(peak - baseline, 1),
        "worker_limit_mb": WORKER_MEMORY_MB,
    }


def reply_cost(kind: str) -> dict:
    """What reading one reply costs a grading worker: seconds, and peak memory above the
    reader's resident memory just before (its ``VmHWM``, reset first; this process sends)."""
    import socket
    import threading

    frame = _reply_frame(kind)
    ours, theirs = socket.socketpair()

    def send() -> None:
        try:
            ours.sendall(frame)
        except OSError:  # the reader refused the frame and hung up: that is the point
            pass
        finally:
            ours.close()

    child = subprocess.Popen(
        [sys.executable, "-m", "autograder.bench", "--reply-fd", str(theirs.fileno())],
        pass_fds=(theirs.fileno(),),
        stdout=subprocess.PIPE,
        text=True,
    )
    theirs.close()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    out, _ = child.communicate(timeout=120)
    sender.join(10)
    if child.returncode != 0:
        raise RuntimeError(f"the reader failed on the {kind} reply")
    return {
        "reply": kind,
        "frame_mb": round(len(frame) / 2**20, 1),
        **json.loads(out.strip().splitlines()[-1]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="conv")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument(
        "--reply", choices=REPLIES, help="measure what reading one such reply costs"
    )
    parser.add_argument("--reply-fd", type=int, help=argparse.SUPPRESS)  # reply_cost's reader
    args = parser.parse_args()
    if args.reply_fd is not None:
        print(json.dumps(_measure_reply(args.reply_fd)))
        return
    if args.reply:
        print(json.dumps(reply_cost(args.reply)))
        return
    print(json.dumps(measure(args.assignment, args.n), indent=1))


if __name__ == "__main__":
    main()
