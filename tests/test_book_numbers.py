"""No number typed by hand in a figure's alt text or caption: each one is a value the page
computes and glues.

A figure's alt text (`mystnb: image: alt:`) and caption (`mystnb: figure: caption:`) are
cell metadata, so `{glue:text}` cannot reach them and a number written there could drift
from what the code computes (issue 14 found "6, 8, 8" where the page computes "5, 8, 7").
The rule this test enforces, on every page of the book: every number in an alt text or a
caption must be written exactly as it appears in a value the same page glues (`glue(name,
value)`; the test reads the values from the build's execution cache). A list of numbers
("5, 8, 7", "4, 6 and 5") must appear in that order, as one run, in a single glued value,
so a list cannot be assembled from numbers scattered over the page.

To put a number in an alt text, compute it, glue it as the text you write (for instance
`glue("alt_output_rows", "5, 8, 7", display=False)`), and write the same text. Names that
contain digits (ResNet-50, EfficientNet-B7, conv2d, top-5, v2) are names, not numbers.

Needs the book built (`make book`); the pure helpers are tested on their own below.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser.book import executed_notebook, page_source, toc_pages

# A number: digits, optional thousands groups ("1,024") and decimals ("2.5"); not part of a
# name (a letter, or a letter and a hyphen, just before it: B7, v2, ResNet-50, top-5).
NUMBER = re.compile(r"(?<![A-Za-z0-9.])(?<![A-Za-z][-‑])\d+(?:,\d{3})*(?:\.\d+)?(?![A-Za-z0-9])")
# "3x3" and "3×3" are two numbers.
TIMES = re.compile(r"(?<=\d)[x×](?=\d)")
# Numbers joined by these form one run (a list), which must appear as a run.
LIST_JOINER = re.compile(r"^(?:,\s*|,?\s+and\s+|\s+to\s+|\s+[x×]\s+|\s+by\s+)$")


def numbers(text: str) -> list[str]:
    """The numbers in a text, as written ('1,024' stays one number; '3x3' gives two)."""
    return [match.group() for match in NUMBER.finditer(TIMES.sub(" x ", text))]


def runs(text: str) -> list[list[str]]:
    """Numbers grouped into runs: consecutive numbers joined by ', ', ' and ', ' to ', 'x'
    or ' by ' form one run ('5, 8, 7' -> one run of three)."""
    text = TIMES.sub(" x ", text)
    found: list[list[str]] = []
    previous_end = None
    for match in NUMBER.finditer(text):
        if previous_end is not None and LIST_JOINER.match(text[previous_end : match.start()]):
            found[-1].append(match.group())
        else:
            found.append([match.group()])
        previous_end = match.end()
    return found


def contains_run(haystack: list[str], run: list[str]) -> bool:
    return any(haystack[i : i + len(run)] == run for i in range(len(haystack) - len(run) + 1))


def glued_texts(notebook: Any) -> dict[str, str]:
    """name -> the glued value's text (what `{glue:text}` shows with no format spec)."""
    glued = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            prefix = output["metadata"]["scrapbook"].get("mime_prefix", "")
            text = output.get("data", {}).get(f"{prefix}text/plain", "")
            text = "".join(text) if isinstance(text, list) else text
            glued[name] = text.strip("'\"")
    return glued


def figure_texts(notebook: Any) -> list[tuple[str, str, str]]:
    """(figure name, 'alt' or 'caption', text) for every figure cell of a notebook."""
    found = []
    for index, cell in enumerate(notebook.cells):
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        name = mystnb.get("figure", {}).get("name", f"cell {index}")
        for kind, text in (
            ("alt", mystnb.get("image", {}).get("alt")),
            ("caption", mystnb.get("figure", {}).get("caption")),
        ):
            if text:
                found.append((name, kind, str(text)))
    return found


def untraced_numbers(text: str, glued: dict[str, str]) -> list[str]:
    """The runs of numbers in `text` that no glued value contains, as written."""
    sequences = [numbers(value) for value in glued.values()]
    return [
        ", ".join(run)
        for run in runs(text)
        if not any(contains_run(sequence, run) for sequence in sequences)
    ]


# --- the helpers, on their own (no build needed) -------------------------------------------


def test_numbers_are_read_as_written():
    assert numbers("rows 5, 8, 7 and 1,024 weights, 2.5 percent") == ["5", "8", "7", "1,024", "2.5"]
    assert numbers("a 3x3 kernel on a 4 by 4 image") == ["3", "3", "4", "4"]
    assert numbers("ResNet-50, EfficientNet-B7, conv2d, top-5 error, v2") == []


def test_lists_must_appear_as_one_run():
    glued = {"rows": "5, 8, 7", "other": "4, 6, 5, 3", "size": "4x4"}
    assert untraced_numbers("rows 5, 8, 7; then 4, 6, 5, 3 of a 4 by 4 image", glued) == []
    assert untraced_numbers("output rows 6, 8, 8", glued) == ["6, 8, 8"]
    assert untraced_numbers("values 4, 6, 10, 5", glued) == ["4, 6, 10, 5"]
    assert untraced_numbers("values 8, 7", glued) == []  # a run inside a glued list
    assert untraced_numbers("values 7, 8", glued) == ["7, 8"]  # order matters
    assert untraced_numbers("a 12 by 12 field", glued) == ["12, 12"]


def test_glued_texts_read_the_values(tmp_path):
    import nbformat

    cell = nbformat.v4.new_code_cell("glue('rows', '5, 8, 7')")
    cell.outputs = [
        nbformat.v4.new_output(  # what glue(..., display=False) writes
            "display_data",
            data={"application/papermill.record/text/plain": "'5, 8, 7'"},
            metadata={
                "scrapbook": {"name": "rows", "mime_prefix": "application/papermill.record/"}
            },
        )
    ]
    assert glued_texts(nbformat.v4.new_notebook(cells=[cell])) == {"rows": "5, 8, 7"}


# --- every page of the built book ----------------------------------------------------------

NOTEBOOK_PAGES = [
    page
    for page in toc_pages()
    if (source := page_source(page)) is not None and source.suffix in {".md", ".ipynb"}
]


# Marked like the browser tests: it reads the built book (its execution cache), which
# `make test` builds first and `make test-fast` does not.
@pytest.mark.browser
@pytest.mark.parametrize("page", NOTEBOOK_PAGES)
def test_alt_texts_and_captions_quote_only_computed_numbers(page):
    notebook = executed_notebook(page)
    if notebook is None:
        pytest.skip(f"{page} is not a notebook")
    glued = glued_texts(notebook)
    typed = [
        f"{figure} {kind}: {', '.join(repr(run) for run in untraced)}"
        for figure, kind, text in figure_texts(notebook)
        if (untraced := untraced_numbers(text, glued))
    ]
    assert not typed, (
        f"{page}: numbers in alt texts or captions that no glued value of the page contains "
        "(glue each as written, or describe without the number):\n" + "\n".join(typed)
    )
