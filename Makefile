# Two commands on a fresh machine: `make demo` and `make test` (see README).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_HOME ?= demo-workspace

.PHONY: demo test bench lint typecheck pytest clean install

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py src/intercop/evidence/readers/mysql_cvalues.c | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# On a terminal the demo ends by serving the web app on 127.0.0.1:8000 (Ctrl-C stops it);
# elsewhere (CI, a pipe) it prints the logins and how to serve, and returns.
demo: $(STAMP)
	rm -rf $(DEMO_HOME)
	$(BIN)/intercop --workspace $(DEMO_HOME) demo $$([ -t 1 ] && echo --serve)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache .mypy_cache .ruff_cache
