# Two commands on a fresh machine:
#   make demo   — creates .venv, installs Clauses, builds the demo territory in ./demo and runs a year
#   make test   — creates .venv, installs Clauses with its test tools, runs ruff, import-linter
#                 (the layers), mypy and the test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench serve

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,postgres]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf demo
	$(BIN)/clauses demo demo

test: $(STAMP)
	$(BIN)/ruff check clauses schemas flows tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check clauses schemas flows tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/timings.py
	$(BIN)/python bench/national_reports.py

serve: $(STAMP)
	cd demo && ../$(BIN)/clauses serve
