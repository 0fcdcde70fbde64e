"""Per-student feedback HTML: scores, messages, written answers with their manual grades and
comments, and the student's own code; no hidden tests."""

from __future__ import annotations

import html

from autograder.results import PENDING, shown, with_totals

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: .4rem; vertical-align: top; text-align: left; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; margin: 0; }
.passed { color: #1a7f37; } .failed, .error, .forbidden, .missing { color: #b00020; }
.timeout, .out_of_memory, .crashed, .exited, .protocol { color: #8a4b00; }
.needs_manual_grading { color: #5a3d8a; }
"""


def _written_rows(result: dict) -> str:
    e = html.escape
    rows = []
    for w in result.get("written") or []:
        status = e(str(w.get("status", "")))
        points = w.get("points")
        label = PENDING if points is None else f"{points:g} / {w.get('max_points', 0):g}"
        rows.append(
            f"<tr class='written' data-grade-id='{e(str(w.get('grade_id', '')))}'>"
            f"<td>{e(str(w.get('grade_id', '')))}</td><td>{e(label)}</td>"
            f"<td class='{status}'>{status}</td>"
            f"<td><pre>{e(str(w.get('comment', '')))}</pre></td>"
            f"<td><pre>{e(str(w.get('answer', '')))}</pre></td></tr>"
        )
    if not rows:
        return ""
    return (
        "<h2>Written answers (graded by hand)</h2><table><thead><tr><th>Question</th>"
        "<th>Points</th><th>Status</th><th>Comment</th><th>Your answer</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _comments(result: dict) -> str:
    items = "".join(
        f"<li>{html.escape(str(c.get('cell', '')))}: <pre>{html.escape(str(c.get('comment', '')))}"
        "</pre></li>"
        for c in result.get("comments") or []
    )
    return (
        f"<h2>Comments from your instructor</h2><ul class='comments'>{items}</ul>" if items else ""
    )


def feedback_html(result: dict, doc: dict) -> str:
    """One self-contained page for one entry of ``doc`` (``results.json``). Messages are
    words written for students, never test code."""
    e = html.escape
    result = with_totals(dict(result))
    name = e(str(doc.get("assignment", "")))
    max_score = float(doc.get("max_score", 0))
    total_max = float(doc.get("total_max_score", max_score))
    sid = e(str(result.get("student_id", "")))
    rows = []
    for t in result.get("tests", []):
        status = e(str(t.get("status", "")))
        points = f"{t.get('points', 0):g} / {t.get('max_points', 0):g}"
        if t.get("manual_points") is not None:
            points = (
                f"{t['manual_points']:g} / {t.get('max_points', 0):g} (set by your instructor; "
                f"the grader gave {t.get('points', 0):g})"
            )
        rows.append(
            f"<tr><td>{e(str(t.get('grade_id', '')))}</td><td>{points}</td>"
            f"<td class='{status}'>{status}</td>"
            f"<td><pre>{e(str(t.get('message', '')))}</pre></td></tr>"
        )
    code = []
    for label, source in result.get("student_code", []):
        code.append(f"<h3>Cell {e(str(label))}</h3><pre>{e(str(source))}</pre>")
    cells = [c for c in result.get("cells", []) if c.get("status") not in ("ok",)]
    problems = "".join(
        f"<li>cell {e(c['label'])}: {e(c['status'])}<pre>{e(c.get('message', ''))}</pre></li>"
        for c in cells
    )
    score = f"{result.get('score', 0):g} / {max_score:g}"
    if result.get("written"):
        summary = (
            f"<p class='total'>Total: <strong>{e(shown(result['total']))}</strong> "
            f"(of {total_max:g}): automatic tests {score}, written answers "
            f"{e(shown(result['manual_score']))} (of {total_max - max_score:g}).</p>"
        )
    else:
        summary = (
            f"<p class='total'>Total: <strong>{e(shown(result['total']))}</strong> "
            f"(of {max_score:g}).</p>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {name} ({sid})</title>
<style>{_STYLE}</style></head><body>
<h1>{name}: feedback for {sid}</h1>
{summary}
<p>Automatic tests: <strong>{score}</strong>
({e(str(result.get("status", "")))}).
{e(str(result.get("message", "")))}</p>
<table><thead><tr><th>Test</th><th>Points</th><th>Status</th><th>What the grader found</th></tr>
</thead>
<tbody>{"".join(rows)}</tbody></table>
{_written_rows(result)}
{_comments(result)}
{f"<h2>Cells that did not run cleanly</h2><ul>{problems}</ul>" if problems else ""}
<h2>Your code</h2>
{"".join(code) or "<p>(none)</p>"}
</body></html>
"""
