"""Sphinx extension: say at build time when the launch links point at placeholders.

`_config.yml` ships with a placeholder repository (`repository.url`) and the local hub's
address (`launch_buttons.jupyterhub_url`, `make hub` on 127.0.0.1): every launch link then
fails for a real student ("Remote content unavailable", or a hub on their own machine that
is not there). The build prints a clear note for each, as information, so that the book's
`--warningiserror` build of the committed placeholders still passes.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.console import red

logger = logging.getLogger(__name__)

# (setting in _config.yml, placeholder value, what goes wrong with it)
PLACEHOLDERS = (
    ("repository.url", "https://github.com/convnets-course/convnets",
     "nbgitpuller cannot pull it: every launch link says 'Remote content unavailable'; set it "
     "to the repository that holds the published student branch"),
    ("launch_buttons.jupyterhub_url", "http://127.0.0.1:8000",
     "the local `make hub`: launch links work only on the machine that runs it; set it to "
     "the course's JupyterHub"),
)


def placeholder_notes(theme_options: dict[str, Any]) -> list[str]:
    """One note per setting that still holds its placeholder (the book's theme options)."""
    values = {
        "repository.url": theme_options.get("repository_url", ""),
        "launch_buttons.jupyterhub_url":
            (theme_options.get("launch_buttons") or {}).get("jupyterhub_url", ""),
    }
    return [f"PLACEHOLDER in _config.yml: {key} = {value!r}: {why}"
            for key, value, why in PLACEHOLDERS
            if values[key].rstrip("/") == value.rstrip("/")]


def _check(app: Sphinx, config: Config) -> None:
    for note in placeholder_notes(config.html_theme_options or {}):
        logger.info(red(note))


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("config-inited", _check)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
