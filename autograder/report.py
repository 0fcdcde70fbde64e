"""``autograder report <assignment> --grading DIR``: the class as a whole, on one HTML page.

Read from what ``autograder grade`` wrote (``results.json``): the score distribution, each
test cell's and each check's pass rate, the most frequent failure messages with their
counts, the status counts (of submissions and of test cells: timeout, out_of_memory,
forbidden ...), the written answers graded by hand (how many still need manual grading,
the mean manual points, the totals of those fully graded), lateness (``late.csv`` of
``autograder gradebook --late``) and the grading time. One self-contained page (inline CSS
and SVG figures, no script, no external resource), so it works offline and can be shown in class:
anonymised by default (no student ids, and any id that appears in a message is replaced),
``--names`` adds a table per student.
"""

from __future__ import annotations

import csv
import json
import os
import statistics
from collections import Counter
from html import escape
from pathlib import Path

from autograder.results import PENDING, with_totals

BAR = "#3b6ea8"
TOP_MESSAGES = 15


def _svg_bars(
    labels: list[str], values: list[float], title: str, unit: str = "", horizontal: bool = False
) -> str:
    """A bar chart as inline SVG (role=img with a title, numbers written on the bars)."""
    top = max(values, default=0) or 1
    if horizontal:
        row, width, label_w = 22, 640, 260
        height = row * len(values) + 10
        parts = []
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            y = 5 + i * row
            w = (width - label_w - 70) * value / top
            parts.append(
                f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
                f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{BAR}"/>'
                f'<text x="{label_w + w + 4:.1f}" y="{y + 15}">{value:g}{unit}</text>'
            )
    else:
        width, height, base, left = 640, 240, 200, 40
        slot = (width - left) / max(len(values), 1)
        parts = [f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#444"/>']
        for i, (label, value) in enumerate(zip(labels, values, strict=True)):
            h = 170 * value / top
            x = left + i * slot
            parts.append(
                f'<rect x="{x + 3:.1f}" y="{base - h:.1f}" width="{slot - 6:.1f}" '
                f'height="{h:.1f}" fill="{BAR}"/>'
                f'<text x="{x + slot / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">'
                f"{value:g}{unit}</text>"
                f'<text x="{x + slot / 2:.1f}" y="{base + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    return (
        f'<svg class="figure" role="img" aria-label="{escape(title)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="12" font-family="sans-serif">'
        f"<title>{escape(title)}</title>{''.join(parts)}</svg>"
    )


def _table(header: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def summarise(doc: dict, names: bool = False) -> dict:
    """The report's numbers, from results.json (what the page shows, for tests as well)."""
    students = doc["students"]
    graded = [s for s in students if s["status"] == "graded"]
    max_score = float(doc["max_score"])
    ids = sorted((s["student_id"] for s in students), key=len, reverse=True)

    def anonymous(text: str) -> str:
        if names:
            return text
        for sid in ids:
            text = text.replace(sid, "<student>")
        return text

    bins = [0] * 10
    for s in students:
        share = float(s.get("score", 0)) / max_score if max_score else 0.0
        bins[min(int(share * 10), 9)] += 1
    tests: dict[str, Counter] = {}
    checks: dict[tuple[str, str], Counter] = {}
    test_status: Counter = Counter()
    failures: Counter = Counter()
    for s in graded:
        for t in s["tests"]:
            tests.setdefault(t["grade_id"], Counter())[t["status"] == "passed"] += 1
            test_status[t["status"]] += 1
            for c in t.get("checks", []):
                checks.setdefault((t["grade_id"], c["name"]), Counter())[
                    c["status"] == "passed"
                ] += 1
                if c["status"] != "passed" and c.get("message"):
                    failures[(t["grade_id"], anonymous(c["message"]))] += 1
            if t["status"] != "passed" and t.get("message") and not t.get("checks"):
                failures[(t["grade_id"], anonymous(t["message"]))] += 1
    written: dict[str, list] = {}  # grade_id -> [graded, pending, points given, max points]
    for s in graded:
        for w in s.get("written") or []:
            row = written.setdefault(w["grade_id"], [0, 0, 0.0, float(w["max_points"])])
            if w.get("points") is None:
                row[1] += 1
            else:
                row[0] += 1
                row[2] += float(w["points"])
    totals = [with_totals(dict(s))["total"] for s in graded]
    seconds = [float(s.get("seconds", 0)) for s in students if "seconds" in s]
    return {
        "assignment": doc["assignment"],
        "max_score": max_score,
        "submissions": len(students),
        "graded": len(graded),
        "scores": [float(s.get("score", 0)) for s in students],
        "bins": bins,
        "submission_status": Counter(s["status"] for s in students),
        "test_status": test_status,
        "tests": {g: (c[True], c[True] + c[False]) for g, c in tests.items()},
        "checks": {k: (c[True], c[True] + c[False]) for k, c in checks.items()},
        "failures": failures.most_common(TOP_MESSAGES),
        "seconds": seconds,
        "written": written,
        "totals": [t for t in totals if t is not None],
        "pending_manual": sum(t is None for t in totals),
        "people": [(s["student_id"], s.get("score", 0), s["status"]) for s in students]
        if names
        else [],
    }


def read_late(path: Path) -> list[tuple[float, float]] | None:
    """(seconds late, penalty) per student from late.csv (``autograder gradebook --late``)."""
    if not path.is_file():
        return None
    with open(path, newline="") as fh:
        return [(float(r["seconds_late"]), float(r["late_penalty"])) for r in csv.DictReader(fh)]


def report_html(
    doc: dict, names: bool = False, late: list[tuple[float, float]] | None = None
) -> str:
    r = summarise(doc, names)
    n, top = r["submissions"], r["max_score"]
    scores = r["scores"]
    mean = f"{statistics.fmean(scores):.1f}" if scores else "-"
    median = f"{statistics.median(scores):g}" if scores else "-"
    bin_labels = [f"{int(top * i / 10)}-{int(top * (i + 1) / 10)}" for i in range(10)]
    parts = [
        f"<h1>Class report: <code>{escape(r['assignment'])}</code></h1>",
        f"<p>{n} submissions, {r['graded']} graded; maximum {top:g} points; mean {mean}, "
        f"median {median}. Grader version {escape(str(doc.get('grader_version', '')))}, "
        f"isolation <code>{escape(str(doc.get('isolation', '')))}</code>."
        + ("" if names else " Anonymised: no student is named.")
        + "</p>",
        "<h2>Score distribution</h2>",
        _svg_bars(bin_labels, r["bins"], f"Number of submissions per score band (of {top:g})"),
        "<h2>Test cells: pass rate</h2>",
    ]
    tests = list(r["tests"].items())  # notebook order
    parts.append(
        _svg_bars(
            [g for g, _ in tests],
            [round(100 * p / t) if t else 0 for _, (p, t) in tests],
            "Share of graded submissions passing each test cell",
            "%",
            horizontal=True,
        )
    )
    parts.append(
        _table(
            ["test cell", "passed", "graded", "pass rate"],
            [[g, p, t, _pct(p, t)] for g, (p, t) in tests],
        )
    )
    parts.append("<h2>Checks: pass rate</h2>")
    if r["checks"]:
        parts.append(
            _table(
                ["test cell", "check", "passed", "graded", "pass rate"],
                [[g, c, p, t, _pct(p, t)] for (g, c), (p, t) in sorted(r["checks"].items())],
            )
        )
    else:
        parts.append("<p>No test cell of this assignment reports separate checks.</p>")
    parts.append("<h2>Most frequent failure messages</h2>")
    parts.append(
        _table(
            ["test cell", "message", "submissions", "share"],
            [[g, m, k, _pct(k, r["graded"])] for (g, m), k in r["failures"]],
        )
        if r["failures"]
        else "<p>No failures.</p>"
    )
    parts.append("<h2>Status counts</h2>")
    parts.append(
        _table(["submission status", "count"], sorted(map(list, r["submission_status"].items())))
    )
    parts.append(_table(["test cell status", "count"], sorted(map(list, r["test_status"].items()))))
    if r["written"]:
        total_max = float(doc.get("total_max_score", top))
        parts.append("<h2>Written answers (graded by hand)</h2>")
        parts.append(
            _table(
                ["question", "graded", PENDING, "mean points"],
                [
                    [g, done, waiting, f"{given / done:.1f} / {most:g}" if done else "-"]
                    for g, (done, waiting, given, most) in r["written"].items()
                ],
            )
        )
        totals = r["totals"]
        parts.append(
            f"<p class='totals'>{r['pending_manual']} of {r['graded']} graded submissions "
            f"{PENDING} (no total yet). Totals (automatic + manual) of the "
            f"{len(totals)} others: mean "
            f"{(f'{statistics.fmean(totals):.1f}' if totals else '-')} of {total_max:g}.</p>"
        )
    if late is not None:
        parts.append("<h2>Lateness</h2>")
        n_late = sum(1 for sec, _ in late if sec > 0)
        points = sum(pen for _, pen in late)
        parts.append(
            f"<p>{n_late} of {len(late)} submissions late; "
            f"{points:g} points taken off in all (<code>late.csv</code>).</p>"
        )
    parts.append("<h2>Grading time</h2>")
    secs = r["seconds"]
    if secs:
        parts.append(
            f"<p>Per submission: median {statistics.median(secs):.1f} s, longest "
            f"{max(secs):.1f} s, all together {sum(secs):.0f} s.</p>"
        )
        edges = [0, 5, 10, 20, 40, 80, 160, 320]
        counts = [sum(lo <= s < hi for s in secs) for lo, hi in zip(edges, edges[1:], strict=False)]
        counts.append(sum(s >= edges[-1] for s in secs))
        labels = [f"{lo}-{hi} s" for lo, hi in zip(edges, edges[1:], strict=False)]
        parts.append(
            _svg_bars(
                [*labels, f"{edges[-1]}+ s"], counts, "Number of submissions per grading time"
            )
        )
    if names:
        parts.append("<h2>Students</h2>")
        parts.append(_table(["student", "score", "status"], [list(p) for p in r["people"]]))
    style = (
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
        "color:#111}table{border-collapse:collapse;margin:.5rem 0 1rem}"
        "td,th{border:1px solid #bbb;padding:.2rem .5rem;text-align:left;"
        "vertical-align:top}svg{display:block;margin:.5rem 0}"
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Class report: {escape(r['assignment'])}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )


def report(assignment: str, grading: Path, out: Path | None = None, names: bool = False) -> int:
    source = grading / "results.json"
    if not source.is_file():
        print(f"autograder report: {source} is missing: grade first", flush=True)
        return 2
    doc = json.loads(source.read_text())
    if doc.get("assignment") != assignment:
        print(f"autograder report: {source} is for {doc.get('assignment')!r}, not {assignment!r}")
        return 2
    out = out or grading / "report.html"
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(report_html(doc, names, read_late(grading / "late.csv")))
    print(f"class report for {assignment}: {out}")
    return 0
