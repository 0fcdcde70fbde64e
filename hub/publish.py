"""Publish the student-facing copy of the course: the book and `convnets`, never
`solutions/`, the grader, the tests or the hub's files, nor `exercises/`: students get each
exercise once, from nbgrader's Assignment List (the copy they can submit), and a launch
link, which pulls this copy into `~/convnets`, must not put a second copy beside it.

    .venv/bin/python -m hub.publish --out DIR            # a directory
    .venv/bin/python -m hub.publish --branch student     # a commit on branch `student`
    .venv/bin/python -m hub.publish --branch student --push origin

The branch is what the book's launch buttons pull through nbgitpuller (_config.yml:
repository.branch). Publishing with --branch writes only the branch: the working tree,
the index and HEAD are left alone. Before writing anything the copy is checked with
`find_leaks` (solution and hidden-test markers, and every distinctive line of the hidden
solutions and hidden tests); a leak stops the publish.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from hub.course import REPO

# What students get. Everything else (solutions/, autograder/, tests/, hub/, bench/,
# Makefile, .ci/) stays with the instructors.
INCLUDE = [
    "book",
    "convnets",
    "_config.yml",
    "_toc.yml",
    "environment.yml",
    "requirements.txt",
    "pyproject.toml",
    "LICENSE",
]
SKIP_NAMES = {"__pycache__", ".ipynb_checkpoints", "mutants", "grading.py", ".pytest_cache"}
SKIP_SUFFIXES = {".pyc", ".sqlite", ".db"}
MARKERS = ["BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"]
FORBIDDEN_PARTS = {
    "solutions",
    "autograder",
    "tests",
    "hub",
    "mutants",
    "gradebook.db",
    "jupyterhub_cookie_secret",
    "jupyterhub.sqlite",
    "passwords.json",
}
MIN_DISTINCTIVE = 24  # shorter lines (e.g. "return out") are not evidence of a leak
LEAK_LINES = 2  # distinctive lines of one hidden cell in one file: a leak

STUDENT_README = """\
# Convolutional Nets: the student copy

The book (`book/`) and the course's small library (`convnets/`); the book's launch
buttons pull this copy into the course's JupyterHub, and `environment.yml` runs it
anywhere. The exercises are not here: fetch and submit them from JupyterLab's *Nbgrader >
Assignment List* (one copy of each, the one you can submit); each visible test cell
checks your answer, and the grader runs more tests after you submit.
"""


def copy_student_files(repo: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in SKIP_NAMES or Path(n).suffix in SKIP_SUFFIXES}

    for name in INCLUDE:
        source = repo / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=ignore, dirs_exist_ok=True)
        elif source.is_file():
            shutil.copy2(source, out / name)
    pyproject = out / "pyproject.toml"
    if pyproject.exists():  # no `autograder` command in the student copy
        text = re.sub(r"\[project\.scripts\]\n(?:[^\[\n].*\n|\n)*", "", pyproject.read_text())
        pyproject.write_text(text)
    (out / "README.md").write_text(STUDENT_README)


def notebook_text(path: Path) -> str:
    """Every cell's source and text output, one line per source line."""
    try:
        notebook = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return path.read_text(errors="ignore")
    parts = []
    for cell in notebook.get("cells", []):
        source = cell.get("source", "")
        parts.append(source if isinstance(source, str) else "".join(source))
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            parts.append(text if isinstance(text, str) else "".join(text))
    return "\n".join(parts)


