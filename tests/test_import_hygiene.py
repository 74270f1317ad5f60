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

The same holds for the server's web framework, which only `pipedesk serve`
loads (issue 15), and for textual-serve and aiohttp, which only `pipedesk
web` loads (issue 17 item 6).

It also checks that no two modules of `core`, `cli`, `tui` or `server` import each
other (issue 12), which import-linter's contracts do not say.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

# The `pipedesk` console script's body (pyproject.toml [project.scripts]).
PIPEDESK = "import sys; from cli import main; sys.argv[0] = 'pipedesk'; sys.exit(main())"
ROOT = Path(__file__).resolve().parent.parent
UI_PACKAGES = {"textual", "rich"}
# Only `pipedesk serve` needs the web framework (issue 15): every other
# command starts without it.
SERVER_PACKAGES = {"server", "fastapi", "starlette", "uvicorn"}
# Only `pipedesk web` needs textual-serve and the aiohttp under it.
WEB_PACKAGES = {"textual_serve", "aiohttp", "aiohttp_jinja2"}


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
    assert imported & SERVER_PACKAGES == set()
    assert imported & WEB_PACKAGES == set()


def test_pipedesk_ticket_list_json_loads_neither_textual_nor_rich(run: Any, home: Path) -> None:
    assert run("demo", "--tickets", "3", "--seed", "1").code == 0
    done, imported = pipedesk("--data-dir", str(home), "ticket", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)) == 3  # it listed the desk's tickets
    assert "core" in imported
    assert imported & UI_PACKAGES == set()
    assert imported & SERVER_PACKAGES == set()
    assert imported & WEB_PACKAGES == set()


def import_cycles(package: str) -> list[list[str]]:
    """The import cycles among `package`'s modules: each group of modules
    that import one another round (a strongly connected component of
    grimp's import graph, import-linter's own), sorted. Every import
    counts, also one inside a function or under TYPE_CHECKING: a cycle
    there still ties the modules together."""
    import grimp

    graph = grimp.build_graph(package, cache_dir=None)  # nothing written
    imports = {m: sorted(i for i in graph.find_modules_directly_imported_by(m)
                         if i == package or i.startswith(package + "."))
               for m in graph.modules}
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's algorithm
        order[module] = low[module] = len(order)
        stack.append(module)
        for other in imports[module]:
            if other not in order:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], order[other])
        if low[module] == order[module]:
            group = [stack.pop()]
            while group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(imports):
        if module not in order:
            visit(module)
    return sorted(cycles)


@pytest.mark.parametrize("package", ["core", "cli", "tui", "server"])
def test_no_import_cycle_in(package: str) -> None:
    """Issue 12: no two modules of a package import each other, directly or
    round a longer chain (the desk and its automation used to; the app and
    its palette, and the contacts, table and detail screens, too)."""
    assert import_cycles(package) == []


def test_an_import_cycle_is_found_and_named(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: two modules that import each other, one
    only for its type hints, are named."""
    package = tmp_path / "loop_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "desk.py").write_text("from loop_example.engine import Engine\n")
    (package / "engine.py").write_text("from typing import TYPE_CHECKING\n"
                                       "if TYPE_CHECKING:\n"
                                       "    from loop_example.desk import Desk\n"
                                       "class Engine: ...\n")
    (package / "alone.py").write_text("import loop_example.engine\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycles("loop_example") == [["loop_example.desk", "loop_example.engine"]]
