"""A student in a real browser: log in to the hub, open the Assignment List in JupyterLab,
fetch `conv`, open it and run a cell. Debian's Chromium, driven by Playwright; the
screenshot is saved as _build/screenshots/hub-*.png."""

from __future__ import annotations

import pwd
import subprocess
from pathlib import Path

import pytest

from hub.course import CHROMIUM, REPO, VENV, user_exists, user_pids
from hub.local import LocalHub

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(600)]

ASSIGNMENT = "conv"
SHOTS = REPO / "_build" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def as_instructor(hub: LocalHub, *args: str) -> None:
    """Run nbgrader in the course directory as the instructor's system user."""
    user = pwd.getpwnam("instructor")
    env = {"HOME": user.pw_dir, "USER": user.pw_name, "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
           "NBGRADER_EXCHANGE": str(hub.exchange), "LANG": "C.UTF-8"}
    done = subprocess.run([str(VENV / "bin" / "nbgrader"), *args], cwd=hub.course_dir, env=env,
                          user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_student_fetches_and_runs_in_jupyterlab(hub_port, solutions, exchange, needs_root):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `python -m hub.install --browser` installs it")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    hub = LocalHub(port=hub_port, instructors=["instructor"], students=["student1"],
                   exchange=exchange, solutions=solutions)
    try:
        hub.start()
        as_instructor(hub, "generate_assignment", ASSIGNMENT, "--force")
        as_instructor(hub, "release_assignment", ASSIGNMENT, "--force")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(120_000)
            try:
                page.goto(f"{hub.url}/hub/login")
                page.fill("#username_input", "student1")
                page.fill("#password_input", hub.passwords["student1"])
                page.click("#login_submit")
                page.wait_for_url("**/user/student1/lab**", timeout=180_000)
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
            except Exception:
                page.screenshot(path=str(SHOTS / "hub-failure.png"))
                raise
            finally:
                browser.close()
        home = Path(pwd.getpwnam("student1").pw_dir)
        assert (home / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    finally:
        leftovers = hub.stop()
        log = hub.log_tail(3000)
        hub.cleanup_state()
    for name in hub.users:
        assert not user_pids(name), f"{name} still has processes"
        assert not user_exists(name), f"user {name} was not removed"
    assert leftovers == [], f"the hub left processes behind: {leftovers}\n{log}"
