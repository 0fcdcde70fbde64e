"""Every page of the built book, opened in Chromium as a student would: it loads offline
with no errors, its math, figures and outputs render, it passes an accessibility scan,
and its launch and download buttons work. Screenshots land in _build/screenshots/."""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from .book import (
    AXE_TAGS,
    BOOK_DIR,
    SCREENSHOT_DIR,
    book_config,
    executed_notebook,
    page_source,
    toc_pages,
)

pytestmark = pytest.mark.browser
PAGES = toc_pages()
RAW_TEX = ("$$", "\\frac", "\\begin{", "\\(", "\\[")
# A Markdown table's divider row left as text (CommonMark has no tables; "---" may be "—").
RAW_TABLE = re.compile(r"\|\s*:?(-{3,}|—+)\s*:?\|")
WIDGET = "application/vnd.jupyter.widget-view+json"
LONGEST_OUTPUT_LINES = 60
SMALLEST_FIGURE_SCALE = 0.5
# A heading about non-max suppression: the section the search must find.
NMS_HEADING = re.compile(r"^#{1,6}\s.*\bnon-max(imum)?[\s-]+suppression", re.I | re.M)
# Error-like text in a stderr block: an exception, a traceback or a warning.
ERROR_WORDS = re.compile(r"Traceback|\w*Error\b|\w*Warning\b|Exception\b")


