"""The built book's links: every internal link, cross-reference and asset points at a
file (and anchor) that exists. External links are listed in _build/external-links.txt
for a person to check; they are not fetched (there is no network)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest

from .book import toc_pages

pytestmark = pytest.mark.browser
# Attributes that point at something the page needs or offers.
LINK_ATTRIBUTES = {
    ("a", "href"),
    ("link", "href"),
    ("img", "src"),
    ("script", "src"),
    ("source", "src"),
    ("iframe", "src"),
}
SKIPPED_SCHEMES = {"mailto", "javascript", "data", "tel"}


class _PageLinks(HTMLParser):
    """Collects the ids a page defines and the URLs it refers to."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (tag == "a" and name == "name"):
                self.ids.add(value)
            if (tag, name) in LINK_ATTRIBUTES:
                self.urls.append(value)


def _parse(path: Path) -> _PageLinks:
    parser = _PageLinks()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


@pytest.fixture(scope="module")
def built_pages(html_dir: Path) -> dict[Path, _PageLinks]:
    """Every HTML page Sphinx wrote (sources copied under _sources/ and _static/ excluded)."""
    return {
        path: _parse(path)
        for path in sorted(html_dir.rglob("*.html"))
        if not {"_sources", "_static", "_images"} & set(path.relative_to(html_dir).parts)
    }


def test_every_toc_page_was_built(html_dir):
    missing = [page for page in toc_pages() if not (html_dir / f"{page}.html").is_file()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"


def test_internal_links_and_anchors_resolve(html_dir, built_pages):
    broken: list[str] = []
    external: set[str] = set()
    for page, links in built_pages.items():
        where = page.relative_to(html_dir).as_posix()
        for url in links.urls:
            parts = urlsplit(url)
            if parts.scheme in SKIPPED_SCHEMES:
                continue
            if parts.scheme or parts.netloc:
                external.add(url)
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or not target.is_relative_to(html_dir):
                broken.append(f"{where}: {url} (no file {target})")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = built_pages[target].ids if target in built_pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where}: {url} (no anchor #{parts.fragment})")
    listing = html_dir.parent / "external-links.txt"
    listing.write_text("".join(f"{url}\n" for url in sorted(external)))
    print(f"{len(external)} external links (not fetched), listed in {listing}")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_execution_times_page_lists_every_notebook(html_dir):
    """book/execution-times shows {nb-exec-table}: one row per executed page, all passed."""
    pages = [page for page in toc_pages() if (html_dir / "_sources" / f"{page}.ipynb").is_file()]
    table_page = next(
        (
            html_dir / f"{page}.html"
            for page in toc_pages()
            if PurePosixPath(page).name == "execution-times"
        ),
        None,
    )
    assert table_page is not None and table_page.is_file(), "no execution-times page in _toc.yml"
    html = table_page.read_text(encoding="utf-8")
    assert "<table" in html, "the execution-times page has no table"
    rows = html.split("<table", 1)[1].split("</table>", 1)[0].split("<tr")[1:]
    missing = [page for page in pages if not any(f">{page}<" in row for row in rows)]
    assert not missing, f"execution-times table lacks {missing}"
    failed = [row for row in rows if "❌" in row]
    assert not failed, f"execution-times table reports failed pages: {failed}"
