"""Smoke test of `make bench` (not a timed test): the kernels section's functions on tiny
sizes, and the report's Markdown is well-formed."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is a folder of the repo, not an installed package
    sys.path.insert(0, str(ROOT))
bench = importlib.import_module("bench.__main__")
TINY_CONV = {"tiny": ((1, 2, 6, 6), (3, 2, 3, 3))}
VERDICTS = {"met", "**not met**", "not measured", "not trustworthy"}


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def check_tables(lines: list[str]) -> int:
    """Every Markdown table: a header, a --- row, and rows with the header's cell count."""
    tables, i = 0, 0
    while i < len(lines):
        if lines[i].startswith("|"):
            header = cells(lines[i])
            assert all(re.fullmatch(r"-{3,}:?", c) for c in cells(lines[i + 1])), lines[i + 1]
            assert len(cells(lines[i + 1])) == len(header)
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                assert len(cells(lines[i])) == len(header), lines[i]
                i += 1
            tables += 1
        else:
            i += 1
    return tables


def test_conv_rows_match_torch():
    conv2d = bench.solution("conv")["conv2d"]
    (row,) = bench.conv_rows(conv2d, TINY_CONV, repeats=1)
    assert row["max_error"] < 1e-10
    assert min(row["ours32"], row["torch32"], row["ours64"], row["torch64"]) > 0
    assert row["dtype32"] == "float32", "the solution keeps float32 inputs in float32"
    assert bench.conv_flops((1, 1, 3, 3), (1, 1, 3, 3)) == 2 * 9 * 9


def test_detection_rows_agree_with_torchvision():
    sol = bench.solution("detection")
    (iou,) = bench.box_iou_rows(sol["box_iou"], (7,), repeats=1)
    assert iou["max_error"] < 1e-12
    for boxes in (bench.random_boxes, bench.detector_boxes):
        rows = bench.nms_rows(sol["nms"], (10, 40), repeats=1, boxes_fn=boxes)
        assert [r["n"] for r in rows] == [10, 40]
        assert all(r["same"] and 1 <= r["kept"] <= r["n"] for r in rows)
    assert bench.growth_exponent(10, 1.0, 100, 100.0) == pytest.approx(2.0)


def test_kernels_report_is_well_formed(tmp_path):
    conv, detection = bench.Report(), bench.Report()
    bench.bench_conv(conv, sizes={"medium": TINY_CONV["tiny"]}, repeats=1, matmul_n=32)
    bench.bench_detection(detection, iou_ns=(5,), nms_ns=(5, 20), repeats=1)
    done = {("kernels", "conv"): conv, ("kernels", "detection"): detection}
    text = bench.render(done, ["# Benchmark report", ""], ["kernels"], ["- note"])
    lines = text.splitlines()
    assert check_tables(lines) >= 3
    targets = lines[lines.index("## Targets") + 2 :]
    rows = [
        line for line in targets[: next(i for i, x in enumerate(targets) if not x.startswith("|"))]
    ][2:]
    # conv, box_iou, nms x 2 kinds, book x 2, grading x 4 (throughput, worker peak, nbgrader,
    # one yolo submission)
    assert len(rows) == 10
    for row in rows:
        what, target, measured, verdict, _why = cells(row)
        assert verdict in VERDICTS, row
        if verdict != "not measured":
            assert re.fullmatch(r"\d+(\.\d+)?x", measured), row
    assert "GPU figures were not measured" in text
    assert not re.search(r"\bnan\b", text)


def test_page_times_reads_an_empty_cache(tmp_path):
    assert bench.page_times(tmp_path / "cache") == []


def test_grade_one_sees_child_memory():
    from bench.grade_one import descendants, peak_kb

    child = subprocess.Popen(
        [sys.executable, "-c", "import time; x = bytearray(32 << 20); time.sleep(5)"]
    )
    try:
        for _ in range(100):
            if child.pid in descendants(os.getpid()) and peak_kb(child.pid) > 30_000:
                break
            time.sleep(0.05)
        assert peak_kb(child.pid) > 30_000
    finally:
        child.kill()
        child.wait()
    assert np.isfinite(bench.load())


def fake_comparison() -> dict:
    def side(wall: float, cells: float, hidden: float, scores: dict) -> dict:
        return {
            "wall": wall,
            "student_cells": [cells, cells],
            "hidden_cells": [hidden, hidden],
            "startup_file": [1.0, 1.0],
            "scores": scores,
            "failed_cells": {"student01": {"test_a": "AssertionError: no"}},
            "seconds": [wall / 2, wall / 2],
            "per_test": {"test_a": hidden / 4, "test_b": hidden * 3 / 4},
        }

    return {
        "assignment": "conv",
        "submissions": 2,
        "load_before": 1.0,
        "load_after": 1.0,
        "isolation": "namespaces",
        "kernel_start_s": 1.5,
        "sandbox_start_s": 0.5,
        "jobs1": {
            "nbgrader_s": 10.0,
            "ours_s": 6.0,
            "ratio": 0.6,
            "nbgrader": side(20.0, 0.5, 4.0, {"student00": 90, "student01": 40}),
            "ours": side(12.0, 0.25, 3.0, {"student00": 90, "student01": 42}),
        },
        "jobs2": {
            "nbgrader_s": 6.0,
            "ours_s": 6.6,
            "ratio": 1.1,
            "nbgrader": side(12.0, 0.5, 4.0, {"student00": 90, "student01": 40}),
            "ours": side(13.2, 0.25, 3.0, {"student00": 90, "student01": 42}),
        },
    }


