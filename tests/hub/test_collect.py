"""`autograder collect` without root: the owner of every submission is this process's uid,
and the students' uids come from a --uids map (as on Kubernetes), so a folder named for a
student whose uid is not ours is a foreign one. tests/hub/test_hub_isolation.py does the
same with real system users."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from autograder.cli import main

ASSIGNMENT = "conv"
STAMP = "2026-01-0{} 10:00:00.000000 UTC"
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture
def course(tmp_path) -> tuple[Path, Path, Path]:
    exchange = tmp_path / "exchange"
    (exchange / "convnets" / "inbound").mkdir(parents=True)
    course_dir = tmp_path / "course"
    course_dir.mkdir()
    uids = tmp_path / "uids.json"
    uids.write_text(json.dumps({"alice": os.getuid(), "bob": os.getuid() + 1}))
    return exchange, course_dir, uids


def submission(exchange: Path, student: str, day: int, text: str = NOTEBOOK) -> Path:
    folder = (
        exchange / "convnets" / "inbound" / f"{student}+{ASSIGNMENT}+{STAMP.format(day)}+{day:018x}"
    )
    folder.mkdir()
    (folder / f"{ASSIGNMENT}.ipynb").write_text(text)
    (folder / "timestamp.txt").write_text(STAMP.format(day))
    return folder


def run(capsys, exchange: Path, course_dir: Path, uids: Path) -> tuple[int, str, str]:
    code = main(
        ["collect", ASSIGNMENT, str(course_dir), "--exchange", str(exchange), "--uids", str(uids)]
    )
    out, err = capsys.readouterr()
    return code, out, err


def collected(course_dir: Path, student: str) -> str:
    return (course_dir / "submitted" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()


def test_latest_plain_submission_is_collected_privately(course, capsys):
    exchange, course_dir, uids = course
    submission(exchange, "alice", 1, "first")
    submission(exchange, "alice", 2, "second")
    code, out, err = run(capsys, exchange, course_dir, uids)
    assert code == 0 and "REFUSED" not in err, err
    assert collected(course_dir, "alice") == "second"
    folder = course_dir / "submitted" / "alice" / ASSIGNMENT
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"{ASSIGNMENT}.ipynb").stat().st_mode) == 0o600
    code, out, err = run(capsys, exchange, course_dir, uids)  # nothing newer
    assert "alice: no newer submission" in out


@pytest.mark.parametrize(
    "attack, reason",
    [
        ("symlink", "conv.ipynb is a symbolic link"),
        ("folder_symlink", "the submission folder is a symbolic link"),
        ("hardlink", "conv.ipynb is a hard link"),
        ("fifo", "pipe is a FIFO"),
        ("nested_symlink", "sub/conv.ipynb is a symbolic link"),
        ("foreign", "is owned by"),
        ("nobody", "'carol' is not a student of the course"),
        ("bad_name", "not named <student>+<assignment>+<timestamp>+<random>"),
    ],
)
def test_forged_submissions_are_refused(course, capsys, tmp_path, attack, reason):
    exchange, course_dir, uids = course
    secret = tmp_path / "instructor-source.ipynb"
    secret.write_text("BEGIN HIDDEN TESTS")
    submission(exchange, "alice", 1, "honest")
    inbound = exchange / "convnets" / "inbound"
    if attack == "foreign":  # made by us (alice's uid), named for bob
        forged = submission(exchange, "bob", 5)
    elif attack == "nobody":
        forged = submission(exchange, "carol", 5)
    elif attack == "bad_name":
        forged = inbound / f"alice+{ASSIGNMENT}+{STAMP.format(5)}"
        forged.mkdir()
    elif attack == "folder_symlink":
        forged = inbound / f"alice+{ASSIGNMENT}+{STAMP.format(5)}+{'f' * 18}"
        forged.symlink_to(tmp_path)
    else:
        forged = submission(exchange, "alice", 5)
        notebook = forged / f"{ASSIGNMENT}.ipynb"
        if attack == "symlink":
            notebook.unlink()
            notebook.symlink_to(secret)
        elif attack == "hardlink":
            notebook.unlink()
            os.link(secret, notebook)
        elif attack == "fifo":
            os.mkfifo(forged / "pipe")
        elif attack == "nested_symlink":
            (forged / "sub").mkdir()
            (forged / "sub" / f"{ASSIGNMENT}.ipynb").symlink_to(secret)
    code, out, err = run(capsys, exchange, course_dir, uids)
    assert code == 0
    refused = [line for line in err.splitlines() if "REFUSED" in line]
    assert len(refused) == 1 and str(forged) in refused[0] and reason in refused[0], err
    assert collected(course_dir, "alice") == "honest"  # the forged one is newer, and refused
    assert sorted(p.name for p in (course_dir / "submitted").iterdir()) == ["alice"]
    text = "".join(p.read_text() for p in (course_dir / "submitted").rglob("*") if p.is_file())
    assert "BEGIN HIDDEN TESTS" not in text
