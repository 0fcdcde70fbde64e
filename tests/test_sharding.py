"""``autograder grade --shard i/n`` and ``autograder merge``: the shards of a class, merged,
give what one unsharded run gives (issue 17, grading on Kubernetes with indexed Jobs)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import ENV, LIMITS, REPO, grade, integrity_variants, write_class

from autograder.shards import (
    MANIFEST,
    ShardError,
    merge_documents,
    parse_shard,
    select,
    shard_of,
)

#: Fields that measure time: no two runs share them, sharded or not.
TIMING = "seconds"


def test_parse_shard():
    assert parse_shard("0/1") == (0, 1)
    assert parse_shard("3/4") == (3, 4)
    for bad in ("4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"):
        with pytest.raises(ShardError):
            parse_shard(bad)


def test_the_split_is_stable_and_covers_every_student_once():
    ids = [f"student{i:03d}" for i in range(200)]
    parts = [[sid for sid, k in zip(ids, select((i, 4), ids), strict=True) if k] for i in range(4)]
    assert sorted(sid for part in parts for sid in part) == ids
    assert all(20 < len(part) < 80 for part in parts), [len(p) for p in parts]
    # by the id alone: not Python's per-process hash(), not the position in the class
    assert [shard_of(sid, 4) for sid in ("alice", "bob", "carol")] == [3, 2, 2]
    assert select((1, 4), ids[::-1]) == select((1, 4), ids)[::-1]


def _fake_shard(root: Path, index: int, count: int, everyone: list[str], graded: list[str]):
    d = root / f"shard{index}"
    (d / "students").mkdir(parents=True)
    mine = [sid for sid in everyone if shard_of(sid, count) == index]
    (d / MANIFEST).write_text(
        json.dumps(
            {"assignment": "conv", "shard": [index, count], "class": everyone, "students": mine}
        )
    )
    doc = {"assignment": "conv", "grader_version": "1", "isolation": "namespaces"}
    doc["students"] = [{"student_id": sid} for sid in mine if sid in graded]
    (d / "results.json").write_text(json.dumps(doc))
    return d


def test_merge_refuses_an_incomplete_or_foreign_set_of_shards(tmp_path):
    everyone = ["alice", "bob", "carol", "dave"]
    dirs = [_fake_shard(tmp_path, i, 2, everyone, everyone) for i in range(2)]
    merged = merge_documents(dirs[::-1])
    assert [s["student_id"] for s in merged["students"]] == everyone  # the class's order
    with pytest.raises(ShardError, match="need shards 0..1"):
        merge_documents(dirs[:1])
    with pytest.raises(ShardError, match="need shards 0..1"):
        merge_documents([dirs[0], dirs[0]])
    other = _fake_shard(tmp_path / "other", 1, 2, everyone + ["eve"], everyone)
    with pytest.raises(ShardError, match="another run"):
        merge_documents([dirs[0], other])
    with pytest.raises(ShardError, match="not the output of"):
        merge_documents([dirs[0], tmp_path])
    unfinished = _fake_shard(tmp_path / "unfinished", 1, 2, everyone, [])
    with pytest.raises(ShardError, match="no result for"):
        merge_documents([dirs[0], unfinished])


def _without_timing(value, root: Path):
    """``value`` without the timing fields, submission paths relative to ``root``."""
    if isinstance(value, dict):
        return {
            k: (Path(v).relative_to(root).as_posix() if k == "file" else _without_timing(v, root))
            for k, v in value.items()
            if k != TIMING
        }
    if isinstance(value, list):
        return [_without_timing(v, root) for v in value]
    return value


def _csv_rows(path: Path, ids: set[str]) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text())))
    return [rows[0]] + [r for r in rows[1:] if r[0] in ids]


@pytest.mark.slow
def test_sharded_grading_merged_equals_one_run(corpus_results, tmp_path):
    """detection's integrity corpus in two shards, merged, against the session's unsharded
    corpus run (the same student ids, so the same seeds): results.json, grades.csv and the
    feedback pages are the same but for the time each submission took."""
    assignment = "detection"
    run = corpus_results(assignment)
    ids = sorted(sid for sid in run.students if sid.startswith("integrity-"))
    assert len(ids) >= 3 and set(ids) >= set(integrity_variants(assignment))
    sub = tmp_path / "submitted"
    write_class(assignment, {sid: run.students[sid] for sid in ids}, sub)
    shards = [tmp_path / f"shard{i}" for i in range(2)]
    for i, out in enumerate(shards):
        graded, _, _ = grade(assignment, sub, out, LIMITS.get(assignment, []), "--shard", f"{i}/2")
        assert graded and set(graded) < set(ids)  # each shard grades a part, none all
    merged = tmp_path / "merged"
    cli = [sys.executable, "-m", "autograder.cli", "merge", str(merged), *map(str, shards[::-1])]
    done = subprocess.run(cli, capture_output=True, text=True, cwd=REPO, env=ENV)
    assert done.returncode == 0, done.stdout + done.stderr

    one_run = json.loads((run.out / "results.json").read_text())
    one_run["students"] = [s for s in one_run["students"] if s["student_id"] in ids]
    got = json.loads((merged / "results.json").read_text())
    assert [s["student_id"] for s in got["students"]] == ids
    have, want = _without_timing(got, sub), _without_timing(one_run, run.sub)
    for mine, theirs in zip(have["students"], want["students"], strict=True):
        assert mine == theirs, mine["student_id"]
    assert have == want
    assert _csv_rows(merged / "grades.csv", set(ids)) == _csv_rows(run.out / "grades.csv", set(ids))
    for sid in ids:
        page = (merged / "feedback" / f"{sid}.html").read_text()
        assert page == (run.out / "feedback" / f"{sid}.html").read_text(), sid


def test_the_static_scan_names_the_same_reason_in_every_process():
    """A function that reaches two forbidden imports is reported through the same one in
    every grading process (set order depends on the process's hash seed), so that shards
    and one run give the same message."""
    code = (
        "from autograder.static import scan\n"
        "cells = [('a', 'import torch'), ('b', 'import torchvision as tv'),"
        " ('c', 'def f(x):\\n    return torch.t(x) + tv.x + torch.y')]\n"
        "print(scan(cells, ['torch', 'torchvision'])['f'])\n"
    )
    said = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=REPO,
            env={**ENV, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in range(8)
    }
    assert len(said) == 1 and "uses" in said.pop()
