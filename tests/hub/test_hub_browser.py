"""Users in a real browser. A student logs in, opens the Assignment List in JupyterLab,
fetches `conv`, opens it, runs a cell, and runs a command in a terminal. The instructor
opens the Formgrader from the Nbgrader menu (it lives in a frame) and runs `nbgrader` in a
terminal. Nobody gets JupyterLab's news pop-up. Debian's Chromium, driven by Playwright;
the screenshots are saved as _build/screenshots/hub-*.png."""

from __future__ import annotations

import pwd
import subprocess
import time
from pathlib import Path

import pytest
from hub_client import SHOTS, HubUser, lab_page

from hub.course import REPO, VENV, book_page_link, user_exists, user_pids
from hub.local import LocalHub

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ASSIGNMENT = "conv"
END = "END-OF-OUTPUT"


def as_instructor(hub: LocalHub, *args: str) -> None:
    """Run nbgrader in the course directory as the instructor's system user."""
    user = pwd.getpwnam("instructor")
    env = {
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
        "NBGRADER_EXCHANGE": str(hub.exchange),
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(
        [str(VENV / "bin" / "nbgrader"), *args],
        cwd=hub.course_dir,
        env=env,
        user=user.pw_uid,
        group=user.pw_gid,
        extra_groups=[],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def no_news_popup(page) -> None:
    """JupyterLab's announcements plugin (the "get notified about Jupyter news?" pop-up) is
    switched off for this user, and no such notification shows."""
    config = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    disabled = config["disabledExtensions"]
    assert "@jupyterlab/apputils-extension:announcements" in disabled, disabled
    assert page.get_by_text("Jupyter news", exact=False).count() == 0


def terminal_command(page, name: str, command: str, timeout: float = 60) -> str:
    """Open File > New > Terminal, type `{ command; } > ~/<file>` as a person would, and
    return what the command wrote (read from the user's home)."""
    out = Path(pwd.getpwnam(name).pw_dir) / "terminal-output.txt"
    out.unlink(missing_ok=True)
    page.locator(".lm-MenuBar-itemLabel", has_text="File").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="New").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text="Terminal").first.click()
    terminal = page.locator(".jp-Terminal:visible").last
    terminal.wait_for()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(2000)  # the shell starts and prints its prompt
        terminal.click()
        page.keyboard.type(f"{{ {command}; echo {END}; }} > ~/terminal-output.txt 2>&1\n")
        for _ in range(20):
            text = out.read_text() if out.exists() else ""
            if text.endswith(f"{END}\n"):
                return text.removesuffix(f"{END}\n")
            page.wait_for_timeout(250)
    raise AssertionError(f"the terminal did not run {command!r} within {timeout} s")


def test_student_fetches_and_runs_in_jupyterlab(hub_port, solutions, exchange, needs_root):
    hub = LocalHub(
        port=hub_port,
        instructors=["instructor"],
        students=["student1"],
        exchange=exchange,
        solutions=solutions,
    )
    try:
        hub.start()
        as_instructor(hub, "generate_assignment", ASSIGNMENT, "--force")
        as_instructor(hub, "release_assignment", ASSIGNMENT, "--force")
        with lab_page(hub, "student1") as page:
            no_news_popup(page)
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            page.locator(".lm-Menu-itemLabel", has_text="Assignment List").click()
            fetch = page.locator("#released_assignments_list button", has_text="Fetch")
            fetch.click()
            fetched = page.locator("#fetched_assignments_list")
            fetched.get_by_text(ASSIGNMENT, exact=True).first.click()
            fetched.locator("a", has_text=ASSIGNMENT).last.click()
            notebook = page.locator(".jp-NotebookPanel:visible")
            page.locator(".jp-StatusBar-TextItem", has_text="| Idle").wait_for()
            cell = notebook.locator(".jp-CodeCell").first
            cell.locator(".jp-InputPrompt").click()  # select the cell
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run Selected Cell").first.click()
            cell.locator(".jp-InputPrompt", has_text="[1]").wait_for(timeout=60_000)
            page.screenshot(path=str(SHOTS / "hub-conv-in-jupyterlab.png"))
            # The terminal has the course's Python (a login shell would reset PATH).
            found = terminal_command(page, "student1", "command -v python nbgrader")
            assert found.split() == [
                str(VENV / "bin" / "python"),
                str(VENV / "bin" / "nbgrader"),
            ], found
        home = Path(pwd.getpwnam("student1").pw_dir)
        fetched = (home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text()
        # Its links to the book open the book's pages in the hub (nbgitpuller), not
        # `../../book/...`, which is nowhere in the student's home.
        assert "../../book/" not in fetched
        for page in ("01-convolution.md", "exercises.md"):
            assert book_page_link(page) in fetched and (REPO / "book" / page).exists()
    finally:
        leftovers = hub.stop()
        log = hub.log_tail(3000)
        hub.cleanup_state()
    for name in hub.users:
        assert not user_pids(name), f"{name} still has processes"
        assert not user_exists(name), f"user {name} was not removed"
    assert leftovers == [], f"the hub left processes behind: {leftovers}\n{log}"


def test_instructor_opens_formgrader_from_the_menu_and_nbgrader_in_a_terminal(
    hub_port, solutions, exchange, needs_root
):
    """The Formgrader is a frame inside JupyterLab: JupyterHub 6 forbids framing single-user
    servers (nbgrader #1870), so without the instructor's config Chromium shows "refused to
    connect" in it. The students' servers still refuse to be framed."""
    hub = LocalHub(
        port=hub_port,
        instructors=["instructor"],
        students=["student1"],
        exchange=exchange,
        solutions=solutions,
    )
    try:
        hub.start()
        with lab_page(hub, "instructor") as page:
            no_news_popup(page)
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
            page.locator(".lm-Menu-itemLabel").get_by_text("Formgrader", exact=True).click()
            frame = page.frame_locator("iframe[src*='formgrader']")
            # The Formgrader's own page, in the frame: the assignment from source/.
            frame.get_by_text("Manage Assignments").first.wait_for(timeout=60_000)
            frame.get_by_role("link", name=ASSIGNMENT, exact=True).first.wait_for()
            page.screenshot(path=str(SHOTS / "hub-formgrader-in-jupyterlab.png"))
            found = terminal_command(
                page, "instructor", "command -v nbgrader; nbgrader --version"
            )
            assert found.split()[0] == str(VENV / "bin" / "nbgrader"), found
            assert "nbgrader version 0.9.6" in found, found
        # The header that allows it, on the instructor's server only.
        student = HubUser(hub.url, "student1", hub.passwords["student1"])
        student.login()
        student.start_server()
        policy = student.api("GET", "lab").headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy, policy
    finally:
        leftovers = hub.stop()
        log = hub.log_tail(3000)
        hub.cleanup_state()
    assert leftovers == [], f"the hub left processes behind: {leftovers}\n{log}"
