# Two commands do all the set-up: `make run` and `make test`.
# Stamps in .venv make the second call start at once; editing
# pyproject.toml or constraints.txt re-installs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench clean

run: $(VENV)/.installed
	$(BIN)/pipedesk

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(VENV)/.installed
	$(BIN)/python bench/store.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/automation.py

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) *.egg-info .mypy_cache .pytest_cache .ruff_cache
