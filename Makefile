# Two commands do all the set-up: `make run` and `make test`.
# Stamps in .venv make the second call start at once; editing
# pyproject.toml or constraints.txt re-installs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test check bench clean system-packages

# Our modules are byte-compiled before the app starts, as pip does for an
# installed package: where writing them at import is off
# (PYTHONDONTWRITEBYTECODE, as many container images set) every start
# would compile them again, about 0.1 s of it. Up to date, this takes 0.05 s.
COMPILE := $(BIN)/python -m compileall -q core tui cli server

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

test: system-packages $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n 2

# The IMAP tests start a Dovecot of their own (tests/imap_fixtures.py), from
# Debian's dovecot-imapd, and the SQL store's tests a PostgreSQL cluster of
# their own (tests/pg_fixtures.py), from Debian's postgresql; each installed
# when missing (neither's own service is used), a moment's look when there.
# Debian keeps dovecot in sbin, which a user's PATH may lack. The test of
# `pipedesk web` (tests/test_web.py) drives Debian's chromium headless,
# installed the same way (Playwright's own browser downloads are not used).
system-packages:
	@need=""; \
	PATH="$$PATH:/usr/sbin:/sbin" command -v dovecot >/dev/null || need="dovecot-imapd"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need="$$need postgresql"; \
	[ -x /usr/bin/chromium ] || command -v chromium >/dev/null || need="$$need chromium"; \
	[ -z "$$need" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "make: the tests need$$need, and only root can install it:" \
	  "run 'apt-get install$$need' as root, then make test again." >&2; exit 1; fi; \
	if ! command -v apt-get >/dev/null; then echo "make: the tests need Dovecot's IMAP" \
	  "server, PostgreSQL's server and Chromium ($$need on Debian); install them" \
	  "with this system's packages." >&2; exit 1; fi; \
	echo "Installing$$need for the tests"; \
	$$sudo apt-get update -q && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$need

bench: $(VENV)/.installed-dev
	$(COMPILE)
	$(BIN)/python bench/store.py
	$(BIN)/python bench/board.py
	$(BIN)/python bench/automation.py
	$(BIN)/python bench/mail.py
	$(BIN)/python bench/access.py
	$(BIN)/python bench/server.py
	$(BIN)/python bench/sync.py

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
