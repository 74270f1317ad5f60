"""The local data dir: desk.toml, tickets.jsonl, tickets.json, and a lock.

Several processes may open one data dir (agents SSH into one host). A writer
holds `.lock` while it catches up with what others appended, checks its
command against that state, and appends; readers follow the journal's growth
without the lock, taking only whole lines.

Opening reads and checks everything first and writes nothing; only when all
of it holds (the desk's own checks included: `check_fit`) does `repair` set
right what loading found — a torn last line, a snapshot that cannot be used,
temp files of writes a crash cut short.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock

from core.bulk import gc_paused
from core.errors import DataFileError, DeskError, NoDesk
from core.events import (
    AutomationRan,
    Entry,
    Event,
    StepDelayed,
    TicketChanged,
    TicketCreated,
    ticket_ids,
)
from core.model import DeskConfig, new_desk_config
from core.records import Ticket
from core.rules import tickets_outside, waiting_moves_nowhere
from core.state import Delayed, DeskState
from core.store.base import CatchUp, MailSpools, committed_or_dropped
from core.store.entry_checks import TICKET_ID, EntryCheck
from core.store.files import read_or_make_key, remove_stale_temps, set_aside, share_with_group
from core.store.journal import Journal, mentioning
from core.store.roll_forward import finished_stage_edits, unfinished
from core.store.settings_file import (
    misplaced_error,
    read_settings,
    stranded_error,
    write_settings,
)
from core.store.snapshot import (
    SNAPSHOT_VERSION,
    Snapshot,
    SnapshotTooNew,
    in_snapshot_order,
    read_snapshot,
    seq_claimed,
    state_of,
    write_snapshot,
)

# Past this many journal entries after the snapshot, opening the desk writes
# a new snapshot, so that start-up never replays much history.
COMPACT_AFTER = 5_000

_Signature = tuple[int, int, int]

__all__ = ["CatchUp", "LocalStore"]


class LocalStore:
    """The `core.store.base.Store` of a local data dir. `create`: whether
    opening a data dir that holds no desk makes a new one there (P1), or
    refuses (NoDesk), as a command that only reads does."""

    def __init__(self, root: Path, create: bool = True, founder: str = "") -> None:
        self.root = root
        self.create = create
        # The login a new desk's administrator gets (core/signing_in.py).
        self.founder = founder
        # Whether opening made a new desk, for the surfaces to say so.
        self.created = False
        self.settings_path = root / "desk.toml"
        self.snapshot_path = root / "tickets.json"
        self.journal = Journal(root / "tickets.jsonl")
        # Owner and group: on a shared host every agent takes this lock.
        self._lock = FileLock(root / ".lock", thread_local=False, mode=0o660)
        share_with_group(root)
        self._offset = 0  # journal bytes applied to the state
        self._signature: _Signature | None = None  # desk.toml as last read
        self._snapshot_seq = 0  # the entry tickets.json was written at
        # Why tickets.json could not be used, when the state was made again
        # from the journal: `repair` sets it aside and writes a good one.
        self._unusable_snapshot: str | None = None
        self.warnings: list[str] = []
        # Entries replayed from the journal's tail at load (after the snapshot).
        self.replayed: list[Entry] = []
        # Tickets of the snapshot whose stage desk.toml did not give their
        # pipeline (for the desk's check, after the journal's tail).
        self.suspects: list[str] = []
        self._seq = 0  # the last entry of the journal, as far as read or written
        # Set when the tickets did not fit the settings: checked whole until
        # they do again (`_fit`).
        self._in_doubt = False
        self._txn: _LocalTransaction | None = None
        self._mail_key: bytes | None = None

    # -- the Store protocol ----------------------------------------------------

    def open(self) -> tuple[DeskConfig, DeskState]:
        """Read, check, and only then set right, in one hold of the lock:
        nothing is written while anything read is in doubt."""
        with self.opening():
            config, state = self.load()
            # The snapshot's tickets were looked at as they were indexed:
            # what the journal's tail touched, and every waiting delay, is left.
            settled = self._settle(state, config, self.replayed, None,
                                   suspects=self.suspects, all_delays=True)
            self.repair(state)
            if self.wants_compaction(state):
                self.compact(state)
        return settled.settings or config, state

    def catch_up(self, state: DeskState, config: DeskConfig) -> CatchUp:
        """Apply what other processes appended, and notice a new desk.toml;
        both checked against each other (a desk.toml edited by hand may
        have lost a stage tickets are in: DataFileError, and it is read
        again next time, until it is put right)."""
        entries, settings = self._read_new(state)
        if not entries and settings is None:
            return CatchUp([], None)
        try:
            return self._settle(state, settings or config, entries, settings)
        except DataFileError:
            self.forget_settings()
            raise

    @contextmanager
    def transaction(self, state: DeskState, config: DeskConfig) -> Iterator[_LocalTransaction]:
        """The writer lock (`.lock`) around one command; staged entries go
        to the journal, then settings to desk.toml (`_LocalTransaction`)."""
        if self._txn is not None:
            yield self._txn
            return
        with self.locked():
            txn = _LocalTransaction(self, self.catch_up(state, config))
            self._txn = txn
            try:
                with committed_or_dropped(txn):
                    yield txn
            finally:
                self._txn = None

    def newest_entries(self, ticket: str | None = None,
                       kind: type[Event] | None = None) -> Iterator[Entry]:
        """Newest first, read from the journal's end (mmap search)."""
        if ticket is not None:
            needle = mentioning(ticket)
        elif kind is not None:
            needle = f'"{kind.__struct_config__.tag}"'.encode()
        else:
            needle = b'"seq"'
        return self.journal.newest_lines_with(needle)

    def mail_spools(self) -> MailSpools:
        return MailSpools(drafts=self.root / "drafts", webhooks=self.root / "webhooks",
                          outbox=self.root / "outbox", inbox=self.root / "inbox",
                          quarantine=self.root / "quarantine")

    def mail_key(self) -> bytes:
        """`mail.key` in the data dir, readable by its owner and group only, made at
        first use (O_EXCL: two processes making it at once agree on one)."""
        if self._mail_key is None:
            self._mail_key = read_or_make_key(self.root / "mail.key")
        return self._mail_key

    # -- finishing and checking what was read ------------------------------------

    def _settle(self, state: DeskState, config: DeskConfig, entries: list[Entry],
                settings: DeskConfig | None, suspects: Sequence[str] = (),
                all_delays: bool = False) -> CatchUp:
        """Finish stage edits whose journal line was written but whose
        desk.toml was not (a crash between the two writes: S6 is whole), and
        check that the tickets fit the settings — all of them (new
        `settings`), or those `entries` touched and the `suspects` — before
        anything is written."""
        whole = settings is not None
        if any(unfinished(config, e) for e in entries):
            with self.locked():
                more, newer = self._read_new(state)
                if newer is not None:
                    config = settings = newer
                entries = [*entries, *more]
                # Usually the writer was only half-way and has finished by now.
                leftover = [e for e in entries if unfinished(config, e)]
                if leftover:
                    draft = finished_stage_edits(config, leftover, self.journal.path.name)
                    self._fit(draft, state, entries, whole=True)
                    self.save_settings(draft)
                    return CatchUp(entries, draft)
                whole = whole or newer is not None
        self._fit(config, state, entries, whole, suspects, all_delays)
        return CatchUp(entries, settings)

    def _fit(self, config: DeskConfig, state: DeskState, entries: list[Entry], whole: bool,
             suspects: Sequence[str] = (), all_delays: bool = False) -> None:
        if whole or self._in_doubt:
            tickets: list[Ticket] | None = None
            delays: list[Delayed] | None = None
        else:
            touched = set(suspects)
            for entry in entries:  # a desk's open replays thousands: the common one first
                event = entry.event
                if type(event) is TicketChanged:
                    touched.add(event.ticket)
                elif type(event) is not AutomationRan:
                    touched.update(ticket_ids(event))
            known = state.tickets
            tickets = [known[t] for t in touched if t in known]
            delays = None if all_delays else [
                state.delayed[e.seq] for e in entries
                if isinstance(e.event, StepDelayed) and e.seq in state.delayed]
            if not tickets and delays is not None and not delays:
                return
        try:
            self.check_fit(config, state, tickets, delays)
        except DataFileError:
            self._in_doubt = True
            raise
        if tickets is None:
            self._in_doubt = False

    # -- opening ------------------------------------------------------------

    def load(self) -> tuple[DeskConfig, DeskState]:
        """Read and check the desk, writing nothing but the first desk.toml
        of a new data dir (P1), unless told not to create one. Call `repair`
        once the desk has checked the state against the settings, within the
        same `opening`."""
        with self.opening():
            config = self._load_settings()
            state = self._load_tickets(config)
        return config, state

    @contextmanager
    def opening(self) -> Iterator[None]:
        """The data dir made if need be, and the writer lock held: for
        reading the desk, checking it and setting it right in one go. A
        store told not to create a desk makes no data dir (NoDesk)."""
        if not self.create and not self._holds_a_desk():
            raise NoDesk(str(self.root))
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise DeskError(f"Cannot create the data dir {self.root}: {err.strerror}.") from None
        with self.locked():
            yield

    def repair(self, state: DeskState) -> None:
        """Set right what `load` found, now that everything read holds:
        set aside a torn last line and a snapshot that could not be used
        (and write a good one), and remove the temp files of writes a crash
        cut short. Call while holding the lock, after `load`."""
        assert self._lock.is_locked, "repair needs the writer lock"
        self._set_aside_torn_tail()
        remove_stale_temps(self.root, (self.settings_path.name, self.snapshot_path.name))
        if self._unusable_snapshot is not None:
            kept = ""
            if self.snapshot_path.exists():
                kept = f"; set aside in {set_aside(self.snapshot_path).name}"
            # In the order the snapshot keeps them, as the next open has them.
            state.tickets = {t.id: t for t in in_snapshot_order(state.tickets.values())}
            self.compact(state)
            self.warnings.append(
                f"{self.snapshot_path.name} could not be used ({self._unusable_snapshot})"
                f"{kept}. The desk was read from the whole of {self.journal.path.name} "
                f"({state.seq} entries), which holds everything, and a new "
                f"{self.snapshot_path.name} was written."
            )
            self._unusable_snapshot = None

    def _holds_a_desk(self) -> bool:
        # Tickets without a desk.toml are a desk that lost its settings:
        # loading says so (_load_settings), rather than "no desk".
        return any(p.exists() for p in (self.settings_path, self.journal.path,
                                          self.snapshot_path))

    def wants_compaction(self, state: DeskState) -> bool:
        return state.seq - self._snapshot_seq > COMPACT_AFTER

    def check_fit(self, config: DeskConfig, state: DeskState,
                  tickets: Collection[Ticket] | None = None,
                  delays: Collection[Delayed] | None = None) -> None:
        """Refuse settings that lost a stage or a pipeline tickets are in,
        or a stage a waiting delay will move its ticket into; by default of
        every ticket and delay, else of those given (what new entries
        touched). Nothing is written before this holds."""
        misplaced = tickets_outside(config, state.tickets.values() if tickets is None
                                    else tickets)
        if misplaced:
            raise misplaced_error(self.settings_path, config, misplaced)

        def stage_of(ticket_id: str) -> str | None:
            ticket = state.tickets.get(ticket_id)
            return ticket.stage if ticket is not None else None

        stranded = waiting_moves_nowhere(config, state.delayed.values() if delays is None
                                         else delays, stage_of)
        if stranded:
            raise stranded_error(self.settings_path, config, stranded[0])

    def _load_settings(self) -> DeskConfig:
        if not self.settings_path.exists():
            if self.journal.size() or self.snapshot_path.exists():
                raise DataFileError(
                    self.settings_path.name,
                    "missing, but this data dir holds tickets; restore desk.toml from a backup",
                )
            write_settings(self.settings_path, new_desk_config(self.founder))
            self.created = True
        config = read_settings(self.settings_path, self.warnings)
        self._signature = self._settings_signature()
        return config

    def _load_tickets(self, config: DeskConfig) -> DeskState:
        # Tickets hold no cycles and live as long as the desk (core/bulk.py).
        with gc_paused(freeze=True):
            state = self._state_from_snapshot(config)
            if state is None:
                state = DeskState()
                self._offset = 0
                self._snapshot_seq = 0
            entries, self._offset = self.journal.read(self._offset, state.seq + 1)
            self._apply(state, entries)
            self.replayed = entries
        self._seq = state.seq
        return state

    def _state_from_snapshot(self, config: DeskConfig) -> DeskState | None:
        """The state tickets.json holds, checked against the journal; None
        when there is none, or when it cannot be used and the journal can
        make it again (`_unusable_snapshot` says why)."""
        name = self.snapshot_path.name
        try:
            snap = read_snapshot(self.snapshot_path)
            if snap is None:
                return None
            self._check_snapshot_fits(snap)
            home = {s.id: p.id for p in config.pipelines for s in p.stages}
            state, self.suspects = state_of(snap, name, home)
        except (SnapshotTooNew, _JournalShort):
            raise
        except DataFileError as err:
            where = f"line {err.line}: " if err.line is not None else ""
            self._rebuild_instead(where + err.problem, seq_claimed(self.snapshot_path))
            return None
        self._offset = snap.journal_offset
        self._snapshot_seq = snap.seq
        return state

    def _check_snapshot_fits(self, snap: Snapshot) -> None:
        """The snapshot ends where the journal has entry `seq` ending, and
        knows the last ticket id the journal gave out until then. A snapshot
        that does not fit is a damaged cache (DataFileError, made again from
        the journal); a journal shorter than the snapshot lost entries, and
        only a backup has them."""
        name = self.snapshot_path.name
        if self.journal.seq_before(snap.journal_offset) != snap.seq:
            last = self.journal.last_seq()
            if 0 <= last < snap.seq:
                raise _JournalShort(
                    name,
                    f"it covers {self.journal.path.name} up to entry {snap.seq} (byte "
                    f"{snap.journal_offset}), but that file holds only {last} entries "
                    f"({self.journal.size()} bytes); restore the journal from a backup",
                )
            raise DataFileError(name, f"its journal_offset {snap.journal_offset} is not where "
                                f"entry {snap.seq} of {self.journal.path.name} ends")
        # Ids count up, so the last ticket created before that point is the
        # highest id given out: neither more (a gap) nor less (ids reused).
        newest = self._newest_ticket_before(snap.journal_offset)
        if newest != snap.last_ticket_id:
            raise DataFileError(name, f"its last_ticket_id {snap.last_ticket_id} is not the "
                                f"last ticket {self.journal.path.name} created by then "
                                f"(#{newest})")

    def _newest_ticket_before(self, offset: int) -> int:
        """The id of the last ticket created before byte `offset` of the
        journal: ids count up, so it is the highest one given out. Read
        from that point backwards, usually within the last block."""
        for entry in self.journal.newest_lines_with(b'"ticket.created"', before=offset):
            if isinstance(entry.event, TicketCreated):
                tid = entry.event.ticket.id
                return int(tid) if TICKET_ID.fullmatch(tid) else 0
        return 0

    def _rebuild_instead(self, problem: str, claimed: int | None) -> None:
        """Make the state from the whole journal instead of the snapshot,
        if the journal holds all the snapshot covered."""
        last = self.journal.last_seq()
        if (claimed is None and last == 0) or (claimed is not None and 0 <= last < claimed):
            reach = (f"holds only {last} entries of the {claimed} it covered" if claimed
                     else "is empty")
            raise DataFileError(
                self.snapshot_path.name,
                f"{problem}; and {self.journal.path.name} {reach}, so it cannot be made "
                "again from the journal. Restore tickets.json and tickets.jsonl from a backup",
            )
        self._unusable_snapshot = problem

    def _apply(self, state: DeskState, entries: list[Entry]) -> None:
        """Apply entries read from the journal, all checked first."""
        EntryCheck(state, self.journal.path.name).check_all(entries)
        for entry in entries:
            state.apply(entry)

    # -- writing ------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writer lock (re-entrant within this process)."""
        with self._lock:
            yield

    def _read_new(self, state: DeskState) -> tuple[list[Entry], DeskConfig | None]:
        """Apply what other processes appended, and read a new desk.toml."""
        entries, offset = self.journal.read(self._offset, state.seq + 1)
        self._apply(state, entries)
        self._offset = offset
        if entries:
            self._seq = entries[-1].seq
        settings = None
        signature = self._settings_signature()
        if signature != self._signature:
            settings = read_settings(self.settings_path)
            self._signature = signature
        if self._lock.is_locked:
            self._set_aside_torn_tail()
        return entries, settings

    def forget_settings(self) -> None:
        """Read desk.toml again at the next catch-up: settings read but
        refused by the desk's checks must not count as read."""
        self._signature = None

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
        if entries:
            self._seq = entries[-1].seq

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
                tickets=in_snapshot_order(state.tickets.values()),
                notifications=list(state.notifications.values()),
                read_upto=state.read_upto,
                delayed=list(state.delayed.values()),
                rotations=state.rotations,
                messages=state.messages,
                mail_seen=state.mail_seen,
                created_threads=state.created_threads,
                automated_mail=state.automated_mail,
                commands=state.commands,
                sla_breached=state.sla_breached,
            )
            write_snapshot(self.snapshot_path, snap)
            self._snapshot_seq = state.seq

    def _settings_signature(self) -> _Signature | None:
        try:
            st = os.stat(self.settings_path)
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)


class _LocalTransaction:
    """One command's hold of the data dir: entries numbered after the
    journal's last, staged, and written on `commit` — the journal line
    first, desk.toml after it (a crash between the two is finished from the
    line on the next open: `core.store.roll_forward`)."""

    def __init__(self, store: LocalStore, caught: CatchUp) -> None:
        self._store = store
        self.caught = caught
        self._entries: list[Entry] = []
        self._settings: DeskConfig | None = None

    def record(self, actor: str, at: datetime, events: Sequence[Event],
               command: str = "") -> list[Entry]:
        seq = self._store._seq + len(self._entries)
        entries = [Entry(seq + n, at, actor, event, command)
                   for n, event in enumerate(events, start=1)]
        self._entries.extend(entries)
        return entries

    def save_settings(self, config: DeskConfig) -> None:
        self._settings = config

    def commit(self) -> None:
        entries, self._entries = self._entries, []
        settings, self._settings = self._settings, None
        if entries:
            self._store.append(entries)
        if settings is not None:
            self._store.save_settings(settings)

    def drop(self) -> None:
        self._entries, self._settings = [], None


class _JournalShort(DataFileError):
    """The journal lacks entries the snapshot covers: not the snapshot's
    fault, and nothing to make it again from."""
