"""`make hub` (hub.local) as a person runs it: started in the background by a shell (which
ignores SIGINT in it), stopped by SIGINT, SIGHUP or SIGTERM; a second run says that it
reuses the users an earlier `--keep-users` run left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from hub.course import REPO, STUDENTS, user_exists, user_pids

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.timeout(600)]


def start_in_background(port: int, *args: str) -> subprocess.Popen:
    """What `sudo make hub &` does: a non-interactive shell starts it with SIGINT ignored."""
    return subprocess.Popen(
        [sys.executable, "-m", "hub.local", "--port", str(port), *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )


def wait_for_banner(process: subprocess.Popen, timeout: float = 180) -> str:
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if "Press Ctrl-C to stop" in line:
            return "".join(lines)
    process.kill()
    raise AssertionError("hub.local did not start:\n" + "".join(lines))


def stop_with(process: subprocess.Popen, signum: int) -> str:
    process.send_signal(signum)
    try:
        rest, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"hub.local did not stop on {signal.Signals(signum).name}") from None
    return rest


def test_background_hub_stops_on_each_signal_and_says_what_it_reuses(hub_port, needs_root):
    users = ["instructor", *STUDENTS]
    if any(user_exists(name) for name in users):
        pytest.skip("the hub's users exist already (another hub running?)")
    try:
        first = start_in_background(hub_port, "--keep-users")
        banner = wait_for_banner(first)
        assert "Reusing" not in banner, banner
        assert first.poll() is None
        rest = stop_with(first, signal.SIGINT)  # ignored by the shell, handled by hub.local
        assert "Stopped; nothing left running." in rest, rest
        assert all(user_exists(name) for name in users)  # --keep-users

        second = start_in_background(hub_port)
        banner = wait_for_banner(second)
        assert "Reusing what an earlier run left" in banner, banner
        for name in users:
            assert f"user {name} and their home directory" in banner, banner
        rest = stop_with(second, signal.SIGHUP)
        assert "Stopped; nothing left running." in rest, rest
        assert not any(user_exists(name) for name in users)  # removed: not --keep-users

        third = start_in_background(hub_port)
        banner = wait_for_banner(third)
        assert "Reusing" not in banner, banner
        rest = stop_with(third, signal.SIGTERM)
        assert "Stopped; nothing left running." in rest, rest
    finally:
        for process in ("first", "second", "third"):
            proc = locals().get(process)
            if proc is not None and proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
                proc.wait(timeout=120)
        if any(user_exists(name) for name in users):  # a failed run: clean up as the hub would
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"from hub.course import remove_user\nfor n in {users!r}: remove_user(n)",
                ],
                cwd=REPO,
                check=False,
            )
    for name in users:
        assert not user_pids(name) and not user_exists(name)


def test_leftovers_are_what_outlives_the_settle_time(needs_root):
    """A user process still on its way out when the hub exits (a terminal's shell, a kernel)
    is not left behind; one still running after the settle time is, and is killed."""
    import pwd

    from hub.course import create_user, remove_user, stop_user_processes

    name = "settle-test"
    create_user(name)
    user = pwd.getpwnam(name)

    def as_user(*argv: str) -> subprocess.Popen:
        ids = [f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
        return subprocess.Popen(["setpriv", *ids, *argv])

    try:
        ending, staying = as_user("sleep", "1"), as_user("sleep", "120")
        time.sleep(0.3)  # both running
        assert len(user_pids(name)) == 2
        leftovers = stop_user_processes(name, grace=5.0, settle=3.0)
        assert leftovers == [f"{staying.pid} (sleep 120)"]
        assert staying.wait(timeout=10) == -signal.SIGTERM and ending.wait(timeout=10) == 0
        assert user_pids(name) == []
    finally:
        remove_user(name)
