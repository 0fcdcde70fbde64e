"""The student-facing copy (`python -m hub.publish`) holds the book and `convnets`, and
nothing of the hidden material: no solutions, hidden tests, mutants, grader, tests or hub
files; no exercises either (the Assignment List gives them: tests/hub/test_launch_one_copy.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from hub.course import REPO
from hub.publish import (
    MARKERS,
    copy_student_files,
    find_leaks,
    hidden_regions,
    public_lines,
    publish,
)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student") / "copy"
    publish(out)
    return out


def test_copy_holds_what_students_need(copy):
    for name in (
        "book",
        "convnets",
        "_config.yml",
        "_toc.yml",
        "environment.yml",
        "requirements.txt",
        "pyproject.toml",
        "README.md",
    ):
        assert (copy / name).exists(), name
    assert not (copy / "exercises").exists()
    for name in ("solutions", "autograder", "tests", "hub", "Makefile", ".ci", "bench"):
        assert not (copy / name).exists(), name
    project = tomllib.loads((copy / "pyproject.toml").read_text())
    assert "scripts" not in project["project"]  # no `autograder` command for students


def test_copy_has_no_solution_code_or_hidden_tests(copy):
    assert find_leaks(copy) == []
    text = "\n".join(p.read_text(errors="ignore") for p in copy.rglob("*") if p.is_file())
    for marker in ("### BEGIN SOLUTION", "BEGIN HIDDEN TESTS", *MARKERS):
        assert marker not in text
    # No file holds two or more distinctive lines of one hidden solution cell, hidden test
    # or mutant, beyond what students get anyway (the released exercises, `convnets/`).
    public = public_lines(copy)
    for path in (p for p in copy.rglob("*") if p.is_file()):
        lines = {line.strip() for line in path.read_text(errors="ignore").splitlines()}
        for name, secret in hidden_regions(REPO / "solutions").items():
            assert len((secret - public) & lines) < 2, (path, name)


def test_leak_check_catches_a_leak(tmp_path):
    """The checker is not vacuous: a copy with a solution notebook in it is refused."""
    solutions = REPO / "solutions"
    sources = sorted(solutions.glob("*/*.ipynb"))
    if not sources:
        pytest.skip("no assignment sources yet")
    copy_student_files(REPO, tmp_path / "copy")
    leaked = tmp_path / "copy" / "book" / "answers.ipynb"
    shutil.copy(sources[0], leaked)
    problems = find_leaks(tmp_path / "copy")
    assert any("BEGIN SOLUTION" in p for p in problems)
    assert any("hidden lines" in p for p in problems)
    # ...and a hidden answer pasted into a page, without any marker, is found too.
    leaked.unlink()
    public = public_lines(tmp_path / "copy")
    answer = next(
        sorted(lines - public)
        for name, lines in hidden_regions(solutions).items()
        if "solution" in name and len(lines - public) >= 2
    )
    body = "\n".join(f"    {line}" for line in answer)
    (tmp_path / "copy" / "book" / "notes.md").write_text(f"# Notes\n\n{body}\n")
    assert any("hidden lines" in p for p in find_leaks(tmp_path / "copy"))


def test_publish_to_a_branch_leaves_the_work_tree_alone(tmp_path):
    """--branch commits the copy through a temporary index (run here in a scratch repo)."""
    repo = tmp_path / "repo"
    shutil.copytree(
        REPO,
        repo,
        ignore=shutil.ignore_patterns(
            ".venv", "_build", ".git", "node_modules", "__pycache__", "*.egg-info", ".hypothesis"
        ),
    )

    def git(*args):
        return subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
            cwd=repo,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "course")
    before = git("status", "--porcelain")
    env_user = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    old = {k: os.environ.get(k) for k in env_user}
    os.environ.update(env_user)
    try:
        publish(tmp_path / "out", branch="student", repo=repo)
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    files = git("ls-tree", "-r", "--name-only", "student").splitlines()
    assert "README.md" in files and any(f.startswith("book/") for f in files)
    assert not [f for f in files if f.split("/")[0] in {"solutions", "autograder", "tests", "hub"}]
    assert git("rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git("status", "--porcelain") == before
