# Two commands do all the set-up: `make run` and `make test`.
# Stamps in .venv make the second call start at once; editing
# pyproject.toml or constraints.txt re-installs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench clean

# Our modules are byte-compiled before the app starts, as pip does for an
# installed package: where writing them at import is off
# (PYTHONDONTWRITEBYTECODE, as many container images set) every start
# would compile them again, about 0.1 s of it. Up to date, this takes 0.05 s.
COMPILE := $(BIN)/python -m compileall -q core tui cli

# setuptools announces every editable install with a boxed "Editable
# installation" warning, information only by its own account, which a new
# user reads as something gone wrong. This filter (after any of the user's
# own, so it wins for that one message) drops it in pip and in the build
# backend pip starts; pip's errors are not warnings, and other warnings
# still show.
comma := ,
QUIET_EDITABLE := $(if $(PYTHONWARNINGS),$(PYTHONWARNINGS)$(comma))ignore:Editable installation
$(VENV)/.installed $(VENV)/.installed-dev: export PYTHONWARNINGS = $(QUIET_EDITABLE)

run: $(VENV)/.installed
	$(COMPILE)
	$(BIN)/pipedesk

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q

bench: $(VENV)/.installed
	$(COMPILE)
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
	rm -rf $(VENV) *.egg-info .mypy_cache .pytest_cache .ruff_cache .import_linter_cache
