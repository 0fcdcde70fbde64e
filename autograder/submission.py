"""Reading a submitted notebook (untrusted) and planning which of its cells run.

From the submission come only its solution cells, the cells the student added and the text
of its written answers; everything else comes from the trusted source
(``autograder.notebook``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from autograder.notebook import Assignment, BadNotebook, cell_source, nbgrader_meta


def read_submission(data: bytes) -> dict:
    """Parse a submitted file, or raise :class:`BadNotebook` saying what is wrong with it.

    Plain ``json`` on purpose: nbformat's schema validation costs seconds per process and
    a submission only needs its code cells' sources and nbgrader ids.
    """
    if not data.strip():
        raise BadNotebook("invalid_notebook", "the file is empty")
    try:
        nb = json.loads(data.decode("utf-8", errors="replace"))
    except (ValueError, RecursionError) as exc:
        raise BadNotebook(
            "invalid_notebook",
            f"the file is not valid JSON ({str(exc)[:120]}); "
            "was it saved while the notebook was open?",
        ) from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise BadNotebook(
            "invalid_notebook", "the file is JSON but not a Jupyter notebook (no list of cells)"
        )
    if not isinstance(nb.get("metadata", {}), dict):
        nb["metadata"] = {}
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict):
            raise BadNotebook(
                "invalid_notebook", "the notebook has a cell that is not a JSON object"
            )
        src = cell.get("source", "")
        if isinstance(src, list) and all(isinstance(s, str) for s in src):
            src = "".join(src)
        if not isinstance(src, str):
            raise BadNotebook(
                "invalid_notebook", "the notebook has a cell whose source is not text"
            )
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        if not isinstance(meta.get("nbgrader", {}), dict):
            meta = {**meta, "nbgrader": {}}
        cells.append({"cell_type": cell.get("cell_type"), "source": src, "metadata": meta})
    nb["cells"] = cells
    return nb


@dataclass
class PlannedCell:
    label: str
    source: str
    grade_id: str | None
    origin: str  # "submission" or "source"


@dataclass
class Plan:
    cells: list[PlannedCell]
    missing_solutions: list[str]
    student_code: list[tuple[str, str]]  # (label, source) of the cells the student wrote


def plan_cells(assignment: Assignment, nb) -> Plan:
    """Which cells run, in which order: the source's skeleton with the student's answers.

    Locked cells come from the source, graded test cells are left out (their hidden parts
    run in the grader), solution cells and cells the student added come from the submission.
    """
    code_cells = [c for c in nb["cells"] if c.get("cell_type") == "code"]
    by_id: dict[str, str] = {}
    added: dict[str | None, list[tuple[str, str]]] = {}
    anchor: str | None = None
    source_ids = {c.grade_id for c in assignment.cells if c.grade_id}
    meta = nb.get("metadata", {}).get("autograder")
    other_assignment = meta.get("assignment") if isinstance(meta, dict) else None
    if other_assignment and other_assignment != assignment.name:
        raise BadNotebook(
            "wrong_assignment",
            f"this notebook belongs to the assignment {other_assignment!r}, "
            f"not {assignment.name!r}",
        )
    submitted_ids = {
        nbgrader_meta(c).get("grade_id") for c in code_cells if nbgrader_meta(c).get("grade_id")
    }
    if submitted_ids and not (submitted_ids & source_ids):
        raise BadNotebook(
            "wrong_assignment",
            f"none of this notebook's cells belong to {assignment.name!r}; "
            "was another assignment's notebook submitted?",
        )
    for position, cell in enumerate(nb["cells"], start=1):
        if cell.get("cell_type") != "code":
            continue
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in source_ids:
            if gid in assignment.solution_ids and gid not in by_id:
                by_id[gid] = cell_source(cell)
            anchor = gid
        else:
            added.setdefault(anchor, []).append((f"[{position}]", cell_source(cell)))
    cells: list[PlannedCell] = []
    student_code: list[tuple[str, str]] = []
    missing: list[str] = []
    first_solution_seen = False

    def add_student(anchor_id: str | None) -> None:
        for label, src in added.get(anchor_id, []):
            cells.append(PlannedCell(label, src, None, "submission"))
            student_code.append((label, src))

    for cell in assignment.cells:
        if cell.kind == "solution" and not first_solution_seen:
            first_solution_seen = True
            add_student(None)
        if cell.kind == "locked":
            cells.append(
                PlannedCell(f"{cell.grade_id} (locked)", cell.source, cell.grade_id, "source")
            )
        elif cell.kind == "solution":
            if cell.grade_id in by_id:
                cells.append(
                    PlannedCell(
                        str(cell.grade_id), by_id[cell.grade_id], cell.grade_id, "submission"
                    )
                )
                student_code.append((str(cell.grade_id), by_id[cell.grade_id]))
            else:
                missing.append(str(cell.grade_id))
        if cell.grade_id:
            add_student(cell.grade_id)
    if not first_solution_seen:
        add_student(None)
    return Plan(cells, missing, student_code)
