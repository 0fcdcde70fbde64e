"""Grader-only code of an assignment: ``solutions/<a>/grading.py``.

Oracles, diagnose functions, misconception detectors and Hypothesis strategies that more
than one hidden part uses live there, once. The file is loaded once per grading process
(before any clock runs) and its public names (those not starting with ``_``, or those in
its ``__all__``) are in every hidden part's namespace. While a hidden part runs, the file's
globals also hold what the grader gives that hidden part (the proxies to the student's
functions, ``expect``, ``check_array``, ``solution``, ``rng``, ``student_seed``,
``in_submission``, ``speed_ratio``, ``given`` / ``settings`` / ``st`` and the names of the
source's locked cells), so a helper reads like the hidden parts that call it.

The file is never released (``autograder release`` and ``hub/publish.py`` leave it out),
never visible in the sandbox (the course directory is hidden there) and part of the
assignment's fingerprint (changing it regrades every submission).
"""

from __future__ import annotations

import contextlib
import io
import types
from pathlib import Path
from typing import Any

#: Files and folders of ``solutions/<a>/`` that only the grader and instructors see.
GRADER_ONLY = ("mutants", "grading.py")
HELPERS_FILE = "grading.py"

_loaded: dict[Path, tuple[types.ModuleType, frozenset[str]]] = {}


def helpers_path(notebook: Path) -> Path:
    """Where the grader-only helpers of the assignment whose source is ``notebook`` live."""
    return notebook.parent / HELPERS_FILE


def load(notebook: Path) -> types.ModuleType | None:
    """The assignment's helpers module (built once per process), or None without one."""
    path = helpers_path(notebook)
    if not path.is_file():
        return None
    if path not in _loaded:
        module = types.ModuleType(
            f"grading_{notebook.stem}", f"grader-only helpers of {notebook.stem}"
        )
        module.__file__ = str(path)
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(path.read_text(), str(path), "exec"), module.__dict__)  # noqa: S102 - trusted
        _loaded[path] = (module, frozenset(module.__dict__))
    return _loaded[path][0]


def public_names(module: types.ModuleType) -> dict[str, Any]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in _loaded[Path(module.__file__ or "")][1] if not n.startswith("_")]
        names = [n for n in names if not isinstance(module.__dict__[n], types.ModuleType)]
    return {n: module.__dict__[n] for n in names}


def bind(notebook: Path, ns: dict[str, Any]) -> None:
    """Give one hidden part's namespace ``ns`` the helpers, and the helpers that part's names.

    The helpers' own definitions win over the grader's names of the same name; every other
    name of ``ns`` (proxies, ``rng``, ...) replaces what the previous hidden part left.
    """
    module = load(notebook)
    if module is None:
        return
    own = _loaded[helpers_path(notebook)][1]
    for key in [k for k in module.__dict__ if k not in own]:
        del module.__dict__[key]
    module.__dict__.update({k: v for k, v in ns.items() if k not in own and not k.startswith("__")})
    ns.update(public_names(module))
