"""Sharded grading: ``autograder grade --shard i/n`` grades a stable part of a class, and
``autograder merge OUT SHARD_DIRS...`` joins the parts into what one run writes.

A student belongs to shard ``sha256(student id) mod n`` (0-based, as a Kubernetes indexed
Job's completion index): the same on every machine and in every run, whatever else is in
the class. Each shard's output directory is an ordinary grading output (``students/``,
``results.json``, ``grades.csv``, ``feedback/``) plus ``shard.json``: the shard, the whole
class in the order one run lists it, and the students of this shard. ``merge`` checks that
the shards are one class cut into ``n`` parts, each finished, and writes the merged output
with the same writer as ``autograder grade``: ``results.json``, ``grades.csv`` and
``feedback/`` equal one unsharded run's, but for the fields that measure time (``seconds``
of each submission, cell and test), which no two runs share.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

MANIFEST = "shard.json"


class ShardError(ValueError):
    """A shard specification or a set of shard directories that cannot be used."""


def parse_shard(text: str) -> tuple[int, int]:
    """``"i/n"`` (``0 <= i < n``) as ``(i, n)``."""
    index, sep, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise ShardError(f"--shard {text!r}: expected i/n, e.g. 0/4") from None
    if not sep or n < 1 or not 0 <= i < n:
        raise ShardError(f"--shard {text!r}: expected i/n with 0 <= i < n, e.g. 0/4")
    return i, n


def shard_of(student_id: str, count: int) -> int:
    """The shard (``0 .. count-1``) that grades ``student_id``."""
    digest = hashlib.sha256(student_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count


def select(shard: tuple[int, int], ids: list[str]) -> list[bool]:
    """For each id of the class, whether this shard grades it."""
    index, count = shard
    return [shard_of(sid, count) == index for sid in ids]


def write_manifest(
    out: Path, assignment: str, shard: tuple[int, int], everyone: list[str], mine: list[str]
) -> None:
    from autograder.batch import atomic_write

    doc = {"assignment": assignment, "shard": list(shard), "class": everyone, "students": mine}
    atomic_write(out / MANIFEST, json.dumps(doc, indent=1))


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ShardError(f"{path}: {exc}") from None


def merge_documents(shard_dirs: list[Path]) -> dict:
    """The merged ``results.json`` document of a complete set of shard directories."""
    if not shard_dirs:
        raise ShardError("no shard directories given")
    for d in shard_dirs:
        if not (d / MANIFEST).is_file():
            raise ShardError(f"{d} has no {MANIFEST}: not the output of `autograder grade --shard`")
    manifests = [_read(d / MANIFEST) for d in shard_dirs]
    first = manifests[0]
    count = first["shard"][1]
    for d, m in zip(shard_dirs, manifests, strict=True):
        if (m["assignment"], m["shard"][1], m["class"]) != (
            first["assignment"],
            count,
            first["class"],
        ):
            raise ShardError(
                f"{d} is a shard of another run than {shard_dirs[0]} "
                "(assignment, shard count or class differ)"
            )
    indices = sorted(m["shard"][0] for m in manifests)
    if indices != list(range(count)):
        raise ShardError(f"need shards 0..{count - 1} once each, got {indices}")
    by_id: dict[str, dict] = {}
    docs = []
    for d, m in zip(shard_dirs, manifests, strict=True):
        doc = _read(d / "results.json")
        docs.append(doc)
        graded = {s["student_id"]: s for s in doc["students"]}
        missing = [sid for sid in m["students"] if sid not in graded]
        if missing:
            raise ShardError(
                f"{d}: shard {m['shard'][0]} has no result for {missing[:3]} "
                "(run its `autograder grade --shard` again to finish it)"
            )
        by_id.update({sid: graded[sid] for sid in m["students"]})
    for key in ("grader_version", "isolation", "isolation_detail", "max_score"):
        values = {json.dumps(doc.get(key)) for doc in docs}
        if len(values) > 1:
            raise ShardError(f"the shards differ in {key}: {sorted(values)}")
    return {**docs[0], "students": [by_id[sid] for sid in first["class"]]}


def merge(out: Path, shard_dirs: list[Path]) -> int:
    """``autograder merge``: one grading output from a complete set of shards."""
    from autograder.batch import atomic_write, private_dir, write_outputs

    try:
        doc = merge_documents(shard_dirs)
    except ShardError as exc:
        print(f"autograder merge: {exc}", file=sys.stderr)
        return 2
    private_dir(out)
    private_dir(out / "students")
    for d in shard_dirs:
        for sid in _read(d / MANIFEST)["students"]:
            path = d / "students" / f"{sid}.json"
            atomic_write(out / "students" / path.name, path.read_text())
    write_outputs(out, doc)
    print(
        f"autograder merge: {len(doc['students'])} students from {len(shard_dirs)} shards "
        f"into {out / 'results.json'}, {out / 'grades.csv'} and {out / 'feedback'}/"
    )
    return 0
