"""Fixtures and helpers for the core and store tests.

The `clock` and `desk` fixtures are registered for every test file by
conftest.py; the helpers are imported by name.

`desk` runs each core test over every store, `[local]` (a data dir),
`[memory]`, `[sqlite]` and `[postgres]` (the SQL store on an SQLite file
and on a PostgreSQL database; conftest.py's `pytest_generate_tests`): what the desk does must
not depend on where it keeps its data. A test about files (damaged files,
journal bytes, the data dir's layout) is marked `@pytest.mark.files` and
runs over the local store only; the screens' and the command line's tests
use the local store, as the program does.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest
import tomli_w

from core import LOCAL_ADMIN, Desk, DeskError, data_dir_of, open_desk
from core.model import Team, User, new_desk_config
from core.records import Ticket
from core.state import DeskState
from core.store import MemoryStore
from core.store.files import atomic_write
from core.store.sql import SqlStore

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
ADMIN = LOCAL_ADMIN


class MutableClock:
    """A clock the test moves by hand; starts at START."""

    def __init__(self, at: datetime = START) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock()


STORES = ("local", "memory", "sqlite", "postgres")


@pytest.fixture
def desk(request: pytest.FixtureRequest, tmp_path: Path, clock: MutableClock) -> Desk:
    """A brand-new desk: `[local]` in a temporary data dir (the dir does not
    exist yet), `[memory]` in a new MemoryStore."""
    kind = getattr(request, "param", "local")
    if kind == "memory":
        return Desk(MemoryStore(), clock=clock)
    if kind == "sqlite":
        return Desk(SqlStore(f"sqlite:///{tmp_path / 'desk' / 'desk.sqlite3'}"), clock=clock)
    if kind == "postgres":  # a new database of the tests' own cluster (pg_fixtures.py)
        url = request.getfixturevalue("pg_url")
        return Desk(SqlStore(url, spools=tmp_path / "spools"), clock=clock)
    return open_desk(tmp_path / "desk", clock=clock)


def reopen(desk: Desk, clock: Callable[[], datetime] | None = None) -> Desk:
    """Open the desk again, as the next start of the program (or another
    process) would: its data dir again, or a new Desk over the same memory."""
    if isinstance(desk.store, MemoryStore):
        return Desk(desk.store, clock=clock or MutableClock())
    if isinstance(desk.store, SqlStore):
        return Desk(SqlStore(desk.store.url, spools=desk.store.spools),
                    clock=clock or MutableClock())
    return open_desk(data_dir(desk), clock=clock or MutableClock())


def data_dir(desk: Desk) -> Path:
    """The data dir of a local desk (a test of files: `@pytest.mark.files`)."""
    found = data_dir_of(desk)
    assert found is not None, "a test of files runs over the local store: @pytest.mark.files"
    return found


@contextmanager
def refusal(*fragments: str) -> Iterator[pytest.ExceptionInfo[DeskError]]:
    """Expect a DeskError whose message holds every one of `fragments`."""
    with pytest.raises(DeskError) as info:
        yield info
    for fragment in fragments:
        assert fragment in info.value.message, (fragment, info.value.message)


def new_ticket(desk: Desk, subject: str = "Printer on fire", stage: str = "New",
               pipeline: str = "0", **values: Any) -> Ticket:
    return desk.create_ticket(ADMIN, pipeline, stage, subject, values=values)


def email_triggers_off(desk: Desk, pipeline: str = "0") -> None:
    """Switch the pipeline's email triggers (A3a, A3b) off, as an
    administrator would. A new pipeline's triggers move tickets into its
    "Waiting on contact" and "Waiting on us", and S6 refuses to delete a
    stage a trigger that is on moves tickets into; a test about deleting
    those stages (S2, S6, S8), not about the triggers, starts with this."""
    for name in ("email-sent", "customer-replied"):
        desk.set_email_trigger(pipeline, name, ADMIN, on=False)


def add_agent(desk: Desk, user_id: str = "ingrid", name: str = "Ingrid Berg") -> User:
    user = User(id=user_id, name=name, email=f"{user_id}@pipedesk.example")
    desk.add_users([user], ADMIN)
    return user


# -- looking at the data dir ---------------------------------------------------


def data_files(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file of the data dir with its bytes, mtime and inode (a file
    replaced by an atomic write has a new one), except `.lock` (the writer
    lock holds no data; taking it touches the file)."""
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(directory.iterdir()) if p.is_file() and p.name != ".lock"}


def stored(desk: Desk) -> object:
    """What the desk's store holds, to compare before and after a refusal
    ("nothing written"): the data dir's files, or the memory store's
    entries and settings, as a new desk over it would read them."""
    found = data_dir_of(desk)
    if found is not None and not isinstance(desk.store, SqlStore):
        return data_files(found)
    store = desk.store
    if isinstance(store, SqlStore):  # a store of its own, which has read no settings yet
        store = SqlStore(store.url, spools=store.spools)
    caught = store.catch_up(DeskState(), new_desk_config())
    return ([msgspec.json.encode(e) for e in caught.entries],
            caught.settings.model_dump() if caught.settings is not None else None)


def last_entry(desk: Desk) -> dict[str, Any]:
    """The store's newest entry as the journal writes it (JSON), over any store."""
    newest = next(iter(desk.store.newest_entries()))
    found: dict[str, Any] = json.loads(msgspec.json.encode(newest))
    return found


def journal_lines(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "tickets.jsonl").read_bytes().splitlines()
    return [json.loads(line) for line in lines]


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the only line of `path` that holds `needle`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), start=1)
             if needle in line]
    assert len(found) == 1, (needle, found)
    return found[0]


def edit_settings(desk: Desk, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit desk.toml as a person would (outside the program), then let the
    desk notice it."""
    path = data_dir(desk) / "desk.toml"
    raw = tomllib.loads(path.read_text())
    change(raw)
    atomic_write(path, tomli_w.dumps(raw).encode())
    desk.refresh()


def add_team(desk: Desk, team_id: str, name: str, members: list[str]) -> None:
    """U1: a team of the desk's users, added by the administrator."""
    desk.add_teams([Team(id=team_id, name=name, members=members)], ADMIN)


def stage_properties(desk: Desk, stage_id: str, *props: tuple[str, bool]) -> None:
    """S7: the stage asks for these properties, (name, required) each, in order."""
    for name, required in props:
        desk.set_stage_property(stage_id, name, ADMIN, required=required)
