"""`MemoryStore`: a desk held in memory, for previews, demos and tests.

Nothing of it outlives the process: the entries are a list, the settings
one `DeskConfig`. It keeps the same contract as the local files
(`core.store.base`), so several `Desk`s over one `MemoryStore` behave like
several processes over one data dir: a lock serialises their commands, each
catches up with what the others wrote, and the store numbers the entries.

Entries are kept encoded, as the journal keeps them, and each desk decodes
its own copy: a desk's state changes its tickets in place, and two desks
must not share one. Settings are replaced whole on every change and never
changed in place (the rule `Desk` keeps), so the desks share the one object
and its identity says whether a desk holds the newest.

Outgoing mail and webhooks wait in a temporary folder, removed when the
store is (the courier's spools are folders: core/spool.py).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import msgspec

from core.events import Entry, Event, ticket_ids
from core.mail.ids import new_key
from core.model import DeskConfig, new_desk_config
from core.state import DeskState
from core.store.base import CatchUp, MailSpools, committed_or_dropped
from core.store.journal import encode, mentioning

_decode = msgspec.json.Decoder(Entry).decode


class MemoryStore:
    """A desk in memory; `config` is the settings it starts with (a new
    desk's, P1, by default)."""

    def __init__(self, config: DeskConfig | None = None) -> None:
        self._settings = config if config is not None else new_desk_config()
        self._lines: list[bytes] = []  # entry seq n is line n - 1
        self._lock = threading.Lock()
        self._txn: _MemoryTransaction | None = None
        self._opened = False
        self._spools: Path | None = None
        self._spools_made = threading.Lock()  # asked for inside a transaction
        self._mail_key = new_key()
        self.created = False
        self.warnings: list[str] = []  # nothing in memory is ever set right

    # -- the Store protocol ----------------------------------------------------

    def open(self) -> tuple[DeskConfig, DeskState]:
        with self._lock:
            # The first desk over the store makes it, as a new data dir does.
            self.created, self._opened = not self._opened, True
            state = DeskState()
            for line in self._lines:
                state.apply(_decode(line))
            return self._settings, state

    def catch_up(self, state: DeskState, config: DeskConfig) -> CatchUp:
        lines = self._lines[state.seq:]  # a copy: others may append meanwhile
        entries = [_decode(line) for line in lines]
        for entry in entries:
            state.apply(entry)
        settings = self._settings
        return CatchUp(entries, None if settings is config else settings)

    @contextmanager
    def transaction(self, state: DeskState, config: DeskConfig) -> Iterator[_MemoryTransaction]:
        if self._txn is not None and self._txn.state is state:
            yield self._txn  # a command inside the desk's own command
            return
        with self._lock:
            txn = _MemoryTransaction(self, state, self.catch_up(state, config))
            self._txn = txn
            try:
                with committed_or_dropped(txn):
                    yield txn
            finally:
                self._txn = None

    def compact(self, state: DeskState) -> None:
        """Nothing to do: memory loads nothing."""

    def newest_entries(self, ticket: str | None = None,
                       kind: type[Event] | None = None) -> Iterator[Entry]:
        needle = mentioning(ticket) if ticket is not None else None
        for line in reversed(self._lines[:]):
            if needle is not None and needle not in line:
                continue
            entry = _decode(line)
            if ticket is not None and ticket not in ticket_ids(entry.event):
                continue
            if kind is not None and not isinstance(entry.event, kind):
                continue
            yield entry

    def mail_spools(self) -> MailSpools:
        with self._spools_made:
            if self._spools is None:
                self._spools = Path(tempfile.mkdtemp(prefix="pipedesk-memory-"))
                weakref.finalize(self, shutil.rmtree, self._spools, True)
            root = self._spools
        return MailSpools(drafts=root / "drafts", webhooks=root / "webhooks",
                          outbox=root / "outbox", inbox=root / "inbox",
                          quarantine=root / "quarantine")

    def mail_key(self) -> bytes:
        return self._mail_key


class _MemoryTransaction:
    """One command's hold of a `MemoryStore`: entries numbered after the
    store's last, kept apart until `commit`."""

    def __init__(self, store: MemoryStore, state: DeskState, caught: CatchUp) -> None:
        self._store = store
        self.state = state
        self.caught = caught
        self._entries: list[Entry] = []
        self._settings: DeskConfig | None = None

    def record(self, actor: str, at: datetime, events: Sequence[Event],
               command: str = "") -> list[Entry]:
        seq = len(self._store._lines) + len(self._entries)
        entries = [Entry(seq + n, at, actor, event, command)
                   for n, event in enumerate(events, start=1)]
        self._entries.extend(entries)
        return entries

    def save_settings(self, config: DeskConfig) -> None:
        self._settings = config

    def commit(self) -> None:
        entries, self._entries = self._entries, []
        settings, self._settings = self._settings, None
        # Encoded before anything changes: the unit is there whole or not at all.
        lines = [encode(entry) for entry in entries]
        self._store._lines.extend(lines)
        if settings is not None:
            self._store._settings = settings

    def drop(self) -> None:
        self._entries, self._settings = [], None