def test_nbgrader_comparison_report_is_well_formed():
    from bench.nbgrader_compare import breakdown

    result = fake_comparison()
    parts = breakdown(result, 1)
    # Every part of a submission's seconds is accounted for, on both sides.
    assert sum(v for k, v in parts["nbgrader"].items() if k != "total") == pytest.approx(10.0)
    assert sum(v for k, v in parts["ours"].items() if k != "total") == pytest.approx(6.0)
    assert parts["nbgrader"]["kernel start"] == 1.5
    assert parts["ours"]["sandbox and kernel start"] == 0.5
    lines = bench.nbgrader_lines(result, breakdown)
    assert check_tables(lines) == 2
    assert "| 1 | 10.00 | 6.00 | 0.60 | 90 40 | 90 42 |" in lines
    assert any("student01: test_a" in line for line in lines)
    slowest = next(line for line in lines if line.startswith("Slowest graded cells"))
    assert "ours: `test_b` 2.25 s, `test_a` 0.75 s" in slowest
    target = bench.nbgrader_target(result)
    assert (target.measured, target.met) == ("1.10x", False)  # the worse --jobs counts
    assert "--jobs 1: 0.60x, --jobs 2: 1.10x" in target.why


def test_cell_seconds_and_errors_of_an_autograded_notebook(tmp_path):
    from bench.nbgrader_compare import cell_seconds, failed_cells

    def cell(grade: bool, start: str, end: str, outputs: list) -> dict:
        marks = {"grade": grade, "solution": not grade, "grade_id": "test_x" if grade else "x"}
        return {
            "cell_type": "code",
            "metadata": {
                "nbgrader": marks,
                "execution": {"iopub.execute_input": start, "shell.execute_reply": end},
            },
            "outputs": outputs,
            "source": "",
        }

    error = {"output_type": "error", "ename": "AssertionError", "evalue": "wrong", "traceback": []}
    warning = {"output_type": "stream", "name": "stderr", "text": ["UserWarning: padding\n"]}
    warned = cell(True, "2026-01-01T00:00:04.000000Z", "2026-01-01T00:00:04.000000Z", [warning])
    warned["metadata"]["nbgrader"]["grade_id"] = "test_y"
    nb = {
        "cells": [
            cell(False, "2026-01-01T00:00:00.000000Z", "2026-01-01T00:00:00.500000Z", []),
            cell(True, "2026-01-01T00:00:01.000000Z", "2026-01-01T00:00:03.250000Z", [error]),
            warned,
        ]
    }
    path = tmp_path / "a.ipynb"
    path.write_text(__import__("json").dumps(nb))
    assert cell_seconds(path) == {
        "student": 0.5,
        "hidden": 2.25,
        "graded": [{"grade_id": "test_x", "seconds": 2.25}, {"grade_id": "test_y", "seconds": 0.0}],
    }
    assert failed_cells(path) == {
        "test_x": "AssertionError: wrong",
        "test_y": "stderr: UserWarning: padding\n",
    }


@pytest.mark.slow
def test_nbgrader_autogrades_a_submission_offline(tmp_path):
    """nbgrader's own autograde runs here on conv's solution and first mutant, with the
    hidden tests put back into its kernel and the grader's names given to that kernel:
    every graded cell runs (the seconds it reports are of real hidden tests), the solution
    gets every point (no hidden test errs or warns), and the mutant loses, all or nothing,
    each cell it is known to fail."""
    from autograder.check import load_variant
    from autograder.config import Course
    from autograder.notebook import load_assignment
    from bench.nbgrader_compare import make_class, nbgrader_course, run_nbgrader

    course = Course()
    submitted = make_class("conv", 2, tmp_path, course)
    generated = nbgrader_course("conv", tmp_path / "generated", course, 120)
    run = run_nbgrader("conv", submitted, 1, tmp_path, generated, course)
    assert min(run["hidden_cells"]) > 0 and len(run["startup_file"]) == 2
    points = {c.grade_id: c.points for c in load_assignment(course.source("conv")).graded}
    assert run["failed_cells"]["student00"] == {}
    assert run["scores"]["student00"] == sum(points.values())
    failed = run["failed_cells"]["student01"]
    assert set(load_variant(course.mutants("conv")[0])["FAILS"]) <= set(failed), failed
    assert run["scores"]["student01"] == sum(points.values()) - sum(points[g] for g in failed)
