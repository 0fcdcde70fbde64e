"""`autograder report`: the class on one offline page. Its numbers from a results.json
made here (known counts), anonymised unless --names, and the page renders in Chromium
with its figures, without console errors and without loading anything."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.report import report, summarise

CHROMIUM = Path("/usr/bin/chromium")


def result(sid: str, score: float, statuses: dict[str, tuple[str, str]], seconds: float) -> dict:
    tests = [
        {
            "grade_id": g,
            "points": 0.0 if st != "passed" else 10.0,
            "max_points": 10.0,
            "status": st,
            "message": msg,
            "seconds": 1.0,
        }
        for g, (st, msg) in statuses.items()
    ]
    tests[0]["checks"] = [
        {
            "name": "odd sizes",
            "points": 0,
            "max_points": 5,
            "status": statuses["test_a"][0],
            "message": "" if statuses["test_a"][0] == "passed" else "pads one side only",
        },
        {"name": "stride 2", "points": 5, "max_points": 5, "status": "passed", "message": ""},
    ]
    return {
        "student_id": sid,
        "status": "graded",
        "file": f"{sid}.ipynb",
        "message": "",
        "score": score,
        "tests": tests,
        "sha256": "0",
        "seconds": seconds,
    }


@pytest.fixture
def grading(tmp_path: Path) -> Path:
    ok, bad = ("passed", ""), ("failed", "pads one side only")
    students = [
        result("alice_k", 20, {"test_a": ok, "test_b": ok}, 3.0),
        result("bob_m", 10, {"test_a": bad, "test_b": ok}, 12.0),
        result(
            "carol_z",
            0,
            {"test_a": bad, "test_b": ("timeout", "did not finish in 40 s (carol_z)")},
            50.0,
        ),
        {
            "student_id": "dan_q",
            "status": "invalid_notebook",
            "file": "x",
            "message": "not JSON",
            "score": 0,
            "tests": [],
            "sha256": "0",
        },
    ]
    doc = {
        "schema_version": 1,
        "assignment": "conv",
        "grader_version": "2",
        "isolation": "namespaces",
        "max_score": 20.0,
        "students": students,
    }
    (tmp_path / "results.json").write_text(json.dumps(doc))
    return tmp_path


def test_numbers(grading):
    r = summarise(json.loads((grading / "results.json").read_text()))
    assert r["submissions"] == 4 and r["graded"] == 3
    assert r["bins"] == [2, 0, 0, 0, 0, 1, 0, 0, 0, 1]  # 0, 0 | 10 | 20 (of 20)
    assert r["tests"] == {"test_a": (1, 3), "test_b": (2, 3)}
    assert r["checks"] == {("test_a", "odd sizes"): (1, 3), ("test_a", "stride 2"): (3, 3)}
    assert r["failures"][0] == (("test_a", "pads one side only"), 2)
    assert (("test_b", "did not finish in 40 s (<student>)"), 1) in r["failures"]
    assert r["submission_status"] == {"graded": 3, "invalid_notebook": 1}
    assert r["test_status"] == {"passed": 3, "failed": 2, "timeout": 1}


def test_written_answers_pending_and_graded(grading):
    doc = json.loads((grading / "results.json").read_text())
    doc["total_max_score"] = 30.0
    given = {"alice_k": 8.0, "bob_m": None, "carol_z": 4.0}
    for s in doc["students"]:
        if s["student_id"] in given:
            points = given[s["student_id"]]
            s["written"] = [
                {
                    "grade_id": "written_flip",
                    "max_points": 10.0,
                    "answer": "...",
                    "status": "needs_manual_grading" if points is None else "graded",
                    "points": points,
                    "comment": "",
                }
            ]
    r = summarise(doc)
    assert r["written"] == {"written_flip": [2, 1, 12.0, 10.0]}
    assert (r["pending_manual"], r["totals"]) == (1, [28.0, 4.0])
    (grading / "results.json").write_text(json.dumps(doc))
    assert report("conv", grading) == 0
    page = (grading / "report.html").read_text()
    assert "Written answers (graded by hand)" in page and "6.0 / 10" in page
    assert "1 of 3 graded submissions needs manual grading" in page
    assert "mean 16.0 of 30" in page


def test_anonymised_unless_names(grading):
    assert report("conv", grading) == 0
    assert "Lateness" not in (grading / "report.html").read_text()  # no late.csv yet
    (grading / "late.csv").write_text(
        "student_id,seconds_late,late_penalty,total\n"
        "alice_k,0,0,20\nbob_m,90000,4,6\ncarol_z,0,0,0\n"
    )
    assert report("conv", grading) == 0
    page = (grading / "report.html").read_text()
    assert "1 of 3 submissions late; 4 points taken off" in page
    assert not any(sid in page for sid in ("alice_k", "bob_m", "carol_z", "dan_q"))
    assert "67%" in page  # 2 of 3 graded submissions: "pads one side only"
    assert report("conv", grading, grading / "named.html", names=True) == 0
    assert "carol_z" in (grading / "named.html").read_text()
    assert report("detection", grading) == 2  # results.json is conv's


def test_cli(grading):
    done = subprocess.run(
        [sys.executable, "-m", "autograder.cli", "report", "conv", "--grading", str(grading)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (grading / "report.html").stat().st_mode & 0o077 == 0


@pytest.mark.browser
def test_renders_offline_in_chromium_with_its_figures(grading):
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (python -m hub.install --browser)")
    from playwright.sync_api import sync_playwright

    report("conv", grading)
    errors, requests = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto((grading / "report.html").as_uri())
        figures = page.locator("svg.figure")
        assert figures.count() == 3  # scores, pass rates, grading time
        for i in range(3):
            box = figures.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 30
            assert figures.nth(i).locator("rect").count() >= 2
        browser.close()
    assert errors == []
    assert requests == [(grading / "report.html").as_uri()]  # nothing else loaded
