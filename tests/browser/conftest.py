"""Fixtures for checking the built book the way students see it: served over HTTP on
127.0.0.1 and opened in Debian's Chromium (driven by Playwright), with no network.

A missing build fails the tests (``make test`` builds the book before it runs them).
Run ``bash tests/browser/setup.sh`` once to install Chromium and axe-core.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .book import (
    AXE_JS,
    AXE_TAGS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    HTML_DIR,
    SCREENSHOT_DIR,
    SETUP_HINT,
    VIEWPORT,
    is_loopback,
)

# Evaluated in each page after it has loaded: the facts the tests assert on.
PAGE_FACTS_JS = Path(__file__).with_name("page_facts.js").read_text()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "rebuilds_book: rebuilds the book in place; runs after every other test"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the rebuild check last: it rewrites _build/html, which the browser tests serve."""
    items.sort(key=lambda item: item.get_closest_marker("rebuilds_book") is not None)


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(
            f"no built book at {HTML_DIR}: run `make book` first "
            "(or point CONVNETS_BOOK_HTML at a build)"
        )
    return HTML_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def book_url(html_dir: Path) -> Iterator[str]:
    """The built book served on 127.0.0.1 at a free port, for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@dataclass
class Browser:
    """A Chromium context that refuses (and remembers) every non-loopback request."""

    context: Any
    external_requests: list[str] = field(default_factory=list)

    def refuse(self, route: Any) -> None:
        self.external_requests.append(route.request.url)
        route.abort("blockedbyclient")


# Package scope: Playwright's sync API allows one running instance per thread, and the hub's
# browser test (tests/hub) starts its own after these tests are done.
@pytest.fixture(scope="package")
def browser(book_url: str) -> Iterator[Browser]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: {SETUP_HINT}")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="convnets-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=CHROMIUM_FLAGS,
                viewport=VIEWPORT,
                service_workers="block",
                reduced_motion="reduce",
            )
            context.set_default_timeout(120_000)  # a loaded 2-core machine is slow
            browser = Browser(context)
            context.route(lambda url: not is_loopback(url), browser.refuse)
            yield browser
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class PageVisit:
    """What one page showed in the browser; each test checks one aspect of it."""

    name: str
    url: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    axe_violations: list[dict[str, Any]] = field(default_factory=list)
    screenshot: Path | None = None


@pytest.fixture(scope="package")
def visit(browser: Browser, book_url: str) -> Callable[[str], PageVisit]:
    """visit('book/intro') -> PageVisit; each page is loaded once per session."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: {SETUP_HINT}")
    visits: dict[str, PageVisit] = {}

    def load(name: str) -> PageVisit:
        if name not in visits:
            visits[name] = _load_page(browser, book_url, name)
        return visits[name]

    return load


def _load_page(browser: Browser, book_url: str, name: str) -> PageVisit:
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    seen = PageVisit(name=name, url=f"{book_url}/{name}.html")
    blocked_before = len(browser.external_requests)
    page = browser.context.new_page()
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and seen.console_errors.append(f"{msg.text} ({msg.location.get('url', '')})")
        ),
    )
    page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
    page.on(
        "requestfailed",
        lambda request: seen.failed_requests.append(f"{request.url}: {request.failure}"),
    )
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and seen.failed_requests.append(f"{response.url}: HTTP {response.status}")
        ),
    )
    try:
        response = page.goto(seen.url, wait_until="load")
        if response is None or not response.ok:
            seen.failed_requests.append(f"{seen.url}: {response and response.status}")
        try:  # late requests (MathJax fonts) are caught by the listeners either way
            page.wait_for_load_state("networkidle", timeout=30_000)
        except PlaywrightTimeoutError:
            pass
        seen.facts = page.evaluate(PAGE_FACTS_JS)
        seen.screenshot = SCREENSHOT_DIR / f"{name}.png"
        seen.screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=seen.screenshot, full_page=True, animations="disabled")
        page.add_script_tag(content=AXE_JS.read_text())
        axe = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        seen.axe_violations = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [str(node["target"]) for node in v["nodes"][:5]],
            }
            for v in axe["violations"]
        ]
    finally:
        page.close()
    seen.external_requests = browser.external_requests[blocked_before:]
    return seen
