"""The command line does not load the terminal app (issue 12, item 5; the
layers of docs/architecture.md): `pipedesk --help` and `pipedesk ticket list
--json` are used from scripts and cron, where importing Textual (and Rich
under it) would only cost start-up time.

import-linter (`lint-imports` in `make test`) checks that the command line
reaches Textual only through the app it launches; that this one import is
deferred to the launch it cannot see, so a fresh process proves it here: it
runs the command line's own `main`, as the `pipedesk` script does, with
`-X importtime`, and the modules Python reports importing must hold neither
package. This test's own process has loaded Textual for other tests, so only
a new one can tell.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

# The `pipedesk` console script's body (pyproject.toml [project.scripts]).
PIPEDESK = "import sys; from cli import main; sys.argv[0] = 'pipedesk'; sys.exit(main())"
ROOT = Path(__file__).resolve().parent.parent
UI_PACKAGES = {"textual", "rich"}


def pipedesk(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """`pipedesk ARGS…` in a fresh interpreter: its result, and the top-level
    packages it imported (from Python's own -X importtime report on stderr)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", PIPEDESK, *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    imported: set[str] = set()
    errors: list[str] = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:"):
            name = line.rsplit("|", 1)[-1].strip()
            imported.add(name.split(".")[0])
        else:
            errors.append(line)
    done.stderr = "\n".join(errors)
    return done, imported


def test_pipedesk_help_loads_neither_textual_nor_rich() -> None:
    done, imported = pipedesk("--help")
    assert done.returncode == 0, done.stderr
    assert "Usage: pipedesk" in done.stdout
    assert "click" in imported  # the report is read: the CLI's own library is in it
    assert imported & UI_PACKAGES == set()


def test_pipedesk_ticket_list_json_loads_neither_textual_nor_rich(run: Any, home: Path) -> None:
    assert run("demo", "--tickets", "3", "--seed", "1").code == 0
    done, imported = pipedesk("--data-dir", str(home), "ticket", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 3  # it listed the desk's tickets
    assert "core" in imported
    assert imported & UI_PACKAGES == set()
