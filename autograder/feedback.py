"""Per-student feedback HTML: scores, messages and the student's own code; no hidden tests."""

from __future__ import annotations

import html

from autograder.notebook import Assignment

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
table { border-collapse: collapse; width: 100%; }
td, th { border: 1px solid #ccc; padding: .4rem; vertical-align: top; text-align: left; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; margin: 0; }
.passed { color: #1a7f37; } .failed, .error, .forbidden, .missing { color: #b00020; }
.timeout, .out_of_memory, .crashed, .exited, .protocol { color: #8a4b00; }
"""


def feedback_html(result: dict, assignment: Assignment) -> str:
    """One self-contained page. Messages are words written for students, never test code."""
    e = html.escape
    sid = e(str(result.get("student_id", "")))
    rows = []
    for t in result.get("tests", []):
        status = e(str(t.get("status", "")))
        rows.append(
            f"<tr><td>{e(str(t.get('grade_id', '')))}</td><td>{t.get('points', 0):g} / "
            f"{t.get('max_points', 0):g}</td>"
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
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Feedback: {e(assignment.name)} ({sid})</title>
<style>{_STYLE}</style></head><body>
<h1>{e(assignment.name)}: feedback for {sid}</h1>
<p>Score: <strong>{result.get("score", 0):g} / {assignment.max_score:g}</strong>
({e(str(result.get("status", "")))}).
{e(str(result.get("message", "")))}</p>
<table><thead><tr><th>Test</th><th>Points</th><th>Status</th><th>What the grader found</th></tr>
</thead>
<tbody>{"".join(rows)}</tbody></table>
{f"<h2>Cells that did not run cleanly</h2><ul>{problems}</ul>" if problems else ""}
<h2>Your code</h2>
{"".join(code) or "<p>(none)</p>"}
</body></html>
"""
