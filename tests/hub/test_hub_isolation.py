"""What a student can do to the hub's course from their own account: real system users, the
hub's own preparation (`LocalHub.prepare`: users, exchange, course directory, checkout) and
nbgrader's own commands, each run as the user it belongs to (no JupyterHub process needed:
a user's server runs as that user, with the same files in reach).

* the hidden material through the checkout (`git show HEAD:solutions/...`) or any other
  file a student can read (the hub's install, the exchange, the homes);
* a submission in `inbound/` that links to the instructor's source, or holds other links or
  special files; one named for another student, or for nobody;
* the course's folder made in the world-writable exchange before the first release.
"""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.collect import parse_timestamp
from hub.course import PREFIX, REPO, VENV, create_user, remove_user, user_exists
from hub.install import make_exchange
from hub.local import LocalHub
from hub.publish import hidden_regions, public_lines

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.timeout(600)]

ASSIGNMENT = "conv"
AUTOGRADER = Path(sys.executable).parent / "autograder"
HIDDEN_MARKER = "BEGIN HIDDEN TESTS"


@pytest.fixture
def hub_venv():
    if not (VENV / "bin" / "nbgrader").exists():
        pytest.skip(f"{VENV} is missing: run `python -m hub.install` as root first")


def as_user(
    name: str, argv: list[str], exchange: Path, cwd: str | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    """Run argv as the system user `name` (its uid, gid and groups), in its home."""
    user = pwd.getpwnam(name)
    env = {
        "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
        "HOME": user.pw_dir,
        "USER": name,
        "LANG": "C.UTF-8",
        "NBGRADER_EXCHANGE": str(exchange),
    }
    done = subprocess.run(
        ["setpriv", "--reuid", name, "--regid", name, "--init-groups", "--", *argv],
        env=env,
        cwd=cwd or user.pw_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, f"{name}: {argv}\n{done.stdout}{done.stderr}"
    return done


def release(hub: LocalHub) -> None:
    for step in ("generate_assignment", "release_assignment"):
        as_user(
            "instructor",
            ["nbgrader", step, ASSIGNMENT, "--force"],
            hub.exchange,
            cwd=str(hub.course_dir),
            check=True,
        )


def submit(hub: LocalHub, name: str) -> None:
    as_user(name, ["nbgrader", "fetch_assignment", ASSIGNMENT], hub.exchange, check=True)
    as_user(name, ["nbgrader", "submit", ASSIGNMENT], hub.exchange, check=True)


def collect(hub: LocalHub) -> subprocess.CompletedProcess:
    """The instructor's collect step as hub/README.md gives it (run as root, like grading)."""
    return subprocess.run(
        [
            str(AUTOGRADER),
            "collect",
            ASSIGNMENT,
            str(hub.course_dir),
            "--exchange",
            str(hub.exchange),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )


# A student's script: every file under the roots it can open, every git directory it can
# read; the test then looks at what those files hold (and at the git histories, as them).
SCAN = r"""
import json, os, sys
readable, gits = [], []
for root in sys.argv[1:]:
    for folder, dirs, files in os.walk(root, onerror=lambda e: None):
        if os.path.isfile(os.path.join(folder, "HEAD")) and os.path.isdir(
            os.path.join(folder, "objects")
        ):
            gits.append(folder)
        for name in files:
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as fh:
                    fh.read(1)
                readable.append(path)
            except OSError:
                pass
print(json.dumps({"readable": readable, "gits": gits}))
"""


def hidden_material_in(path: Path, regions: dict[str, set[str]]) -> list[str]:
    """Which pieces of hidden material `path` holds: two distinctive lines of one hidden
    solution cell, hidden test or mutant, as hub.publish counts a leak. (The marker alone
    is no evidence here: nbgrader's own documentation and tests, installed in the hub's
    venv, hold it.)"""
    try:
        if path.stat().st_size > 5 * 2**20:
            return []
        lines = {line.strip() for line in path.read_text(errors="ignore").splitlines()}
    except OSError:
        return []
    return [name for name, secret in regions.items() if len(secret & lines) >= 2]


def test_students_cannot_read_the_hidden_material(
    hub_port, solutions, exchange, needs_root, hub_venv
):
    """Hole: the checkout's .git was world-readable; `git show HEAD:solutions/...` as a
    student printed every hidden test."""
    hub = LocalHub(
        port=hub_port,
        instructors=["instructor"],
        students=["student1"],
        exchange=exchange,
        solutions=solutions,
    )
    try:
        hub.prepare()
        release(hub)
        submit(hub, "student1")
        # The route from the issue, and the checkout's parts by name.
        shown = as_user(
            "student1",
            [
                "git",
                "-c",
                "safe.directory=*",
                "-C",
                str(REPO),
                "show",
                f"HEAD:solutions/{ASSIGNMENT}/{ASSIGNMENT}.ipynb",
            ],
            exchange,
        )
        assert shown.returncode != 0 and HIDDEN_MARKER not in shown.stdout, shown.stdout[:300]
        assert "Permission denied" in shown.stderr, shown.stderr
        for path in (
            REPO,
            REPO / ".git" / "HEAD",
            REPO / ".git" / "objects",
            REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
            REPO / ".venv" / "bin" / "autograder",
            hub.course_dir,
            hub.course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
            hub.course_dir / "gradebook.db",
            hub.state / "passwords.json",
        ):
            opened = as_user(
                "student1",
                [
                    str(VENV / "bin" / "python"),
                    "-c",
                    "import os, sys; p = sys.argv[1]; "
                    "os.listdir(p) if os.path.isdir(p) else open(p).read(1)",
                    str(path),
                ],
                exchange,
            )
            assert "PermissionError" in opened.stderr, (path, opened.stdout, opened.stderr)

        # Everything a student can read where the hub puts things: no hidden material in
        # any file, no git history holding solutions/.
        roots = [str(REPO), str(PREFIX), str(exchange), "/home", "/srv"]
        scan = as_user(
            "student1", [str(VENV / "bin" / "python"), "-c", SCAN, *roots], exchange, check=True
        )
        seen = json.loads(scan.stdout)
        assert seen["readable"], "the scan read nothing: it cannot show anything"
        assert any(p.startswith(str(exchange)) for p in seen["readable"])  # the released notebook
        assert not [p for p in seen["readable"] if p.startswith(str(REPO))]
        public = public_lines(REPO)
        regions = {name: lines - public for name, lines in hidden_regions(solutions).items()}
        assert sum(map(len, regions.values())) > 10  # something to look for
        leaks = {
            p: found for p in seen["readable"] if (found := hidden_material_in(Path(p), regions))
        }
        assert leaks == {}
        for git_dir in seen["gits"]:
            tree = as_user(
                "student1",
                [
                    "git",
                    "-c",
                    "safe.directory=*",
                    "--git-dir",
                    git_dir,
                    "log",
                    "--all",
                    "--name-only",
                    "--format=",
                ],
                exchange,
            )
            assert "solutions/" not in tree.stdout, git_dir
    finally:
        hub.stop()
        hub.cleanup_state()


def inbound_entry(exchange: Path, student: str, when: datetime) -> str:
    stamp = when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    return str(
        exchange / "convnets" / "inbound" / f"{student}+{ASSIGNMENT}+{stamp}+{os.urandom(9).hex()}"
    )


# Student1's forged submissions, made from their own account: full marks through a link to
# the instructor's source, a submission in student2's name (and in a name nobody has), a
# submission holding a FIFO, and one that is itself a link to the instructor's folder.
FORGE = r"""
import os, sys
source, foreign, ghost, fifo, linked, marker = sys.argv[1:7]
os.mkdir(source)
os.symlink(marker, os.path.join(source, "conv.ipynb"))
for folder in (foreign, ghost, fifo):
    os.mkdir(folder)
    with open(os.path.join(folder, "conv.ipynb"), "w") as fh:
        fh.write('{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}')
os.mkfifo(os.path.join(fifo, "conv.ipynb.fifo"))
os.symlink(os.path.dirname(marker), linked)
for folder in (source, foreign, ghost, fifo):
    with open(os.path.join(folder, "timestamp.txt"), "w") as fh:
        fh.write(folder.rsplit("+", 2)[1])
print("forged")
"""


def test_collect_refuses_links_and_foreign_submissions(
    hub_port, solutions, exchange, needs_root, hub_venv
):
    """Holes: nbgrader's collect follows a symlinked notebook into the instructor's files
    (100/100 and the reference solution on the feedback page), and takes a folder named for
    another student as theirs (it only warns about the owner)."""
    hub = LocalHub(
        port=hub_port,
        instructors=["instructor"],
        students=["student1", "student2"],
        exchange=exchange,
        solutions=solutions,
    )
    try:
        hub.prepare()
        release(hub)
        for name in ("student1", "student2"):
            submit(hub, name)  # the honest submissions
        future = datetime.now(UTC) + timedelta(days=30)
        source = hub.course_dir / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        forged = [
            inbound_entry(exchange, "student1", future),
            inbound_entry(exchange, "student2", future),
            inbound_entry(exchange, "ghost", future),
            inbound_entry(exchange, "student1", future + timedelta(days=1)),
            inbound_entry(exchange, "student1", future + timedelta(days=2)),
        ]
        made = as_user(
            "student1",
            [str(VENV / "bin" / "python"), "-c", FORGE, *forged, str(source)],
            exchange,
            check=True,
        )
        assert made.stdout.strip() == "forged"

        done = collect(hub)
        assert done.returncode == 0, done.stdout + done.stderr
        refusals = [line for line in done.stderr.splitlines() if "REFUSED" in line]
        assert len(refusals) == len(forged), done.stderr
        why = {path: next(line for line in refusals if path in line) for path in forged}
        assert "conv.ipynb is a symbolic link" in why[forged[0]]
        assert "owned by student1, not by the student it names" in why[forged[1]]
        assert "no user named 'ghost'" in why[forged[2]]
        assert "conv.ipynb.fifo is a FIFO" in why[forged[3]]
        assert "the submission folder is a symbolic link" in why[forged[4]]

        # Each student's own (honest, unanswered) submission is what was collected.
        submitted = hub.course_dir / "submitted"
        assert sorted(p.name for p in submitted.iterdir()) == ["student1", "student2"]
        for name in ("student1", "student2"):
            folder = submitted / name / ASSIGNMENT
            notebook = folder / f"{ASSIGNMENT}.ipynb"
            assert not notebook.is_symlink()
            assert HIDDEN_MARKER not in notebook.read_text()
            assert (
                notebook.read_bytes()
                == (
                    Path(pwd.getpwnam(name).pw_dir) / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
                ).read_bytes()
            )
            stamp = parse_timestamp((folder / "timestamp.txt").read_text().strip())
            assert stamp < datetime.now(UTC).replace(
                tzinfo=None
            )  # not one of the forged, future ones
            for path in (folder, notebook):  # the instructor's, private
                st = path.stat()
                assert st.st_uid == pwd.getpwnam("instructor").pw_uid
                assert not st.st_mode & 0o077, oct(st.st_mode)
        # Collecting again takes nothing new and refuses the same again.
        again = collect(hub)
        assert again.returncode == 0 and again.stdout.count("no newer submission") == 2
        assert again.stderr.count("REFUSED") == len(forged)
    finally:
        hub.stop()
        hub.cleanup_state()


def test_course_folder_made_first_by_a_student_cannot_block_release(
    hub_port, solutions, exchange, needs_root, hub_venv
):
    """Hole: a student who made <exchange>/convnets before the first release owned it, and
    `nbgrader release_assignment` failed ("You don't own the directory")."""
    make_exchange(exchange)
    created = create_user("student1")
    hub = LocalHub(
        port=hub_port,
        instructors=["instructor"],
        students=["student1"],
        exchange=exchange,
        solutions=solutions,
    )
    try:
        squat = as_user("student1", ["mkdir", "-m", "777", str(exchange / "convnets")], exchange)
        assert squat.returncode == 0, squat.stderr  # the exchange is world-writable
        hub.prepare()
        course = exchange / "convnets"
        assert course.stat().st_uid == pwd.getpwnam("instructor").pw_uid
        assert oct(course.stat().st_mode & 0o777) == "0o755"
        again = as_user("student1", ["mkdir", str(course / "inbound")], exchange)
        assert again.returncode != 0 and "Permission denied" in again.stderr
        release(hub)
        assert (course / "outbound" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
        fetched = as_user("student1", ["nbgrader", "fetch_assignment", ASSIGNMENT], exchange)
        assert fetched.returncode == 0, fetched.stdout + fetched.stderr
    finally:
        hub.stop()
        hub.cleanup_state()
        if created and user_exists("student1"):
            remove_user("student1")
