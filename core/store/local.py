"""The local data dir: desk.toml, tickets.jsonl, tickets.json, and a lock.

Several processes may open one data dir (agents SSH into one host). A writer
holds `.lock` while it catches up with what others appended, checks its
command against that state, and appends; readers follow the journal's growth
without the lock, taking only whole lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from core.bulk import gc_paused
from core.errors import DataFileError, DeskError, NoDesk
from core.events import Entry
from core.model import DeskConfig, new_desk_config
from core.state import DeskState
from core.store.journal import Journal
from core.store.settings_file import read_settings, write_settings
from core.store.snapshot import SNAPSHOT_VERSION, Snapshot, read_snapshot, write_snapshot

# Past this many journal entries after the snapshot, opening the desk writes
# a new snapshot, so that start-up never replays much history.
COMPACT_AFTER = 5_000

_Signature = tuple[int, int, int]


@dataclass
class CatchUp:
    entries: list[Entry]
    settings: DeskConfig | None  # the new settings, if desk.toml changed


class LocalStore:
    """`create`: whether opening a data dir that holds no desk makes a new
    one there (P1), or refuses (NoDesk), as a command that only reads does."""

    def __init__(self, root: Path, create: bool = True) -> None:
        self.root = root
        self.create = create
        # Whether opening made a new desk, for the surfaces to say so.
        self.created = False
        self.settings_path = root / "desk.toml"
        self.snapshot_path = root / "tickets.json"
        self.journal = Journal(root / "tickets.jsonl")
        self._lock = FileLock(root / ".lock", thread_local=False)
        self._offset = 0  # journal bytes applied to the state
        self._signature: _Signature | None = None  # desk.toml as last read
        self._snapshot_seq = 0  # the entry tickets.json was written at
        self.warnings: list[str] = []
        # Entries replayed from the journal's tail at load (after the snapshot).
        self.replayed: list[Entry] = []

    # -- opening ------------------------------------------------------------

    def load(self) -> tuple[DeskConfig, DeskState]:
        """Read the desk; on a new data dir, write the first desk.toml (P1),
        unless told not to create one."""
        if not self.create and not self._holds_a_desk():
            raise NoDesk(str(self.root))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DeskError(f"Cannot create the data dir {self.root}: {err.strerror}.") from None
        with self.locked():
            config = self._load_settings()
            state = self._load_tickets()
            self._set_aside_torn_tail()
        return config, state

    def _holds_a_desk(self) -> bool:
        # Tickets without a desk.toml are a desk that lost its settings:
        # loading says so (_load_settings), rather than "no desk".
        return any(p.exists() for p in (self.settings_path, self.journal.path,
                                          self.snapshot_path))

    def wants_compaction(self, state: DeskState) -> bool:
        return state.seq - self._snapshot_seq > COMPACT_AFTER

    def _load_settings(self) -> DeskConfig:
        if not self.settings_path.exists():
            if self.journal.size() or self.snapshot_path.exists():
                raise DataFileError(
                    self.settings_path.name,
                    "missing, but this data dir holds tickets; restore desk.toml from a backup",
                )
            write_settings(self.settings_path, new_desk_config())
            self.created = True
        config = read_settings(self.settings_path, self.warnings)
        self._signature = self._settings_signature()
        return config

    def _load_tickets(self) -> DeskState:
        state = DeskState()
        # Tickets hold no cycles and live as long as the desk (core/bulk.py).
        with gc_paused(freeze=True):
            snap = read_snapshot(self.snapshot_path)
            if snap is not None:
                self._check_snapshot_fits(snap)
                state.tickets = {t.id: t for t in snap.tickets}
                state.contacts = {c.email.casefold(): c for c in snap.contacts}
                state.seq = snap.seq
                state.last_ticket_id = snap.last_ticket_id
                state.notifications = {n.id: n for n in snap.notifications}
                state.read_upto = dict(snap.read_upto)
                state.delayed = {d.id: d for d in snap.delayed}
                state.rotations = dict(snap.rotations)
                state.count_unread()
                self._offset = snap.journal_offset
                self._snapshot_seq = snap.seq
            entries, self._offset = self.journal.read(self._offset, state.seq + 1)
            for entry in entries:
                state.apply(entry)
            self.replayed = entries
        return state

    def _check_snapshot_fits(self, snap: Snapshot) -> None:
        size = self.journal.size()
        if snap.journal_offset > size:
            raise DataFileError(
                self.snapshot_path.name,
                f"it covers {self.journal.path.name} up to byte {snap.journal_offset} "
                f"(entry {snap.seq}), but that file holds only {size} bytes; "
                "restore the journal from a backup",
            )

    # -- writing ------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer lock (re-entrant within this process)."""
        with self._lock:
            yield

    def catch_up(self, state: DeskState) -> CatchUp:
        """Apply what other processes appended, and notice a new desk.toml."""
        entries, self._offset = self.journal.read(self._offset, state.seq + 1)
        for entry in entries:
            state.apply(entry)
        settings = None
        signature = self._settings_signature()
        if signature != self._signature:
            settings = read_settings(self.settings_path)
            self._signature = signature
        if self._lock.is_locked:
            self._set_aside_torn_tail()
        return CatchUp(entries, settings)

    def _set_aside_torn_tail(self) -> None:
        start = self.journal.torn_tail()
        if start is None or start < self._offset:
            return
        size = self.journal.set_aside_tail(start)
        self.warnings.append(
            f"{self.journal.path.name}: its last line was cut short ({size} bytes, "
            f"a write interrupted by a crash); set aside in {self.journal.corrupt_path.name}. "
            "Everything before it is loaded."
        )

    def append(self, entries: list[Entry]) -> None:
        """Durably append entries; call while holding the lock, caught up."""
        assert self._lock.is_locked, "append needs the writer lock"
        self._offset = self.journal.append(entries)

    def save_settings(self, config: DeskConfig) -> None:
        assert self._lock.is_locked, "save_settings needs the writer lock"
        write_settings(self.settings_path, config)
        self._signature = self._settings_signature()

    def compact(self, state: DeskState) -> None:
        """Write tickets.json as of the state's last entry."""
        with self.locked():
            snap = Snapshot(
                schema_version=SNAPSHOT_VERSION,
                seq=state.seq,
                journal_offset=self._offset,
                last_ticket_id=state.last_ticket_id,
                contacts=list(state.contacts.values()),
                # Oldest first by create date, then id: the order lists and
                # boards show, so sorting a loaded desk is almost free.
                tickets=sorted(state.tickets.values(),
                               key=lambda t: (t.create_date, int(t.id))),
                notifications=list(state.notifications.values()),
                read_upto=state.read_upto,
                delayed=list(state.delayed.values()),
                rotations=state.rotations,
            )
            write_snapshot(self.snapshot_path, snap)
            self._snapshot_seq = state.seq

    def _settings_signature(self) -> _Signature | None:
        try:
            st = os.stat(self.settings_path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)
