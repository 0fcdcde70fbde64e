"""``autograder collect``: nbgrader's collect step, without trusting what students put in
the exchange.

    sudo .venv/bin/autograder collect conv ~instructor/course [--exchange DIR] [--course-id ID]

`nbgrader collect` copies ``inbound/<student>+<assignment>+<timestamp>+<random>`` into
``submitted/<student>/<assignment>/`` following symbolic links (a "notebook" that links to
the instructor's source becomes the student's submission) and only warns when the folder is
not owned by the student it names (a student can submit as someone else). This collect takes
a submission only when the folder and everything in it is a plain directory or regular file
(no symbolic or hard links, FIFOs, sockets or devices) owned by the user named in the
folder's name; anything else is refused, named on stderr with the reason, and left where it
is. Every file is opened without following links and checked after opening (``fstat``), so
a student who swaps a file for a link while collect runs gains nothing. Of the accepted
submissions each student's latest (by the name's timestamp) replaces an older collected
one, as nbgrader does. The copies are private (directories 0700, files 0600) and belong to
the owner of the course directory.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

MAX_BYTES = 100 * 2**20  # one submission, all files together
MAX_ENTRIES = 2000
MAX_DEPTH = 16
OPEN_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
OPEN_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


class Refused(Exception):
    """A submission that is not collected, and why."""


@dataclass
class Submission:
    name: str
    student: str
    timestamp: datetime
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> content
    dirs: list[str] = field(default_factory=list)


def parse_timestamp(text: str) -> datetime:
    from nbgrader.utils import parse_utc  # nbgrader's own parser, as its collect uses

    return parse_utc(text)


def owner_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def expected_uid(student: str, uids: dict[str, int] | None) -> int:
    if uids is not None:
        if student not in uids:
            raise Refused(f"{student!r} is not a student of the course")
        return uids[student]
    try:
        return pwd.getpwnam(student).pw_uid
    except KeyError:
        raise Refused(f"no user named {student!r}") from None


def _kind(mode: int) -> str:
    return (
        "symbolic link"
        if stat.S_ISLNK(mode)
        else "FIFO"
        if stat.S_ISFIFO(mode)
        else "socket"
        if stat.S_ISSOCK(mode)
        else "device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "special file"
    )


def _check_owner(st: os.stat_result, uid: int, what: str) -> None:
    if st.st_uid != uid:
        raise Refused(f"{what} is owned by {owner_name(st.st_uid)}, not by the student it names")


def _read_tree(parent_fd: int, name: str, uid: int, sub: Submission, rel: str, depth: int) -> None:
    """Read directory `name` (relative to parent_fd) into `sub`, refusing anything but plain
    directories and regular files owned by `uid`."""
    what = rel or "the submission folder"
    if depth > MAX_DEPTH:
        raise Refused(f"{what}: nested too deep")
    try:
        fd = os.open(name, OPEN_DIR, dir_fd=parent_fd)
    except OSError as error:
        st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        if not stat.S_ISDIR(st.st_mode) and not stat.S_ISREG(st.st_mode):
            raise Refused(f"{what} is a {_kind(st.st_mode)}") from None
        raise Refused(f"{what}: cannot open ({error.strerror})") from None
    try:
        st = os.fstat(fd)
        _check_owner(st, uid, what)
        if rel:
            sub.dirs.append(rel)
        for entry in sorted(os.listdir(fd)):
            path = f"{rel}/{entry}" if rel else entry
            if len(sub.files) + len(sub.dirs) >= MAX_ENTRIES:
                raise Refused(f"more than {MAX_ENTRIES} files")
            mode = os.stat(entry, dir_fd=fd, follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                _read_tree(fd, entry, uid, sub, path, depth + 1)
            elif stat.S_ISREG(mode):
                sub.files[path] = _read_file(fd, entry, uid, path, sub)
            else:
                raise Refused(f"{path} is a {_kind(mode)}")
    finally:
        os.close(fd)


def _read_file(dir_fd: int, name: str, uid: int, path: str, sub: Submission) -> bytes:
    try:
        fd = os.open(name, OPEN_FILE, dir_fd=dir_fd)
    except OSError as error:  # ELOOP: it became a link after it was listed
        raise Refused(f"{path}: cannot open without following links ({error.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused(f"{path} is a {_kind(st.st_mode)}")
        _check_owner(st, uid, path)
        if st.st_nlink != 1:
            raise Refused(f"{path} is a hard link ({st.st_nlink} names)")
        budget = MAX_BYTES - sum(len(data) for data in sub.files.values())
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > budget:
                raise Refused(f"larger than {MAX_BYTES // 2**20} MiB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_submission(
    inbound_fd: int, name: str, assignment: str, uids: dict[str, int] | None
) -> Submission:
    parts = name.rsplit("+", 3)
    if len(parts) != 4 or parts[1] != assignment:
        raise Refused("not named <student>+<assignment>+<timestamp>+<random>")
    try:
        timestamp = parse_timestamp(parts[2])
    except (ValueError, OverflowError):
        raise Refused(f"bad timestamp {parts[2]!r}") from None
    sub = Submission(name, parts[0], timestamp)
    try:
        _read_tree(inbound_fd, name, expected_uid(sub.student, uids), sub, "", 0)
    except OSError as error:  # something vanished or changed while it was read
        raise Refused(f"changed while being read ({error.strerror})") from None
    if "timestamp.txt" not in sub.files:
        raise Refused("no timestamp.txt (not made by nbgrader submit)")
    return sub


def existing_timestamp(dest: Path) -> datetime | None:
    try:
        return parse_timestamp((dest / "timestamp.txt").read_text().strip())
    except (OSError, ValueError, OverflowError):
        return None


def write_submission(sub: Submission, dest: Path, owner: tuple[int, int] | None) -> None:
    """Replace `dest` by the submission's files: directories 0700, files 0600."""
    tmp = dest.parent / f".{dest.name}.collecting"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700, parents=True)
    for rel in sub.dirs:
        (tmp / rel).mkdir(mode=0o700, parents=True, exist_ok=True)
    for rel, data in sub.files.items():
        fd = os.open(tmp / rel, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    if owner is not None:
        for path in (dest.parent.parent, dest.parent, tmp, *tmp.rglob("*")):
            os.chown(path, *owner, follow_symlinks=False)
    if dest.exists():
        shutil.rmtree(dest)
    tmp.rename(dest)


def collect(
    assignment: str,
    course_dir: Path,
    exchange: Path,
    course_id: str,
    uids: dict[str, int] | None = None,
) -> int:
    """Collect each student's latest acceptable submission of `assignment` into
    course_dir/submitted/<student>/<assignment>/; returns an exit status."""
    inbound = exchange / course_id / "inbound"
    try:
        inbound_fd = os.open(inbound, OPEN_DIR)
    except OSError as error:
        print(f"autograder collect: cannot open {inbound}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        st = os.fstat(inbound_fd)
        course_st = os.stat(course_dir)
        if st.st_uid != course_st.st_uid:
            print(
                f"autograder collect: {inbound} is owned by {owner_name(st.st_uid)}, not by the "
                f"owner of {course_dir} ({owner_name(course_st.st_uid)})",
                file=sys.stderr,
            )
            return 2
        latest: dict[str, Submission] = {}
        refused = 0
        for name in sorted(os.listdir(inbound_fd)):
            if f"+{assignment}+" not in name:
                continue
            try:
                sub = read_submission(inbound_fd, name, assignment, uids)
            except Refused as why:
                refused += 1
                print(f"autograder collect: REFUSED {inbound / name}: {why}", file=sys.stderr)
                continue
            if sub.student not in latest or sub.timestamp > latest[sub.student].timestamp:
                latest[sub.student] = sub
    finally:
        os.close(inbound_fd)
    owner = (course_st.st_uid, course_st.st_gid) if os.geteuid() != course_st.st_uid else None
    for student, sub in sorted(latest.items()):
        dest = course_dir / "submitted" / student / assignment
        old = existing_timestamp(dest) if dest.is_dir() else None
        if old is not None and old >= sub.timestamp:
            print(f"{student}: no newer submission")
            continue
        write_submission(sub, dest, owner)
        print(
            f"{student}: collected {sub.name}" + (" (newer, replaces the old one)" if old else "")
        )
    print(
        f"collected {len(latest)} student(s); refused {refused} submission(s)"
        + (" (see above)" if refused else "")
    )
    return 0


def load_uids(path: Path) -> dict[str, int]:
    """A JSON object {student: uid}, for hubs whose users are not system users (k8s)."""
    data = json.loads(path.read_text())
    return {str(name): int(uid) for name, uid in data.items()}
