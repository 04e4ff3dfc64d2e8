# The two commands: `make run` and `make test`. Both create .venv and install into it when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint ruff mypy pytest bench install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# `make run` installs the console extra too: without Slack tokens it runs the local console (devkit/).
$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[console]'
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,console]'
	touch $(STAMP_RUN) $@

install: $(STAMP_RUN)
install-dev: $(STAMP_DEV)

run: $(STAMP_RUN)
	$(BIN)/telnyx-bot run $(ARGS)

lint: ruff mypy

ruff: $(STAMP_DEV)
	$(BIN)/ruff check bot handlers formatting devkit tests bench
	$(BIN)/ruff format --check bot handlers formatting devkit tests bench

mypy: $(STAMP_DEV)
	$(BIN)/mypy

# The suite runs on two workers per core (pytest-xdist): about half of its time is tests waiting on
# sockets, subprocesses and real-time timers (two instances ticking for 30 s, a bot killed and restarted),
# so a core would idle behind one worker. Measured on this 2-core machine, quiet, 1,333 tests, 2026-11-29:
# 2 workers 118 s, 4 workers 80 s, 6 workers 81 s (CPU-bound by then). A module whose tests share a
# module-scoped fixture carries an xdist_group mark, which --dist loadgroup keeps on one worker; tests
# marked `long` are handed out first. PYTEST_WORKERS=0 runs it in-process, PYTEST_WORKERS=auto one per core.
PYTEST_WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))

# Compiled modules and pytest's rewritten test modules are cached in __pycache__ (git-ignored) even where
# the environment sets PYTHONDONTWRITEBYTECODE: without the cache every worker, and every bot process a
# test starts, compiles them all again (5 s per worker to collect, about 15 s of CPU in all).
pytest: $(STAMP_DEV)
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# ruff first (it takes a second), then mypy beside the suite: mypy alone takes about 20 s from a fresh
# clone, on a core the suite's waiting leaves free much of the time. Each line is printed whole; any
# failure fails `make test` once both have finished.
test: ruff
	@$(MAKE) --no-print-directory -j2 --output-sync=line mypy pytest

bench: $(STAMP_DEV)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
