"""Names, paths and system-user helpers shared by the hub's config, launcher and tests.

The hub itself runs as root from the repository's .venv. Everything a student's server
runs or reads lives under PREFIX (world-readable) and in the exchange; nothing comes from
the checkout, which the hub closes to every other user (`seal`): it holds the hidden
material in `solutions/` and in the history in `.git`.
"""

from __future__ import annotations

import os
import pwd
import re
import signal
import subprocess
import time
from pathlib import Path
from urllib.parse import urlencode

import yaml

COURSE_ID = "convnets"
# The instructor's nbgrader course directory, ~/course: not ~/convnets, where the book's
# launch links (nbgitpuller) clone the student branch (the repository's name).
COURSE_DIR_NAME = "course"
REPO = Path(__file__).resolve().parents[1]
HUB_DIR = REPO / "hub"
PREFIX = Path(os.environ.get("CONVNETS_HUB_PREFIX", "/opt/convnets-hub"))
VENV = PREFIX / "venv"
SINGLEUSER = VENV / "bin" / "jupyterhub-singleuser"
PROXY = PREFIX / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
# Extra Jupyter config dir for students: formgrader, course list and "create assignment"
# are switched off there (the instructor's server keeps them).
STUDENT_CONFIG = PREFIX / "config" / "student"
# Extra Jupyter config dir for instructors: the Formgrader may be framed (hub/install.py).
INSTRUCTOR_CONFIG_DIR = PREFIX / "config" / "instructor"
EXCHANGE = Path("/srv/nbgrader/exchange")
#: Users allowed besides the hub's own (`autograder roster ... --allowed-users`), one a line.
ALLOWED_USERS = PREFIX / "config" / "allowed-users.txt"
INSTRUCTORS = ("instructor",)
STUDENTS = ("student1", "student2")
# Written into the GECOS field of every user this project creates: only those are removed.
USER_MARK = "convnets-hub"
CHROMIUM = Path("/usr/bin/chromium")


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def created_by_us(name: str) -> bool:
    try:
        return pwd.getpwnam(name).pw_gecos == USER_MARK
    except KeyError:
        return False


def create_user(name: str) -> bool:
    """Create a real system user with a private home (mode 700); False if it existed."""
    if user_exists(name):
        if not created_by_us(name):
            raise RuntimeError(f"user {name!r} exists and was not created by the course hub")
        return False
    subprocess.run(
        [
            "useradd",
            "--create-home",
            "--user-group",
            "--shell",
            "/bin/bash",
            "--comment",
            USER_MARK,
            name,
        ],
        check=True,
    )
    os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    return True


