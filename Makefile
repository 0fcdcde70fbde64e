# Two commands do everything on a fresh machine: `make book` and `make test`.
# Each sets up .venv/ from requirements.txt first (once; again only when the pins change).

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONHASHSEED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup book book-fresh test test-fast lint release check bench hub clean \
        browser-setup hub-setup

help:
	@echo "make book    set up .venv if needed, execute every page, build _build/html"
	@echo "make test    set up .venv if needed, run every check (book, library, grader, browser, hub)"
	@echo "make bench   benchmarks -> bench/REPORT.md"
	@echo "make hub     a local JupyterHub on 127.0.0.1 for trying the course"

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP)

# Execution results are cached in _build/.jupyter_cache: a rebuild with nothing changed
# executes nothing. -W turns every warning into an error; no page may allow errors.
book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going --builder html

book-fresh: $(STAMP)
	rm -rf _build
	$(MAKE) book

lint: $(STAMP)
	$(BIN)/ruff check convnets autograder tests bench hub

release: $(STAMP)
	$(BIN)/autograder release

check: $(STAMP)
	$(BIN)/autograder check

# Debian's Chromium + axe-core (npm) for the browser tests; skipped parts already there.
browser-setup:
	bash tests/browser/setup.sh

# The hub's world-readable single-user venv, configurable-http-proxy (npm), the exchange.
# Needs root (it creates /opt/convnets-hub and system users in the tests); else skipped.
hub-setup: $(STAMP)
	@if [ "$$(id -u)" = 0 ]; then $(BIN)/python -m hub.install --browser; \
	 else echo "hub-setup: not root, the hub tests will be skipped"; fi

test: $(STAMP) lint book browser-setup hub-setup
	$(BIN)/python -m pytest tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow and not browser and not hub"

bench: $(STAMP)
	$(BIN)/python -m bench

hub: $(STAMP) hub-setup
	$(BIN)/python -m hub.local

clean:
	rm -rf _build .pytest_cache .ruff_cache .hypothesis
