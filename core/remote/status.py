"""How a desk on a server stands, for the screens (docs/sync.md): told
apart from a local desk without loading the client (httpx) for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from core.errors import DeskError
from core.remote.queue import Conflict


class Queued(DeskError):
    """A change the server did not answer: it waits in the queue (and a
    move, an edit or a delete shows on the replica meanwhile). A dialog
    that made it closes: the change is made, as far as this host goes."""


@dataclass(frozen=True)
class SyncStatus:
    server: str
    offline: str  # why the server does not answer; "" while it does
    waiting: int  # changes not yet confirmed by the server
    conflicts: int  # changes it refused when they were sent later
    fresh: str  # "as of 2026-12-03 11:20:04"
    pending: frozenset[str]  # the tickets changes wait for
    # When the replica last heard from the server (this run, else the copy
    # on disk was written); None: never.
    heard: datetime | None = None

    def said(self, now: datetime | None = None) -> str:
        """The header's words: "offline · as of 14:07 · 2 waiting · 1
        conflict (X)"; offline, how fresh the board is (the day too, when
        it is not today's)."""
        parts = []
        if self.offline:
            parts.append("offline")
            if self.heard is not None:
                # In the desk's time, as every time on the screens is.
                today = (now or datetime.now(UTC)).astimezone(UTC).date()
                heard = self.heard.astimezone(UTC)
                parts.append(f"as of {heard:%H:%M}" if heard.date() == today
                             else f"as of {heard:%d %b %H:%M}")
        if self.waiting:
            parts.append(f"{self.waiting} waiting")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflict{'s' if self.conflicts != 1 else ''} (X)")
        return " · ".join(parts)


@runtime_checkable
class Syncing(Protocol):
    """A desk on a server (core.remote.desk.RemoteDesk)."""

    def sync_status(self) -> SyncStatus: ...
    def open_conflicts(self) -> list[Conflict]: ...
    def apply_again(self, conflict: Conflict, body: dict[str, object] | None = None
                    ) -> None: ...
    def discard(self, conflict: Conflict) -> None: ...
    def wait_for_change(self, seconds: float) -> bool: ...
    def due(self) -> bool: ...
    def close(self) -> None: ...