def user_pids(name: str) -> list[int]:
    """Ids of the processes running as this user (none when it does not exist)."""
    if not user_exists(name):
        return []
    uid = pwd.getpwnam(name).pw_uid
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid and (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def describe_process(pid: int) -> str:
    """``pid (command line)``, for a message that says what was left running."""
    try:
        cmdline = (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return str(pid)
    command = cmdline.replace(b"\0", b" ").decode(errors="replace").strip()
    return f"{pid} ({command[:200]})"


def stop_user_processes(name: str, grace: float = 5.0, settle: float = 0.0) -> list[str]:
    """SIGTERM, then SIGKILL, what is left of this user's processes; returns what was found
    (``pid (command line)``). ``settle``: seconds first given to processes already on their
    way out (a kernel or a terminal's shell whose server has just shut down) to end by
    themselves; only what is still there after that counts as left behind."""
    deadline = time.monotonic() + settle
    while user_pids(name) and time.monotonic() < deadline:
        time.sleep(0.1)
    found = [describe_process(pid) for pid in user_pids(name)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in user_pids(name):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace
        while user_pids(name) and time.monotonic() < deadline:
            time.sleep(0.1)
    return found


def remove_user(name: str) -> None:
    """Stop the user's processes and delete a user (and home) that this project created."""
    if not created_by_us(name):
        return
    stop_user_processes(name)
    subprocess.run(["userdel", "--remove", name], check=True, stderr=subprocess.DEVNULL)


def hub_environment(**extra: str) -> dict[str, str]:
    """Environment for the hub process: only what it needs, nothing from the caller's venv."""
    env = {
        "PATH": f"{VENV / 'bin'}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONPATH": str(REPO),
    }
    env.update(extra)
    return env


def seal(folder: Path) -> None:
    """Take away every other user's access to `folder` (group and others): students are real
    users here. Used for the whole checkout: its `.git` holds every hidden test, solution and
    mutant in its history (`git show HEAD:solutions/...`), whatever mode `solutions/` has."""
    if folder.exists():
        os.chmod(folder, os.stat(folder).st_mode & ~0o077)


def reachable_by_others(path: Path) -> bool:
    """Whether a user who is neither the owner nor in the group may enter every directory on
    the way to `path` (and `path` itself): one closed directory on the way keeps them out."""
    path = Path(os.path.realpath(path))
    for folder in (path, *path.parents):
        if not os.stat(folder).st_mode & 0o001:
            return False
    return True


def protect(folder: Path) -> None:
    """Take away other users' access to `folder` (the hidden solutions on this machine):
    students are real users here, and a checkout is often world-readable."""
    if folder.exists():
        os.chmod(folder, os.stat(folder).st_mode & ~0o007)


# The instructor's nbgrader config. nbgrader's own collect (`nbgrader collect`, the
# Formgrader's Collect button) follows symbolic links in students' submissions and takes a
# folder named for another student as theirs: it is switched off here, and says what to use.
INSTRUCTOR_CONFIG = """\
# The instructor's course directory (formgrader and nbgrader commands use it).
from nbgrader.exchange.default.collect import ExchangeCollect

c = get_config()  # noqa: F821
c.CourseDirectory.root = {root!r}


class UseAutogradersCollect(ExchangeCollect):
    def init_src(self):
        self.fail("nbgrader's collect is switched off on this hub: it follows links in "
                  "students' submissions and accepts one student's submission named for "
                  "another. Collect with: sudo .venv/bin/autograder collect "
                  f"{{self.coursedir.assignment_id}} {{self.coursedir.root}}  (see hub/README.md)")


c.ExchangeFactory.collect = UseAutogradersCollect


# nbgrader's autograde (`nbgrader autograde`, the Formgrader's Autograde button) runs the
# students' code as the instructor, with the hidden tests put back into the notebook (and
# feedback generated from that shows them): switched off; the course's grader does this.
from nbconvert.preprocessors import Preprocessor


class UseAutogradersGrade(Preprocessor):
    def __call__(self, nb, resources):  # not preprocess(): nbconvert skips it unless enabled
        raise RuntimeError(
            "nbgrader's autograde is switched off on this hub: it runs students' code as you, "
            "with the hidden tests in the notebook. Grade with: sudo .venv/bin/autograder grade, "
            "then autograder gradebook (see hub/README.md); rerun autograder gradebook to "
            "restore the autograded/ folder nbgrader has just removed.")


c.Autograde.sanitize_preprocessors = [UseAutogradersGrade]
"""


BOOK_LINK = re.compile(r"\]\(\.\./\.\./book/([A-Za-z0-9_-]+\.md)(?:#[A-Za-z0-9_-]*)?\)")


def book_page_link(page: str, config_file: Path = REPO / "_config.yml") -> str:
    """The launch link (nbgitpuller, as the book's own launch buttons make it) that opens
    book/<page> of the student branch in the hub: the notebooks' `../../book/...` links point
    nowhere in a student's home, where nbgrader puts a fetched notebook in ~/<assignment>/."""
    config = yaml.safe_load(config_file.read_text())
    repo = config["repository"]["url"].rstrip("/")
    hub = config["launch_buttons"]["jupyterhub_url"].rstrip("/")
    query = urlencode(
        {
            "repo": repo,
            "branch": config["repository"]["branch"],
            "urlpath": f"lab/tree/{repo.split('/')[-1]}/book/{page}",
        }
    )
    return f"{hub}/hub/user-redirect/git-pull?{query}"


def with_book_links(text: str) -> str:
    """`text` (a notebook's JSON) with each `](../../book/<page>.md)` made a launch link."""
    return BOOK_LINK.sub(lambda m: f"]({book_page_link(m.group(1))})", text)


def copy_sources(solutions: Path, course: Path) -> None:
    """solutions/<a>/ -> <course>/source/<a>/: each assignment's top-level files except the
    grader's own (`mutants/`, `grading.py`: nbgrader's generate_assignment releases every
    file of source/<a>/ to students), notebooks with `with_book_links`."""
    from autograder.helpers import GRADER_ONLY

    for folder in sorted(p for p in solutions.iterdir() if p.is_dir()):
        source = course / "source" / folder.name
        source.mkdir(parents=True, exist_ok=True)
        for item in folder.iterdir():
            if item.name in GRADER_ONLY or not item.is_file():
                continue
            if item.suffix == ".ipynb":
                (source / item.name).write_text(with_book_links(item.read_text()))
            else:
                (source / item.name).write_bytes(item.read_bytes())


def prepare_instructor(name: str, solutions: Path | None = None) -> Path:
    """The instructor's nbgrader course directory ~/course, sources copied from solutions/.

    See `copy_sources` for what is copied.
    """
    user = pwd.getpwnam(name)
    home = Path(user.pw_dir)
    course = home / COURSE_DIR_NAME
    copy_sources(Path(solutions or REPO / "solutions"), course)
    config = home / ".jupyter" / "nbgrader_config.py"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(INSTRUCTOR_CONFIG.format(root=str(course)))
    subprocess.run(
        ["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(course), str(config.parent)], check=True
    )
    return course
