"""Fixtures for checking the built book the way students see it: served over HTTP on
127.0.0.1 and opened in Debian's Chromium (driven by Playwright), with no network.

The book is found through environment variables so a private build can be tested:
``CONVNETS_BOOK_DIR`` (the book's source root: _config.yml, _toc.yml; default: the repo)
and ``CONVNETS_BOOK_HTML`` (default: ``$CONVNETS_BOOK_DIR/_build/html``). A missing
build fails the tests: ``make test`` builds the book before it runs them.
Run ``bash tests/browser/setup.sh`` once to install Chromium and axe-core.
"""

from __future__ import annotations

import functools
import http.server
import ipaddress
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BOOK_DIR = Path(os.environ.get("CONVNETS_BOOK_DIR", REPO)).resolve()
HTML_DIR = Path(os.environ.get("CONVNETS_BOOK_HTML", BOOK_DIR / "_build" / "html")).resolve()
SCREENSHOT_DIR = HTML_DIR.parent / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CONVNETS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 900}
SETUP_HINT = "run `bash tests/browser/setup.sh` first"


def book_config() -> dict[str, Any]:
    return yaml.safe_load((BOOK_DIR / "_config.yml").read_text())


def _toc_files(entries: list[dict[str, Any]]) -> Iterator[str]:
    for entry in entries:
        if "file" in entry:
            yield entry["file"]
        for key in ("chapters", "sections", "parts"):
            yield from _toc_files(entry.get(key, []))


def toc_pages() -> list[str]:
    """Every page `_toc.yml` lists, in reading order, as 'book/intro' (no suffix)."""
    toc = yaml.safe_load((BOOK_DIR / "_toc.yml").read_text())
    pages = [toc["root"], *_toc_files(toc.get("parts", []) + toc.get("chapters", []))]
    return [str(Path(page).with_suffix("")) if Path(page).suffix in {".md", ".ipynb"}
            else page for page in pages]


def page_source(page: str) -> Path | None:
    """The source file of a toc page (a .md or .ipynb under the book's root)."""
    for suffix in (".md", ".ipynb", ".rst"):
        if (BOOK_DIR / f"{page}{suffix}").is_file():
            return BOOK_DIR / f"{page}{suffix}"
    return None


def is_loopback(url: str) -> bool:
    """True for URLs that never leave this machine (the book must work offline)."""
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about", "chrome-error"}:
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book at {HTML_DIR}: run `make book` first "
                    "(or point CONVNETS_BOOK_HTML at a build)")
    return HTML_DIR


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
        pass


@pytest.fixture(scope="session")
def book_url(html_dir: Path) -> Iterator[str]:
    """The built book served on 127.0.0.1 at a free port, for the whole session."""
    handler = functools.partial(_QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser_context(book_url: str) -> Iterator[Any]:
    """Chromium with a fresh profile; any request for a non-loopback host is refused."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: {SETUP_HINT}")
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="convnets-chromium-")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
            viewport=VIEWPORT, service_workers="block", reduced_motion="reduce",
        )
        context.set_default_timeout(60_000)
        context.blocked_requests = []
        context.route(lambda url: not is_loopback(url), _refuse_external(context))
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def _refuse_external(context: Any) -> Any:
    def handler(route: Any) -> None:
        context.blocked_requests.append(route.request.url)
        route.abort("blockedbyclient")
    return handler


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


# Gathered in the page after it has loaded: everything the tests assert on.
PAGE_FACTS_JS = Path(__file__).with_name("page_facts.js").read_text()
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def visit(browser_context: Any, book_url: str) -> Any:
    """visit('book/intro') -> PageVisit; each page is loaded once per session."""
    if not AXE_JS.is_file():
        pytest.fail(f"{AXE_JS} is missing: {SETUP_HINT}")
    visits: dict[str, PageVisit] = {}

    def load(name: str) -> PageVisit:
        if name not in visits:
            visits[name] = _load_page(browser_context, book_url, name)
        return visits[name]

    return load


def _load_page(context: Any, book_url: str, name: str) -> PageVisit:
    result = PageVisit(name=name, url=f"{book_url}/{name}.html")
    blocked_before = len(context.blocked_requests)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and result.console_errors.append(
        f"{msg.text} ({msg.location.get('url', '')})"))
    page.on("pageerror", lambda error: result.console_errors.append(f"uncaught: {error}"))
    page.on("requestfailed", lambda request: result.failed_requests.append(
        f"{request.url}: {request.failure}"))
    page.on("response", lambda response: response.status >= 400 and
            result.failed_requests.append(f"{response.url}: HTTP {response.status}"))
    try:
        response = page.goto(result.url, wait_until="load")
        if response is None or response.status != 200:
            result.failed_requests.append(f"{result.url}: {response and response.status}")
        page.wait_for_load_state("networkidle")
        result.facts = page.evaluate(PAGE_FACTS_JS)
        SCREENSHOT_DIR.joinpath(name).parent.mkdir(parents=True, exist_ok=True)
        result.screenshot = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(result.screenshot), full_page=True, animations="disabled")
        page.add_script_tag(content=AXE_JS.read_text())
        axe = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})", AXE_TAGS)
        result.axe_violations = [
            {"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [" ".join(n["target"]) if isinstance(n["target"], list) else
                       str(n["target"]) for n in v["nodes"]][:5]}
            for v in axe["violations"]]
    finally:
        page.close()
    result.external_requests = context.blocked_requests[blocked_before:]
    return result


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the rebuild check last: it rewrites _build/html, which the browser tests serve."""
    items.sort(key=lambda item: item.get_closest_marker("rebuilds_book") is not None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "rebuilds_book: rebuilds the book in place; runs after every other test")
