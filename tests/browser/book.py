"""Where the book under test lives and what its configuration says: shared by the
browser tests, the link check and the rebuild check.

``CONVNETS_BOOK_DIR`` is the book's source root (_config.yml, _toc.yml; default: this
repository) and ``CONVNETS_BOOK_HTML`` its HTML build (default:
``$CONVNETS_BOOK_DIR/_build/html``), so a private build can be tested too.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

REPO = Path(__file__).resolve().parents[2]
BOOK_DIR = Path(os.environ.get("CONVNETS_BOOK_DIR", REPO)).resolve()
HTML_DIR = Path(os.environ.get("CONVNETS_BOOK_HTML", BOOK_DIR / "_build" / "html")).resolve()
SCREENSHOT_DIR = HTML_DIR.parent / "screenshots"
AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("CONVNETS_CHROMIUM", "/usr/bin/chromium")
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
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]  # WCAG 2.1 AA
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
    return [
        str(Path(page).with_suffix("")) if Path(page).suffix in {".md", ".ipynb"} else page
        for page in pages
    ]


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


def execution_cache_dir() -> Path:
    return BOOK_DIR / book_config().get("execute", {}).get("cache", "_build/.jupyter_cache")


def executed_notebook(page: str) -> Any:
    """The page as executed by the build: its source with the outputs jupyter-cache holds.

    None for a page that is not a notebook. (The downloadable .ipynb is no substitute:
    MyST-NB 1.4 writes it without outputs when a page comes from the cache.)
    """
    from jupyter_cache import get_cache
    from myst_nb.core.config import NbParserConfig
    from myst_nb.core.read import create_nb_reader
    from myst_parser.config.main import MdParserConfig

    source = page_source(page)
    if source is None:
        return None
    text = source.read_text(encoding="utf-8")
    reader = create_nb_reader(str(source), MdParserConfig(), NbParserConfig(), text)
    if reader is None:
        return None
    notebook = reader.read(text)
    try:
        _, merged = get_cache(execution_cache_dir()).merge_match_into_notebook(notebook)
    except KeyError as missing:
        raise AssertionError(
            f"{page} is not in the execution cache {execution_cache_dir()}: was it executed?"
        ) from missing
    return merged
