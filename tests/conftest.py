"""Session fixtures shared by several test files."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from corpus import CorpusRun, run_corpus


@pytest.fixture(scope="session")
def corpus_results(tmp_path_factory) -> Callable[[str], CorpusRun]:
    """``corpus_results(assignment)``: every known submission of that assignment graded in
    one run of the real CLI, the first time a test asks for it in this session (see
    ``tests/corpus.py``); the integrity test and the score table test share that run."""
    runs: dict[str, CorpusRun] = {}

    def get(assignment: str) -> CorpusRun:
        if assignment not in runs:
            runs[assignment] = run_corpus(assignment, tmp_path_factory.mktemp(assignment))
        return runs[assignment]

    return get
