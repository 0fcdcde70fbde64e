"""A student's (or the instructor's) view of the hub over HTTP: log in with the login
form, wait for the single-user server, and use its APIs (contents, kernels, nbgrader's
Assignments), exactly the requests JupyterLab makes. No mocks: real sockets, real hub."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
import websocket

from hub.course import CHROMIUM, REPO

SHOTS = REPO / "_build" / "screenshots"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def lab_page(hub, name: str, failure_shot: str = "hub-failure.png") -> Iterator:
    """A Chromium page logged in as ``name`` through the hub's login form, in JupyterLab;
    a screenshot ``_build/screenshots/<failure_shot>`` when the block raises."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `python -m hub.install --browser` installs it")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(120_000)
        try:
            page.goto(f"{hub.url}/hub/login")
            page.fill("#username_input", name)
            page.fill("#password_input", hub.passwords[name])
            page.click("#login_submit")
            page.wait_for_url(f"**/user/{name}/lab**", timeout=180_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
            yield page
        except Exception:
            page.screenshot(path=str(SHOTS / Path(failure_shot).name))
            raise
        finally:
            browser.close()


class HubUser:
    def __init__(self, hub_url: str, name: str, password: str):
        self.hub_url = hub_url.rstrip("/")
        self.name = name
        self.password = password
        self.http = requests.Session()
        self.server = f"{self.hub_url}/user/{name}"

    # -- the hub ----------------------------------------------------------------------
    def login(self) -> requests.Response:
        """Submit the hub's login form as a browser does (with its _xsrf field)."""
        self.http.get(f"{self.hub_url}/hub/login", timeout=30).raise_for_status()
        xsrf = self.http.cookies.get("_xsrf", path="/hub/")
        reply = self.http.post(
            f"{self.hub_url}/hub/login",
            data={"username": self.name, "password": self.password, "_xsrf": xsrf},
            timeout=60,
        )
        return reply

    def start_server(self, timeout: float = 180) -> None:
        """Open /hub/spawn (what the login redirect does) and wait until the server answers
        with this user's identity, which also completes the OAuth handshake."""
        self.http.get(f"{self.hub_url}/hub/spawn", timeout=60)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # The page (not the API) runs the OAuth handshake that sets the server's cookie.
            page = self.http.get(f"{self.server}/lab", timeout=60)
            if page.status_code == 200 and urlparse(page.url).path == f"/user/{self.name}/lab":
                reply = self.http.get(f"{self.server}/api/me", timeout=30)
                if reply.status_code == 200 and reply.json()["identity"]["name"] == self.name:
                    return
            time.sleep(1)
        raise TimeoutError(f"{self.name}'s server did not start in {timeout} s")

    # -- the single-user server -------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        path = urlparse(self.server).path + "/"
        token = self.http.cookies.get("_xsrf", path=path) or self.http.cookies.get("_xsrf")
        return {"X-XSRFToken": token or ""}

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        reply = self.http.request(
            method,
            f"{self.server}/{path.lstrip('/')}",
            headers=self._headers(),
            timeout=120,
            **kwargs,
        )
        return reply

    def read_notebook(self, path: str) -> dict:
        reply = self.api("GET", f"api/contents/{path}", params={"content": 1})
        reply.raise_for_status()
        return reply.json()["content"]

    def write_notebook(self, path: str, notebook: dict) -> None:
        reply = self.api(
            "PUT",
            f"api/contents/{path}",
            json={"type": "notebook", "format": "json", "content": notebook},
        )
        reply.raise_for_status()

    def assignments(
        self, action: str | None = None, assignment: str = "conv", course: str = "convnets"
    ) -> dict:
        """nbgrader's Assignments API: list (None), fetch, submit or fetch_feedback."""
        if action is None:
            reply = self.api("GET", "assignments", params={"course_id": course})
        else:
            reply = self.api(
                "POST",
                f"assignments/{action}",
                data={"course_id": course, "assignment_id": assignment},
            )
        reply.raise_for_status()
        return reply.json()

    # -- a kernel ---------------------------------------------------------------------
    def kernel(self) -> Kernel:
        reply = self.api("POST", "api/kernels", json={"name": "python3"})
        reply.raise_for_status()
        return Kernel(self, reply.json()["id"])


class Kernel:
    """Runs code in a kernel of the user's server through its websocket, as JupyterLab does."""

    def __init__(self, user: HubUser, kernel_id: str):
        self.user = user
        self.id = kernel_id
        self.session = uuid.uuid4().hex
        ws_url = user.server.replace("http://", "ws://") + f"/api/kernels/{kernel_id}/channels"
        cookies = "; ".join(f"{c.name}={c.value}" for c in user.http.cookies)
        xsrf = user._headers()["X-XSRFToken"]
        self.ws = websocket.create_connection(
            f"{ws_url}?session_id={self.session}&_xsrf={xsrf}",
            header=[f"Cookie: {cookies}", f"X-XSRFToken: {xsrf}"],
            timeout=120,
        )

    def execute(self, code: str, timeout: float = 120) -> tuple[list[dict], dict | None]:
        """Run `code`; returns (nbformat outputs, the error output or None)."""
        msg_id = uuid.uuid4().hex
        self.ws.send(
            json.dumps(
                {
                    "header": {
                        "msg_id": msg_id,
                        "username": self.user.name,
                        "session": self.session,
                        "msg_type": "execute_request",
                        "version": "5.3",
                    },
                    "parent_header": {},
                    "metadata": {},
                    "channel": "shell",
                    "buffers": [],
                    "content": {
                        "code": code,
                        "silent": False,
                        "store_history": True,
                        "user_expressions": {},
                        "allow_stdin": False,
                        "stop_on_error": True,
                    },
                }
            )
        )
        outputs: list[dict] = []
        error = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append(
                    {"output_type": "stream", "name": content["name"], "text": content["text"]}
                )
            elif kind in ("execute_result", "display_data"):
                out = {
                    "output_type": kind,
                    "data": content["data"],
                    "metadata": content.get("metadata", {}),
                }
                if kind == "execute_result":
                    out["execution_count"] = content["execution_count"]
                outputs.append(out)
            elif kind == "error":
                error = {
                    "output_type": "error",
                    "ename": content["ename"],
                    "evalue": content["evalue"],
                    "traceback": content["traceback"],
                }
                outputs.append(error)
            elif kind == "status" and content["execution_state"] == "idle":
                return outputs, error
        raise TimeoutError(f"kernel did not finish in {timeout} s: {code[:80]!r}")

    def run(self, code: str) -> str:
        """Run code that must succeed; returns its stdout."""
        outputs, error = self.execute(code)
        if error:
            raise RuntimeError(f"{error['ename']}: {error['evalue']}")
        return "".join(o.get("text", "") for o in outputs if o["output_type"] == "stream")

    def close(self) -> None:
        self.ws.close()
        self.user.api("DELETE", f"api/kernels/{self.id}")
