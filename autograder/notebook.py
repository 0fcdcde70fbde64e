"""Reading nbgrader source notebooks (what of a submission runs: ``autograder.submission``).

The source (``solutions/<a>/<a>.ipynb``) is trusted; a submission is not. From the source
come the locked cells, the graded cells' hidden parts, the written answers' points and the
limits; from the submission only its solution cells, the cells the student added and the
text of its written answers.

A written answer is nbgrader's "manually graded answer": a markdown cell with ``grade`` and
``solution`` true, ``points``, and a ``grade_id`` starting with ``written_``. The grader
scores it nothing: it carries the student's text to a person (the Formgrader).
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from autograder.config import ConfigError, Limits

HIDDEN = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS[ \t]*\n(.*?)^[ \t]*### END HIDDEN TESTS[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
DEFAULT_FORBIDDEN: list[str] = []


class BadNotebook(Exception):
    """A submission that cannot be graded at all; ``status`` says why."""

    def __init__(self, status: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def nbgrader_meta(cell) -> dict:
    return dict(cell.get("metadata", {}).get("nbgrader", {}) or {})


def cell_source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def hidden_part(source: str) -> str:
    """The hidden tests of a graded cell (every ``BEGIN/END HIDDEN TESTS`` block)."""
    return "\n".join(block for block in HIDDEN.findall(source))


def defined_functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def referenced_names(source: str, depth: int = 0) -> set[str]:
    """Names a hidden part uses, including inside harness code strings (``in_submission``)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if depth == 0:
        formatted = {
            id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in formatted
                and ("\n" in node.value.strip() or "(" in node.value)
            ):
                names |= referenced_names(node.value, depth + 1)
    return names


@dataclass
class SourceCell:
    kind: str  # "solution", "locked", "graded" or "free"
    grade_id: str | None
    source: str


@dataclass
class GradedCell:
    grade_id: str
    points: float
    hidden: str


@dataclass
class WrittenCell:
    """A written answer a person grades (nbgrader's manually graded answer cell)."""

    grade_id: str
    points: float


#: What a written answer's grade_id starts with (never ``test_``: those are automatic).
WRITTEN_PREFIX = "written_"


@dataclass
class Assignment:
    """A source notebook, parsed once."""

    name: str
    path: Path
    cells: list[SourceCell]
    graded: list[GradedCell]
    functions: dict[str, str]  # function name -> grade_id of the solution cell defining it
    limits: Limits
    forbidden: list[str]
    config: dict = field(default_factory=dict)
    written: list[WrittenCell] = field(default_factory=list)

    @property
    def max_score(self) -> float:
        """The automatic graded cells' points (what the grader scores)."""
        return sum(g.points for g in self.graded)

    @property
    def written_max_score(self) -> float:
        return sum(w.points for w in self.written)

    @property
    def total_max_score(self) -> float:
        """Automatic and written points together (the points check: 100)."""
        return self.max_score + self.written_max_score

    def all_points(self) -> dict[str, float]:
        """Every graded cell's points, automatic and written, by grade_id."""
        return {c.grade_id: c.points for c in [*self.graded, *self.written]}

    @property
    def solution_ids(self) -> set[str]:
        return {c.grade_id for c in self.cells if c.kind == "solution" and c.grade_id}

    def fingerprint(self) -> str:
        """The source notebook's digest, and its grader-only helpers' when it has some."""
        digest = hashlib.sha256(self.path.read_bytes())
        helpers = self.path.parent / "grading.py"
        if helpers.is_file():
            digest.update(b"\0grading.py\0" + helpers.read_bytes())
        return digest.hexdigest()[:16]


def cell_kind(cell) -> str:
    meta = nbgrader_meta(cell)
    if meta.get("solution"):
        return "solution"
    if meta.get("grade"):
        return "graded"
    if meta.get("locked"):
        return "locked"
    return "free"


def is_written(cell) -> bool:
    """A markdown cell nbgrader grades by hand (a written answer)."""
    return cell.get("cell_type") == "markdown" and bool(nbgrader_meta(cell).get("grade"))


def _written_cell(cell, where: str) -> WrittenCell:
    meta = nbgrader_meta(cell)
    grade_id = str(meta.get("grade_id", ""))
    if not meta.get("solution") or not grade_id.startswith(WRITTEN_PREFIX):
        raise ConfigError(
            f"{where}: the graded markdown cell {grade_id!r} is not a written answer: it needs "
            f'"solution": true and a grade_id starting with {WRITTEN_PREFIX!r}'
        )
    return WrittenCell(grade_id, float(meta.get("points", 0)))


@lru_cache(maxsize=8)
def load_assignment(path: Path) -> Assignment:
    nb = json.loads(path.read_text())
    config = dict(nb.get("metadata", {}).get("autograder", {}))
    name = config.get("assignment") or path.stem
    cells: list[SourceCell] = []
    graded: list[GradedCell] = []
    functions: dict[str, str] = {}
    written = [_written_cell(c, path.name) for c in nb["cells"] if is_written(c)]
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code":
            continue
        kind, meta, source = cell_kind(cell), nbgrader_meta(cell), cell_source(cell)
        cells.append(SourceCell(kind, meta.get("grade_id"), source))
        if kind == "solution":
            for fn in defined_functions(source):
                functions[fn] = meta.get("grade_id", "")
    for cell in cells:
        if cell.kind == "graded":
            raw = next(c for c in nb["cells"] if nbgrader_meta(c).get("grade_id") == cell.grade_id)
            hidden = hidden_part(cell_source(raw))
            points = float(nbgrader_meta(raw).get("points", 0))
            graded.append(GradedCell(cell.grade_id or "?", points, hidden))
    return Assignment(
        name=name,
        path=path,
        cells=cells,
        graded=graded,
        functions=functions,
        limits=Limits.from_metadata(config, f"{path.name}'s autograder metadata"),
        forbidden=list(config.get("forbidden_modules", DEFAULT_FORBIDDEN)),
        config=config,
        written=written,
    )


def written_answers(assignment: Assignment, nb: dict) -> dict[str, str | None]:
    """The submission's text of each written answer (``None``: the cell is not there).

    Only ever the submission's: the source's model answer never reaches a result."""
    found: dict[str, str | None] = {w.grade_id: None for w in assignment.written}
    for cell in nb.get("cells", []):
        gid = nbgrader_meta(cell).get("grade_id")
        if cell.get("cell_type") == "markdown" and gid in found and found[gid] is None:
            found[gid] = cell_source(cell)
    return found
