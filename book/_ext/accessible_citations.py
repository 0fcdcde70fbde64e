"""Sphinx extension: the book's reference lists pass the accessibility scan.

docutils writes a bibliography (sphinxcontrib-bibtex's citation list) as a
``<div role="list">`` whose entries have ``role="doc-biblioentry"``. ARIA requires the
children of a list to be list items, so axe-core reports every reference list as a
critical ``aria-required-children`` violation (and DPUB-ARIA deprecates doc-biblioentry).
This gives the entries ``role="listitem"`` in every HTML page, with nothing else changed:
the entries keep their ids, so citations still link to them.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

BIBLIOENTRY = 'role="doc-biblioentry"'


def _listitems(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any],
               doctree: Any) -> None:
    body = context.get("body")
    if isinstance(body, str) and BIBLIOENTRY in body:
        context["body"] = body.replace(BIBLIOENTRY, 'role="listitem"')


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _listitems)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
