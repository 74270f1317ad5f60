"""Set-up shared by every test.

Snapshots of screens live in the top-level snapshots/ folder (DESIGN.md:
"snapshots/ the SVG snapshots of screens"), one sub-folder per test file,
instead of pytest-textual-snapshot's tests/__snapshots__.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_textual_snapshot
from syrupy.location import PyTestLocation

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"


class SnapshotsFolder(pytest_textual_snapshot.SVGImageExtension):
    @classmethod
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(SNAPSHOTS / test_location.basename)


# `snap_compare` looks this name up in its module each time it runs, so
# rebinding it here is enough to move every snapshot.
# mypy refuses assigning to a class; rebinding the plugin's is the point here.
pytest_textual_snapshot.SVGImageExtension = SnapshotsFolder  # type: ignore[misc]

# The `clock` (moved by hand) and `desk` (in a temporary dir) fixtures, for
# every test file.
from cli_fixtures import home, run  # noqa: E402, F401
from core_fixtures import STORES, clock, desk  # noqa: E402, F401
from imap_fixtures import dovecot, imap_server  # noqa: E402, F401
from mail_fixtures import hook_server, smtp_server  # noqa: E402, F401
from pg_fixtures import pg_cluster, pg_url  # noqa: E402, F401


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "files: a test about the local data dir's files; "
                            "runs over the local store only")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every core test that uses `desk` runs over each store (core_fixtures.py);
    one marked `files`, over the local store only. The screens' and the
    command line's tests keep the local desk the program opens (and their
    snapshots' names)."""
    if "desk" not in metafunc.fixturenames:
        return
    module = metafunc.module.__name__.rpartition(".")[2]
    if module.startswith(("test_tui", "test_cli")):
        return
    local_only = metafunc.definition.get_closest_marker("files") is not None
    stores = ("local",) if local_only else STORES
    metafunc.parametrize("desk", stores, indirect=True)


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's client cache (a server's queue of changes, docs/sync.md)
    of its own, never the account's."""
    cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("PIPEDESK_CACHE", str(cache))
    # And no keyring of the account's: a test that wants one sets its own.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    return cache


@pytest.fixture
def anyio_backend() -> str:
    """Pilot tests (`@pytest.mark.anyio async def ...`) run on asyncio, as Textual does."""
    return "asyncio"

