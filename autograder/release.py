"""``autograder release``: ``exercises/`` is generated from ``solutions/`` by nbgrader itself.

Each assignment is copied (without ``mutants/`` and ``grading.py``) into a throwaway nbgrader course
directory, ``nbgrader generate_assignment`` produces the student version, and the result
is written with outputs cleared and JSON normalised, so running it twice changes nothing
and ``--check`` can tell when ``exercises/`` is stale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

from autograder.config import COURSE_DIR, Course
from autograder.helpers import GRADER_ONLY

_SKIP = {*GRADER_ONLY, "__pycache__", ".ipynb_checkpoints"}


def normalise(text: str) -> str:
    """Outputs and execution counts cleared, keys sorted, one trailing newline."""
    nb = nbformat.reads(text, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.metadata.pop("execution", None)
        cell.pop("id", None)
    nb.nbformat_minor = 4  # no cell ids: stable output across nbformat versions
    return nbformat.writes(nb, version=4).rstrip("\n") + "\n"


_DRIVER = """
import json, sys
from traitlets.config import Config
from nbgrader.apps.api import NbGraderAPI
from nbgrader.coursedir import CourseDirectory
import nbgrader.api
from alembic.script import ScriptDirectory
from nbgrader.dbutil import ALEMBIC_DIR
# the same answer as nbgrader's `alembic heads` subprocess, without starting one
_head = ScriptDirectory(ALEMBIC_DIR).get_current_head()
nbgrader.api.get_alembic_version = lambda: _head
root, names = sys.argv[1], sys.argv[2:]
config = Config()
config.CourseDirectory.root = root
config.CourseDirectory.db_url = f"sqlite:///{root}/gradebook.db"
api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
failed = {}
for name in names:
    result = api.generate_assignment(name, force=True, create=True)
    if not result["success"]:
        failed[name] = (result.get("error") or "") + (result.get("log") or "")
print(json.dumps(failed))
sys.exit(1 if failed else 0)
"""


def generate(names: list[str], course: Path = COURSE_DIR) -> dict[str, dict[str, bytes]]:
    """The released files of each assignment: {name: {relative path: content}}.

    One process runs nbgrader's own ``generate_assignment`` (through its API) for all of
    them, in a temporary course directory, so nothing in the repository is touched.
    """
    out: dict[str, dict[str, bytes]] = {}
    with tempfile.TemporaryDirectory(prefix="autograder-release-") as tmp:
        root = Path(tmp)
        for name in names:
            shutil.copytree(
                course / "solutions" / name,
                root / "source" / name,
                ignore=lambda d, entries: [n for n in entries if n in _SKIP],
            )
        env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}")
        proc = subprocess.run(
            [sys.executable, "-c", _DRIVER, str(root), *names],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            raise RuntimeError(
                f"nbgrader generate_assignment failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
            )
        for name in names:
            released = root / "release" / name
            files: dict[str, bytes] = {}
            for path in sorted(released.rglob("*")):
                if path.is_file():
                    data = path.read_bytes()
                    if path.suffix == ".ipynb":
                        data = normalise(data.decode()).encode()
                    files[str(path.relative_to(released))] = data
            out[name] = files
    return out


def release(
    assignments: list[str] | None = None, check: bool = False, course: Path = COURSE_DIR
) -> int:
    names = assignments or Course(course).assignments()
    stale = []
    generated = generate(names, course)
    for name in names:
        files = generated[name]
        target = course / "exercises" / name
        existing = (
            {str(p.relative_to(target)): p.read_bytes() for p in target.rglob("*") if p.is_file()}
            if target.exists()
            else {}
        )
        if existing == files:
            print(f"exercises/{name}: up to date")
            continue
        stale.append(name)
        if check:
            changed = sorted(
                set(files) ^ set(existing) | {k for k in files if existing.get(k) != files[k]}
            )
            print(f"exercises/{name}: STALE ({', '.join(changed)}); run `autograder release`")
            continue
        if target.exists():
            shutil.rmtree(target)
        for rel, data in files.items():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            (target / rel).write_bytes(data)
        print(f"exercises/{name}: written")
    return 1 if check and stale else 0
