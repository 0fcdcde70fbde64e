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
    assert (
        len(rows) == 8
    )  # conv, box_iou, nms x 2 kinds, book x 2, grading x 2 (throughput, worker peak)
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