def shown_outputs(cell: nbformat.NotebookNode) -> list[dict]:
    """The outputs of a code cell that MyST-NB puts on the page (glue data is hidden)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & {"remove-output", "remove_output"}:
        return []
    return [
        out
        for out in cell.get("outputs", [])
        if "scrapbook" not in out.get("metadata", {}) and WIDGET not in out.get("data", {})
    ]


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_offline_without_errors(visit, page):
    seen = visit(page)
    external, failed, errors = seen.external_requests, seen.failed_requests, seen.console_errors
    assert not external, (
        f"{page} asks for files from another host (the book must work offline): {external}"
    )
    assert not failed, f"{page}: failed requests: {failed}"
    assert not errors, f"{page}: console errors: {errors}"
    assert seen.screenshot and seen.screenshot.stat().st_size > 0


@pytest.mark.parametrize("page", PAGES)
def test_math_and_tables_render(visit, page):
    seen = visit(page)
    math = seen.facts["math"]
    raw = [tex for tex in RAW_TEX if tex in seen.facts["visibleText"]]
    assert not raw, f"{page}: raw TeX {raw} is visible in the page text"
    table = RAW_TABLE.search(seen.facts["visibleText"])
    assert not table, f"{page}: a Markdown table shows as text: {table and table.group()}"
    if math["elements"]:
        assert math["mathjaxLoaded"], f"{page} has math but MathJax did not load"
        assert not math["untypeset"], f"{page}: math left untypeset: {math['untypeset']}"
        assert not math["errors"], f"{page}: MathJax errors: {math['errors']}"


@pytest.mark.parametrize("page", PAGES)
def test_images_load_and_have_alt_text(visit, page):
    images = visit(page).facts["images"]
    broken = [img["src"] for img in images if img["naturalWidth"] == 0]
    no_alt = [img["src"] for img in images if not (img["alt"] or "").strip()]
    assert not broken, f"{page}: images that did not load: {broken}"
    assert not no_alt, (
        f"{page}: images without alt text (give the code cell `mystnb: image: alt:`): {no_alt}"
    )


@pytest.mark.parametrize("page", PAGES)
def test_figures_are_readable(visit, page):
    """A figure shrunk to less than half its size has text too small to read."""
    shrunk = [
        f"{img['src']} ({img['naturalWidth']} px shown at {img['renderedWidth']} px)"
        for img in visit(page).facts["images"]
        if img["visible"]
        and img["naturalWidth"] > 0
        and img["renderedWidth"] < SMALLEST_FIGURE_SCALE * img["naturalWidth"]
    ]
    assert not shrunk, f"{page}: figures shrunk below half size (make them smaller): {shrunk}"


@pytest.mark.parametrize("page", PAGES)
def test_nothing_overflows_the_page(visit, page):
    layout = visit(page).facts["layout"]
    assert layout["pageScrollWidth"] <= layout["viewportWidth"], (
        f"{page} scrolls sideways ({layout['pageScrollWidth']} px > "
        f"{layout['viewportWidth']} px): {layout['overflowing']}"
    )
    assert not layout["overflowing"], f"{page}: wider than the text column: {layout['overflowing']}"


@pytest.mark.parametrize("page", PAGES)
def test_code_cells_show_their_outputs_and_no_errors(visit, page):
    facts = visit(page).facts
    errors = [
        out
        for out in facts["errorOutputs"]
        if "stderr" not in out["classes"] or ERROR_WORDS.search(out["text"])
    ]
    tracebacks = [
        cell["outputText"][:300]
        for cell in facts["cells"]
        if "Traceback (most recent call last)" in cell["outputText"]
    ]
    assert not errors, f"{page}: error or warning output blocks: {errors}"
    assert not tracebacks, f"{page}: tracebacks in outputs: {tracebacks}"

    notebook = executed_notebook(page)
    if notebook is None:
        assert not facts["cells"], f"{page} shows code cells but is not a notebook"
        return
    code_cells = [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and not {"remove-cell", "remove_cell"} & set(cell.metadata.get("tags", []))
    ]
    assert len(code_cells) == len(facts["cells"]), (
        f"{page}: {len(code_cells)} code cells in the notebook, {len(facts['cells'])} on the page"
    )
    for index, (cell, shown) in enumerate(zip(code_cells, facts["cells"], strict=True)):
        if shown_outputs(cell):
            assert shown["outputCount"], (
                f"{page}: code cell {index} has outputs in the notebook but none on the page"
            )


@pytest.mark.parametrize("page", PAGES)
def test_outputs_are_short(visit, page):
    long = [
        f"cell {i}: {out['lines']} lines"
        for i, cell in enumerate(visit(page).facts["cells"])
        for out in cell["outputs"]
        if out["lines"] > LONGEST_OUTPUT_LINES
    ]
    assert not long, f"{page}: outputs longer than {LONGEST_OUTPUT_LINES} lines: {long}"


@pytest.mark.parametrize("page", PAGES)
def test_accessibility_scan(visit, page):
    bad = [v for v in visit(page).axe_violations if v["impact"] in {"serious", "critical"}]
    assert not bad, f"{page}: axe-core ({', '.join(AXE_TAGS)}) violations: " + json.dumps(
        bad, indent=1
    )


@pytest.mark.parametrize("page", PAGES)
def test_launch_button_opens_the_course_hub(visit, page):
    facts = visit(page).facts
    if not facts["cells"] and not facts["launchLinks"]:
        pytest.skip(f"{page} has no code, so no launch button")
    assert len(facts["launchLinks"]) == 1, (
        f"{page}: expected one JupyterHub launch link, found {facts['launchLinks']}"
    )
    config = book_config()
    hub = urlsplit(config["launch_buttons"]["jupyterhub_url"].rstrip("/"))
    repository = config["repository"]
    link = urlsplit(facts["launchLinks"][0])
    assert (link.scheme, link.netloc) == (hub.scheme, hub.netloc), link.geturl()
    assert link.path == f"{hub.path}/hub/user-redirect/git-pull", link.geturl()
    query = parse_qs(link.query, strict_parsing=True)
    assert sorted(query) == ["branch", "repo", "urlpath"], query
    assert all(len(values) == 1 for values in query.values()), query
    assert query["repo"][0] == repository["url"]
    assert query["branch"][0] == repository.get("branch", "main")
    # nbgitpuller clones the repository into a folder named after it, then opens urlpath.
    interface = config["launch_buttons"].get("notebook_interface", "classic")
    prefix = "lab/tree" if interface == "jupyterlab" else "tree"
    clone_dir = PurePosixPath(urlsplit(repository["url"]).path).name.removesuffix(".git")
    source = page_source(page)
    assert source is not None, f"{page}: no source file"
    in_repo = (
        PurePosixPath(repository.get("path_to_book") or ".")
        / source.relative_to(BOOK_DIR).as_posix()
    )
    assert query["urlpath"][0] == f"{prefix}/{clone_dir}/{in_repo}", (
        f"{page}: the launch link opens {query['urlpath'][0]}, not the page's source"
    )


@pytest.mark.parametrize("page", PAGES)
def test_notebook_download_works(visit, browser, page):
    facts = visit(page).facts
    if not facts["cells"] and not facts["notebookDownloads"]:
        pytest.skip(f"{page} has no code, so no notebook to download")
    assert facts["notebookDownloads"], f"{page}: no .ipynb download button"
    url = facts["notebookDownloads"][0]
    assert url.endswith(".ipynb"), url
    response = browser.context.request.get(url)
    assert response.ok, f"{page}: {url} answered HTTP {response.status}"
    notebook = nbformat.reads(response.text(), as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.get("kernelspec", {}).get("name"), f"{page}: no kernelspec"
    source = executed_notebook(page)
    assert source is not None, f"{page} offers a notebook download but is not a notebook"
    assert [c.source for c in notebook.cells if c.cell_type == "code"] == [
        c.source for c in source.cells if c.cell_type == "code"
    ], f"{page}: the download's code differs from the page's source"


def test_search_finds_the_nms_chapter(browser, book_url):
    """Searching "non-max suppression" finds the page(s) with a section about it."""
    about_nms = [
        page
        for page in PAGES
        if (source := page_source(page)) and NMS_HEADING.search(source.read_text(encoding="utf-8"))
    ]
    assert about_nms, "no page in _toc.yml has a section on non-max suppression"
    page = browser.context.new_page()
    try:
        page.goto(f"{book_url}/search.html?q=non-max+suppression", wait_until="load")
        page.wait_for_function(
            "() => /Search finished|did not match|found \\d+ page/i.test("
            "document.querySelector('#search-results')?.innerText || '')"
        )
        hits = page.eval_on_selector_all(
            "#search-results ul.search li a", "links => links.map(a => a.href)"
        )
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT_DIR / "search.png", full_page=True)
    finally:
        page.close()
    found = {urlsplit(hit).path.removeprefix("/").removesuffix(".html") for hit in hits}
    missing = [page for page in about_nms if page not in found]
    assert not missing, f"searching 'non-max suppression' missed {missing}; found {sorted(found)}"
