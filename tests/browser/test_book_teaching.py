"""What every chapter gives its students, checked in Chromium as they see it: learning
objectives, a summary, "Check yourself" questions whose answers stay collapsed until
clicked, animations that play offline (no console errors, no network) with a text
alternative, and a reference list whose every entry links to a DOI or an arXiv page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .book import BOOK_DIR, toc_pages

pytestmark = pytest.mark.browser
PAGES = toc_pages()
ROOT = PAGES[0]
# Chapters: the introduction and the numbered pages ("book/01-convolution", ...).
CHAPTERS = [page for page in PAGES if page == ROOT or Path(page).name[:2].isdigit()]
MIN_QUESTIONS = 6
# Pages the issue asks to animate: the kernel sliding (stride, padding) and NMS step by step.
ANIMATED = {"book/01-convolution": 1, "book/05-applications": 1}
# A reference must link to its paper through a DOI or arXiv, over https.
PAPER_LINK = re.compile(r"^https://(doi\.org/10\.\d{4,}/\S+|arxiv\.org/abs/\d{4}\.\d{4,5})$")
SHORTEST_ALT = 40  # characters: a sentence, not a label


@dataclass
class OpenPage:
    page: Any
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def open_page(browser, book_url) -> Iterator[Any]:
    """open_page('book/intro') -> an OpenPage kept open for clicks; closed after the test."""
    opened: list[Any] = []

    def load(name: str) -> OpenPage:
        page = browser.context.new_page()
        opened.append(page)
        seen = OpenPage(page)
        page.on("console", lambda msg: msg.type == "error" and seen.console_errors.append(msg.text))
        page.on("pageerror", lambda error: seen.console_errors.append(f"uncaught: {error}"))
        page.on("request", lambda request: seen.requests.append(request.url))
        page.goto(f"{book_url}/{name}.html", wait_until="load")
        return seen

    yield load
    for page in opened:
        page.close()


def _section(page: Any, title: str) -> Any:
    """The <section> whose heading is `title` (Sphinx gives it the slugified id)."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return page.locator(f"section#{slug}")


@pytest.mark.parametrize("page", CHAPTERS)
def test_chapter_has_objectives_and_summary(open_page, page):
    seen = open_page(page).page
    objectives = seen.locator(".admonition", has_text="Learning objectives")
    assert objectives.count() >= 1, f"{page}: no 'Learning objectives' admonition"
    at_the_top = seen.evaluate(
        "() => { const box = [...document.querySelectorAll('article .admonition')]"
        ".find(n => n.innerText.includes('Learning objectives'));"
        " const heading = document.querySelector('article h2');"
        " return !heading || !!(box.compareDocumentPosition(heading)"
        " & Node.DOCUMENT_POSITION_FOLLOWING); }"
    )
    assert at_the_top, f"{page}: the learning objectives come after the first section"
    assert _section(seen, "Summary").count() == 1, f"{page}: no 'Summary' section"


@pytest.mark.parametrize("page", CHAPTERS)
def test_self_check_answers_are_collapsed_until_clicked(open_page, page):
    seen = open_page(page).page
    section = _section(seen, "Check yourself")
    assert section.count() == 1, f"{page}: no 'Check yourself' section"
    answers = section.locator("details")
    assert answers.count() >= MIN_QUESTIONS, (
        f"{page}: {answers.count()} collapsible answers, at least {MIN_QUESTIONS} expected"
    )
    for index in range(answers.count()):
        answer = answers.nth(index)
        body = answer.locator(":scope > :not(summary)").first
        assert not answer.evaluate("node => node.open"), f"{page}: answer {index} starts open"
        assert not body.is_visible(), f"{page}: answer {index} is readable before a click"
        answer.locator("summary").first.click()
        body.wait_for(state="visible", timeout=10_000)
        assert answer.evaluate("node => node.open"), f"{page}: answer {index} did not open"
        assert body.inner_text().strip(), f"{page}: answer {index} is empty"