def file_text(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        return notebook_text(path)
    data = path.read_bytes()
    if b"\0" in data[:4096]:
        return None  # a binary file (an image)
    return data.decode("utf-8", errors="ignore")


def hidden_regions(solutions: Path) -> dict[str, set[str]]:
    """Distinctive lines of each piece of hidden material: every solution cell's answer,
    every hidden test's checks (lines that call the grader's `expect`, `check_array`,
    `solution`, ...), every mutant's replacement code. Imports, comments and short lines
    are left out: they are not evidence of anything."""
    regions: dict[str, set[str]] = {}
    region = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", re.S)
    grader_api = re.compile(r"\b(expect|check_array|solution\.|time_ratio|in_submission)\b")
    for notebook in sorted(solutions.glob("*/*.ipynb")):
        for n, match in enumerate(region.finditer(notebook_text(notebook))):
            found = {line.strip() for line in match.group(2).splitlines()}
            if match.group(1) == "HIDDEN TESTS":
                found = {line for line in found if grader_api.search(line)}
            regions[f"{notebook.name} {match.group(1).lower()} #{n}"] = found
    for mutant in sorted(solutions.glob("*/mutants/*.py")):
        cells = runpy.run_path(str(mutant)).get("CELLS", {})
        for grade_id, code in cells.items():
            regions[f"mutant {mutant.stem} {grade_id}"] = {
                line.strip() for line in str(code).splitlines()
            }
    for helpers in sorted(solutions.glob("*/grading.py")):  # grader-only helpers: all hidden
        regions[f"grader-only {helpers.parent.name}/grading.py"] = {
            line.strip() for line in helpers.read_text().splitlines()
        }
    return {
        name: {
            line
            for line in lines
            if len(line) >= MIN_DISTINCTIVE
            and not line.startswith(("#", '"""', "'''", "import ", "from "))
        }
        for name, lines in regions.items()
    }


def hidden_lines(solutions: Path) -> set[str]:
    return set().union(*hidden_regions(solutions).values())


def public_lines(copy: Path, released: Path = REPO / "exercises") -> set[str]:
    """Lines students get by design: the released exercises (visible tests, stubs; from the
    Assignment List, not in the copy) and the course's library `convnets/` (which solves
    no exercise; its own tests check that)."""
    texts = [notebook_text(p) for p in released.glob("*/*.ipynb")]
    texts += [p.read_text() for p in (copy / "convnets").rglob("*.py")]
    return {line.strip() for text in texts for line in text.splitlines()}


def is_assignment(path: Path) -> bool:
    """Whether `path` is an nbgrader notebook (cells with nbgrader metadata): an exercise."""
    if path.suffix != ".ipynb":
        return False
    try:
        cells = json.loads(path.read_text()).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return False
    return any("nbgrader" in cell.get("metadata", {}) for cell in cells if isinstance(cell, dict))


def find_leaks(copy: Path, solutions: Path = REPO / "solutions") -> list[str]:
    """What in `copy` students must not get: one message per problem, [] when clean.

    A file leaks when it holds an nbgrader solution or hidden-test marker, an instructors'
    file, or LEAK_LINES or more distinctive lines of one piece of hidden material (a
    solution cell, a hidden test, a mutant) that students do not get anyway. One shared
    line is not evidence: `loss_fn = nn.CrossEntropyLoss()` is in every PyTorch text.
    """
    problems = []
    regions = hidden_regions(solutions) if solutions.exists() else {}
    public = public_lines(copy, solutions.parent / "exercises")
    regions = {name: lines - public for name, lines in regions.items()}
    for path in sorted(p for p in copy.rglob("*") if p.is_file()):
        relative = path.relative_to(copy)
        if FORBIDDEN_PARTS & set(relative.parts):
            problems.append(f"{relative}: instructors' file")
            continue
        if relative.parts[0] == "exercises" or is_assignment(path):
            problems.append(
                f"{relative}: an exercise (students fetch it from the Assignment List; a launch"
                " link would put a second copy in their home)"
            )
        text = file_text(path)
        if text is None:
            continue
        for marker in MARKERS:
            if marker in text:
                problems.append(f"{relative}: contains {marker!r}")
        lines = {line.strip() for line in text.splitlines()}
        for name, secret in regions.items():
            shared = sorted(secret & lines)
            if len(shared) >= LEAK_LINES:
                problems.append(f"{relative}: contains hidden lines of {name}: {shared}")
    return problems


def git(*args: str, env: dict | None = None, cwd: Path = REPO) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, check=True, text=True, capture_output=True
    ).stdout.strip()


def commit_to_branch(copy: Path, branch: str, repo: Path = REPO) -> str:
    """Commit the directory `copy` as the new tip of `branch` (a child of its old tip),
    through a temporary index: the working tree, the index and HEAD stay as they were."""
    git_dir = git("rev-parse", "--absolute-git-dir", cwd=repo)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "GIT_INDEX_FILE": str(Path(tmp) / "index"),
            "GIT_DIR": git_dir,
            "GIT_WORK_TREE": str(copy),
        }
        git("add", "--all", "--force", ".", env=env, cwd=copy)
        tree = git("write-tree", env=env, cwd=copy)
    try:
        parent = git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", cwd=repo)
    except subprocess.CalledProcessError:
        parent = ""
    if parent and git("rev-parse", f"{parent}^{{tree}}", cwd=repo) == tree:
        return parent  # nothing changed
    try:
        source = git("rev-parse", "--short", "HEAD", cwd=repo)
    except subprocess.CalledProcessError:
        source = "an uncommitted tree"
    message = f"Student copy of the course, published from {source}"
    commit = git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message, cwd=repo)
    git("update-ref", f"refs/heads/{branch}", commit, cwd=repo)
    return commit


def publish(
    out: Path | None = None, branch: str | None = None, push: str | None = None, repo: Path = REPO
) -> Path:
    target = Path(out) if out else Path(tempfile.mkdtemp(prefix="convnets-student-"))
    if target.exists() and any(target.iterdir()):
        raise SystemExit(f"{target} is not empty")
    copy_student_files(repo, target)
    problems = find_leaks(target, repo / "solutions")
    if problems:
        shutil.rmtree(target, ignore_errors=True)
        raise SystemExit("refusing to publish, the copy would leak:\n  " + "\n  ".join(problems))
    if branch:
        commit = commit_to_branch(target, branch, repo)
        print(f"branch {branch} -> {commit}")
        if push:
            git("push", push, f"refs/heads/{branch}:refs/heads/{branch}", cwd=repo)
            print(f"pushed {branch} to {push}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description="Publish the student-facing copy of the course.")
    parser.add_argument("--out", type=Path, help="write the copy to this (new or empty) directory")
    parser.add_argument("--branch", help="commit the copy as this branch (e.g. student)")
    parser.add_argument("--push", metavar="REMOTE", help="then push the branch to REMOTE")
    args = parser.parse_args()
    if not (args.out or args.branch):
        parser.error("give --out DIR and/or --branch NAME")
    target = publish(args.out, args.branch, args.push)
    print(f"student copy: {target}" if args.out else "")
    if not args.out:
        shutil.rmtree(target, ignore_errors=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
