"""The book's build says when `_config.yml`'s launch settings are placeholders (issue 17):
Jupyter Book's own config translation loads the extension, and the extension names both
placeholders of the committed config, as notes that a --warningiserror build passes."""

from __future__ import annotations

import importlib.util
import io

from hub.course import REPO

EXT = REPO / "book" / "_ext" / "launch_placeholders.py"


def extension():
    spec = importlib.util.spec_from_file_location("launch_placeholders", EXT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def book_config() -> dict:
    from jupyter_book.config import get_final_config

    config, _ = get_final_config(
        user_yaml=REPO / "_config.yml", sourcedir=REPO, cli_config={"latex_individualpages": False}
    )
    return config


def test_the_build_loads_it_and_names_both_placeholders():
    config = book_config()
    assert "launch_placeholders" in config["extensions"]
    notes = extension().placeholder_notes(config["html_theme_options"])
    assert len(notes) == 2, notes
    assert any("repository.url" in n and "Remote content unavailable" in n for n in notes)
    assert any("launch_buttons.jupyterhub_url" in n and "127.0.0.1" in n for n in notes)


def test_real_addresses_give_no_note():
    notes = extension().placeholder_notes(
        {
            "repository_url": "https://git.example.edu/ml/convnets",
            "launch_buttons": {"jupyterhub_url": "https://hub.example.edu/"},
        }
    )
    assert notes == []


def test_notes_are_information_not_warnings(tmp_path):
    """A real Sphinx run with -W: the extension prints its notes and the build passes."""
    from sphinx.application import Sphinx

    (tmp_path / "conf.py").write_text(
        f"import sys; sys.path.insert(0, {str(EXT.parent)!r})\n"
        "extensions = ['launch_placeholders']\n"
        "html_theme_options = {'repository_url': 'https://github.com/convnets-course/convnets',"
        " 'launch_buttons': {'jupyterhub_url': 'http://127.0.0.1:8000'}}\n"
        "html_theme = 'sphinx_book_theme'\n"
    )
    (tmp_path / "index.rst").write_text("Title\n=====\n\nText.\n")
    status, warnings = io.StringIO(), io.StringIO()
    app = Sphinx(
        str(tmp_path),
        str(tmp_path),
        str(tmp_path / "_build"),
        str(tmp_path / "_doctrees"),
        "html",
        status=status,
        warning=warnings,
        warningiserror=True,
        freshenv=True,
    )
    app.build()
    assert app.statuscode == 0 and warnings.getvalue() == "", warnings.getvalue()
    assert status.getvalue().count("PLACEHOLDER in _config.yml") == 2, status.getvalue()


def test_exercises_are_opened_from_the_assignment_list_only():
    """One copy of each exercise: the exercises page sends students to the Assignment List
    (the copy they can submit), with no nbgitpuller link that pulls a second copy."""
    page = (REPO / "book" / "exercises.md").read_text()
    assert "git-pull" not in page and "urlpath" not in page
    assert "Assignment List" in page and "/hub/user-redirect/lab" in page
