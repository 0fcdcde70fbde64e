"""`make hub`: the course's JupyterHub on 127.0.0.1, for trying it out on one machine.

    sudo .venv/bin/python -m hub.local [--port 8000] [--keep-users]

It installs what the hub needs (hub/install.py), creates the system users `instructor`,
`student1` and `student2` (random passwords, printed), gives the instructor a course
directory with the assignments' sources and the course's folder in the exchange, closes the
checkout to every other user (its .git holds the hidden material), starts JupyterHub and
waits, saying first what it reuses of an earlier run (users and homes kept with
--keep-users, the course's exchange). Ctrl-C (SIGINT, also when started in the
background), SIGTERM or SIGHUP stops the hub, every user's server and kernel, and removes
the users it created (and their homes) unless --keep-users. Tests use `LocalHub` the same way.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from hub.auth import write_password_file
from hub.course import (
    COURSE_ID,
    EXCHANGE,
    HUB_DIR,
    INSTRUCTORS,
    PREFIX,
    REPO,
    STUDENTS,
    create_user,
    hub_environment,
    prepare_instructor,
    protect,
    reachable_by_others,
    remove_user,
    seal,
    stop_user_processes,
    user_pids,
)
from hub.install import install, make_course_exchange, make_exchange

#: Seconds a user's processes get, once the hub has exited, to end by themselves (a kernel or
#: a terminal's shell the single-user server shut down on its way out) before any of them
#: counts as left behind.
LEFTOVER_SETTLE = 5.0


class LocalHub:
    """A JupyterHub run as a child process group, with the users it needs."""

    def __init__(
        self,
        port: int = 8000,
        instructors=INSTRUCTORS,
        students=STUDENTS,
        exchange: Path = EXCHANGE,
        keep_users: bool = False,
        solutions: Path | None = None,
    ):
        self.port = port
        self.instructors = list(instructors)
        self.students = list(students)
        self.exchange = Path(exchange)
        self.keep_users = keep_users
        self.solutions = solutions
        self.url = f"http://127.0.0.1:{port}"
        self.passwords: dict[str, str] = {}
        self.created: list[str] = []
        self.reused: list[str] = []  # what an earlier run left (--keep-users), said at start
        self.process: subprocess.Popen | None = None
        self.state = Path(tempfile.mkdtemp(prefix="convnets-hub-state-"))
        self.log_path = self.state / "jupyterhub.log"

    @property
    def users(self) -> list[str]:
        return self.instructors + self.students

    def prepare(self) -> LocalHub:
        """Everything but the hub process: the exchange and the course's folder in it, the
        users, the instructor's course directory, the checkout closed to other users."""
        for shared in (self.exchange, PREFIX):  # both are opened to every user
            if Path(os.path.realpath(shared)).is_relative_to(REPO):
                raise RuntimeError(
                    f"{shared} is inside the checkout {REPO}, which students must not reach"
                )
        make_exchange(self.exchange)
        left = sorted(p.name for p in (self.exchange / COURSE_ID).glob("*/*"))
        if left:
            self.reused.append(
                f"the course's exchange {self.exchange / COURSE_ID} ({', '.join(left)})"
            )
        for name in self.users:
            if user_pids(name):
                raise RuntimeError(f"user {name} has running processes: is another hub running?")
            if not create_user(name):  # one that a stopped run of ours left (--keep-users)
                self.reused.append(f"user {name} and their home directory")
            self.created.append(name)
        make_course_exchange(self.instructors[0], self.exchange)
        protect(Path(self.solutions or REPO / "solutions"))
        seal(REPO)  # .git, .venv, _build: students' servers need nothing from the checkout
        if reachable_by_others(REPO):
            raise RuntimeError(f"other users can still enter {REPO}")
        self.passwords = {name: secrets.token_urlsafe(12) for name in self.users}
        write_password_file(self.state / "passwords.json", self.passwords)
        for name in self.instructors:
            self.course_dir = prepare_instructor(name, self.solutions)
        return self

    def start(self, timeout: float = 120) -> LocalHub:
        self.prepare()
        env = hub_environment(
            CONVNETS_HUB_STATE=str(self.state),
            CONVNETS_HUB_PORT=str(self.port),
            CONVNETS_HUB_INSTRUCTORS=",".join(self.instructors),
            CONVNETS_HUB_STUDENTS=",".join(self.students),
            NBGRADER_EXCHANGE=str(self.exchange),
        )
        log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self._log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(HUB_DIR / "jupyterhub_config.py")],
            cwd=self.state,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited; log:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"JupyterHub not ready after {timeout} s; log:\n{self.log_tail()}")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> list[str]:
        """Stop the hub (it stops the servers and the proxy), then anything left; returns
        the user processes (``pid (command line)``) still there LEFTOVER_SETTLE seconds
        after the hub exited."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process:
            try:  # the proxy and anything else the hub started in its session
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._stop_proxy()
        leftovers: list[str] = []
        for name in self.users:
            leftovers += stop_user_processes(name, settle=LEFTOVER_SETTLE)
        if not self.keep_users:
            for name in self.created:
                remove_user(name)
            # The course's exchange held these users' files: start clean next time.
            shutil.rmtree(self.exchange / COURSE_ID, ignore_errors=True)
        if getattr(self, "_log", None):
            self._log.close()
        return leftovers

    def _stop_proxy(self) -> None:
        pid_file = self.state / "proxy.pid"
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
            except (ValueError, ProcessLookupError):
                pass

    def cleanup_state(self) -> None:
        shutil.rmtree(self.state, ignore_errors=True)

    def __enter__(self) -> LocalHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        self.cleanup_state()


def banner(hub: LocalHub) -> str:
    lines = [""]
    if hub.reused:
        lines += ["Reusing what an earlier run left (started with --keep-users):"]
        lines += [f"  {item}" for item in hub.reused]
        lines += ["  (stop without --keep-users to remove them)", ""]
    lines += [
        f"JupyterHub for the course is running: {hub.url}",
        "Log in with one of these (passwords are new each run):",
    ]
    for name in hub.users:
        role = "instructor (Formgrader, release/collect)" if name in hub.instructors else "student"
        lines.append(f"  {name:<12} {hub.passwords[name]:<20} {role}")
    lines += [
        f"Hub log: {hub.log_path}",
        "Press Ctrl-C to stop: it stops every server"
        + ("." if hub.keep_users else " and removes these users and their home directories."),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the course's JupyterHub on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--keep-users", action="store_true", help="keep the users and their work when the hub stops"
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("make hub needs root: it creates system users and runs their servers as them")
    install()
    hub = LocalHub(port=args.port, keep_users=args.keep_users)
    stopping = False

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    # Also SIGINT: a shell that starts `make hub &` in the background ignores SIGINT in it,
    # and Python keeps an ignored SIGINT ignored (no KeyboardInterrupt) unless told here.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    try:
        hub.start()
        print(banner(hub), flush=True)
        while hub.process.poll() is None:
            time.sleep(0.5)
        print(f"JupyterHub exited by itself; log:\n{hub.log_tail()}", flush=True)
    except KeyboardInterrupt:
        stopping = True
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        print("\nStopping JupyterHub ...", flush=True)
        hub.stop()
        hub.cleanup_state()
        left = [name for name in hub.users if user_pids(name)]
        print(
            "Stopped; nothing left running." if not left else f"Still running: {left}", flush=True
        )
    sys.exit(0 if stopping else 1)


if __name__ == "__main__":
    main()
