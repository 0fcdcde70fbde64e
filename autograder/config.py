"""The course and an assignment's configuration: paths, the assignment list, limits.

:class:`Course` owns where things are (``solutions/<a>/<a>.ipynb``, its mutants and
grader-only helpers, ``exercises/<a>/<a>.ipynb``) and which assignments exist.
:class:`Limits` is what a notebook's ``"autograder"`` metadata may set; an unknown key
(a typo such as ``test_timout``) is an error naming the key, never silently ignored, and
``--set KEY=VALUE`` is parsed with the type of the field it sets.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

#: The course root: the repository holding autograder/, solutions/ and exercises/.
COURSE_DIR = Path(__file__).resolve().parent.parent
#: Keys of the notebook's ``"autograder"`` metadata that are not limits.
RULE_KEYS = ("assignment", "forbidden_modules", "masks")
#: What the graded cells of an assignment must add up to.
TOTAL_POINTS = 100.0


class ConfigError(ValueError):
    """An assignment's or a run's configuration is wrong; the message names what."""


@dataclass(frozen=True)
class Limits:
    """Per-submission limits (from the notebook's ``autograder`` metadata)."""

    cell_timeout: float = 30
    test_timeout: float = 60
    notebook_timeout: float = 300
    memory_mb: int = 4096
    output_kb: int = 1024
    disk_mb: int = 64
    nproc: int = 256

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_metadata(cls, meta: dict, where: str = "the notebook's autograder metadata") -> Limits:
        unknown = sorted(set(meta) - set(cls.field_names()) - set(RULE_KEYS))
        if unknown:
            raise ConfigError(
                f"unknown key {', '.join(map(repr, unknown))} in {where}; known: "
                f"{', '.join(cls.field_names() + list(RULE_KEYS))}"
            )
        return cls(**{k: cls.parse(k, meta[k]) for k in cls.field_names() if k in meta})

    @classmethod
    def parse(cls, key: str, value: object) -> float | int:
        """``value`` as the type of field ``key`` (a positive number)."""
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        if key not in kinds:
            raise ConfigError(f"unknown limit {key!r}; known: {', '.join(cls.field_names())}")
        kind = float if kinds[key] in (float, "float") else int
        try:
            number = kind(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or number <= 0:
            raise ConfigError(f"limit {key!r} must be a positive {kind.__name__}, not {value!r}")
        return number

    @classmethod
    def overrides(cls, items: list[str]) -> dict[str, float | int]:
        """``KEY=VALUE`` items (``autograder grade --set``), each parsed as its field's type."""
        changes = {}
        for item in items:
            key, sep, value = item.partition("=")
            if not sep or not value:
                raise ConfigError(f"--set {item!r}: write LIMIT=VALUE, e.g. test_timeout=20")
            changes[key] = cls.parse(key, value)
        return changes


@dataclass(frozen=True)
class Course:
    """Where a course's files are, and which assignments it has."""

    root: Path = COURSE_DIR

    @property
    def solutions(self) -> Path:
        return self.root / "solutions"

    def assignments(self) -> list[str]:
        """Every ``solutions/<a>/`` holding ``<a>.ipynb``, sorted."""
        if not self.solutions.is_dir():
            return []
        return sorted(p.name for p in self.solutions.iterdir() if (p / f"{p.name}.ipynb").is_file())

    def source(self, assignment: str) -> Path:
        return self.solutions / assignment / f"{assignment}.ipynb"

    def blank(self, assignment: str) -> Path:
        return self.root / "exercises" / assignment / f"{assignment}.ipynb"

    def mutants(self, assignment: str) -> list[Path]:
        return sorted((self.solutions / assignment / "mutants").glob("*.py"))


def points_problem(grade_points: dict[str, float]) -> str:
    """'' when the graded cells' points add up to :data:`TOTAL_POINTS`, else what is wrong."""
    total = sum(grade_points.values())
    if abs(total - TOTAL_POINTS) < 1e-9:
        return ""
    cells = ", ".join(f"{gid} {points:g}" for gid, points in grade_points.items())
    return f"the graded cells' points sum to {total:g}, not {TOTAL_POINTS:g} ({cells})"
