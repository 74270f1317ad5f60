"""Helpers for the core tests; the `desk` and `clock` fixtures built on them
are in conftest.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from core import Desk

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def reopen(desk: Desk, clock: Clock | None = None) -> Desk:
    return Desk.open(desk.data_dir, clock=clock)


def snapshot_of_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())
            if p.is_file() and p.name != ".lock"}