@pytest.mark.parametrize("page", PAGES)
def test_animations_play_offline_with_a_text_alternative(open_page, book_url, page):
    seen = open_page(page)
    players = seen.page.locator("div.animation")
    expected = ANIMATED.get(page, 0)
    assert players.count() >= expected, (
        f"{page}: {players.count()} animations, at least {expected} expected"
    )
    if not players.count():
        pytest.skip(f"{page} has no animation")
    for index in range(players.count()):
        player = players.nth(index)
        frame = player.locator("img").first
        alt = (frame.get_attribute("alt") or "").strip()
        assert len(alt) >= SHORTEST_ALT, f"{page}: animation {index} has no text alternative"
        frame.wait_for(state="visible")
        seen.page.wait_for_function(
            "img => img.src.startsWith('data:image/')", arg=frame.element_handle(), timeout=30_000
        )
        first_src = frame.get_attribute("src")
        player.locator("button[aria-label='Play']").click()
        seen.page.wait_for_function(
            "([img, src]) => img.src !== src",
            arg=[frame.element_handle(), first_src],
            timeout=30_000,
        )
        player.locator("button[aria-label='Pause']").click()
        icons = player.locator("i.fa")
        assert icons.count() == 0, f"{page}: animation {index} still needs an icon font"
    external = [url for url in seen.requests if not url.startswith((book_url, "data:", "blob:"))]
    assert not external, f"{page}: the animations asked the network for {external}"
    assert not seen.console_errors, f"{page}: console errors: {seen.console_errors}"


@pytest.mark.parametrize("page", CHAPTERS)
def test_reference_links_are_well_formed(open_page, page):
    seen = open_page(page).page
    here = seen.url.split("#")[0]
    assert _section(seen, "References").count() == 1, f"{page}: no 'References' section"
    entries = seen.locator("section#references .citation").evaluate_all(
        "nodes => nodes.map(n => ({id: n.id, text: n.innerText.trim(),"
        " links: Array.from(n.querySelectorAll('a[href]')).map(a => a.href)}))"
    )
    assert entries, f"{page}: the References section lists no paper"
    bad = [
        f"{entry['text'][:70]!r}: {entry['links']}"
        for entry in entries
        if not any(PAPER_LINK.match(link) for link in entry["links"])
        or any(
            not PAPER_LINK.match(link) and not link.startswith(here + "#")
            for link in entry["links"]
        )
    ]
    assert not bad, (
        f"{page}: references without an https DOI or arXiv link, or with other "
        "links:\n" + "\n".join(bad)
    )
    # Every citation in the text leads to an entry of this page's list, and back.
    listed = {entry["id"] for entry in entries}
    cited = seen.locator("article a.reference.internal").evaluate_all(
        "links => links.filter(a => a.title && a.getAttribute('href').startsWith('#id'))"
        ".map(a => a.getAttribute('href').slice(1))"
    )
    assert cited, f"{page}: the text cites nothing"
    assert set(cited) <= listed, f"{page}: citations that lead nowhere: {set(cited) - listed}"
    assert listed <= set(cited), f"{page}: listed but never cited: {listed - set(cited)}"


def test_every_chapter_source_cites_what_it_lists():
    """Sources: each chapter cites with its own key prefix and lists its references with a
    bibliography filtered to that page (one mechanism, no links typed per page). The list
    stays a citation list: sphinxcontrib-bibtex links {cite} roles only to those (a
    ":list: bullet" bibliography leaves every citation unresolved)."""
    problems = []
    for page in CHAPTERS:
        text = (BOOK_DIR / f"{page}.md").read_text(encoding="utf-8")
        prefixes = set(re.findall(r"\{cite:[a-z]*\}`([a-z0-9]+-)", text))
        directive = re.search(r"```\{bibliography\}\n(:[^\n]*\n)*```", text)
        if not re.search(r"\{cite:[a-z]*\}`", text):
            problems.append(f"{page}: cites nothing")
        if directive is None or ":filter: docname in docnames" not in directive.group():
            problems.append(f"{page}: no bibliography filtered to the page")
        elif re.search(r":list: (?!citation)", directive.group()):
            problems.append(
                f"{page}: a bibliography that is not a citation list: its "
                "citations cannot link to it"
            )
        elif len(prefixes) > 1 or (
            prefixes and f":keyprefix: {prefixes.pop()}" not in directive.group()
        ):
            problems.append(f"{page}: citation prefixes do not match the bibliography's")
    assert not problems, "\n".join(problems)
