"""Fixtures and helpers for the core and store tests.

The `clock` and `desk` fixtures are registered for every test file by
conftest.py; the helpers are imported by name.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from core import LOCAL_ADMIN, Desk, DeskError
from core.model import Team, User
from core.records import Ticket
from core.store.files import atomic_write

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


@pytest.fixture
def desk(tmp_path: Path, clock: MutableClock) -> Desk:
    """A brand-new desk in a temporary data dir (the dir does not exist yet)."""
    return Desk.open(tmp_path / "desk", clock=clock)


def reopen(desk: Desk, clock: Callable[[], datetime] | None = None) -> Desk:
    """Open the desk's data dir again, as the next start of the program would."""
    return Desk.open(desk.data_dir, clock=clock or MutableClock())


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
    path = desk.data_dir / "desk.toml"
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
