"""The score of every known submission, per graded cell, through the real CLI.

Every solution, blank notebook (``exercises/``), mutant and integrity case of an
assignment is graded in one run of ``autograder grade`` (``--jobs 2``, the integrity
corpus's limits; ``tests/corpus.py`` writes the class and grades it); the table maps each
to its submission status and, per graded cell, ``[points, status]``.
``tests/score_table.json`` holds the table recorded before the grader-only helpers
(issue 15) moved code out of the hidden parts, and ``tests/test_score_table.py`` compares
the session's corpus run (the one the integrity test checks too) with it.

    .venv/bin/python tests/score_table.py conv detection     # re-record those assignments
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from corpus import run_corpus, table_rows  # noqa: E402

TABLE = Path(__file__).with_name("score_table.json")


def grade(assignment: str) -> dict[str, dict]:
    """Grade every known submission with the real CLI; the table's rows for this assignment."""
    with tempfile.TemporaryDirectory(prefix=f"score-table-{assignment}-") as tmp:
        return table_rows(run_corpus(assignment, Path(tmp)).results)


def differences(old: dict[str, dict], new: dict[str, dict]) -> list[str]:
    """What changed between two tables of one assignment, one line per cell."""
    lines = [
        f"{sid}: only in the {'recorded' if sid in old else 'new'} table"
        for sid in sorted(set(old) ^ set(new))
    ]
    for sid in sorted(set(old) & set(new)):
        a, b = old[sid], new[sid]
        if a["status"] != b["status"]:
            lines.append(f"{sid}: submission {a['status']} -> {b['status']}")
        for gid in sorted(set(a["cells"]) | set(b["cells"])):
            if a["cells"].get(gid) != b["cells"].get(gid):
                lines.append(f"{sid}: {gid} {a['cells'].get(gid)} -> {b['cells'].get(gid)}")
    return lines


def main(assignments: list[str]) -> int:
    table = json.loads(TABLE.read_text()) if TABLE.exists() else {}
    for assignment in assignments:
        table[assignment] = grade(assignment)
        print(f"{assignment}: {len(table[assignment])} submissions recorded")
    TABLE.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["conv", "detection"]))
