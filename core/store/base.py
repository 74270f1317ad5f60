"""What `core.Desk` needs from a store, and nothing more.

A store keeps a desk's settings (one `DeskConfig`) and its journal of
entries (`core.events.Entry`), from which the state (`DeskState`: tickets,
contacts, notifications, delays) is made. `Desk` holds the state in memory
and asks the store for what changed; it never sees a path, a file or a lock.

The contract every store keeps (the local files of `core.store.local`, the
in-memory store of `core.store.memory`, and the SQL store of a later issue,
which is done when it passes the same core test suite):

- **One transaction per command.** `transaction` holds the writer lock (a
  file lock, a thread lock, a database transaction) for the whole command
  and the automation it sets off, catches up first, and commits what was
  staged when it ends; if the command fails, what was staged and not yet
  committed is dropped. No other writer of the same desk gets in between.
- **Entries are numbered by the store.** `Transaction.record` is handed the
  actor, the time and the events and gives back the entries with their
  `seq`: one after the last entry the store holds, counting up by one, with
  no gap and no number given twice, even when two desks write one store.
- **Entries and settings are one unit.** What `commit` writes (the entries
  recorded since the last commit and, if saved, new settings) is there
  whole or, should the write fail, there not at all as far as the desk's
  next open can tell (the local store writes the journal first and finishes
  settings from it on the next open).
- **Catch-up from a sequence number.** `catch_up` hands over the entries
  after `state.seq`, in order, applied to `state`, and the settings if they
  are not the ones the desk holds.
- **Newest entries about a ticket**, for timelines (T7) and the automation
  log (A6), without the desk reading the whole history.
- **Durable spools** for outgoing mail and webhooks (`MailSpools`): queues
  the courier claims jobs from, which outlast the process that wrote them
  (folders, or the SQL store's rows); and the inbox and quarantine of mail
  in (folders).
- **A mail key** that signs the desk's own Message-IDs, one per desk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, TypeVar, runtime_checkable

from core.events import Entry, Event
from core.model import DeskConfig
from core.state import DeskState

if TYPE_CHECKING:  # core.spool reaches this package (core.store.files)
    from core.spool import JobQueue

# The queues of outgoing work, by name.
QueueName = Literal["drafts", "webhooks", "outbox"]


@dataclass
class CatchUp:
    """What other writers did since the desk last looked."""

    entries: list[Entry]  # applied to the state already, oldest first
    settings: DeskConfig | None  # the new settings, if they changed


@dataclass(frozen=True)
class MailSpools:
    """Where automation's outgoing work waits (core/automation/courier.py):
    drafts of emails and templated notifications, webhook calls, and the
    Maildir outbox of finished emails."""

    drafts: Path
    webhooks: Path
    outbox: Path
    # Mail in (A1): every message received, made durable here before it is
    # read (a Maildir: new/ not taken in yet, cur/ taken in), and what would
    # not parse, with its reason.
    inbox: Path
    quarantine: Path
    # A store whose jobs are rows (the SQL store) gives its queues here; the
    # folders above are then where mail in waits, and nothing else.
    rows: Callable[[QueueName], JobQueue] | None = None

    def queue(self, name: QueueName) -> JobQueue:
        """The queue of drafts, webhook calls or finished mail."""
        if self.rows is not None:
            return self.rows(name)
        from core.spool import Spool

        return Spool(getattr(self, name))


class Transaction(Protocol):
    """One command's hold of the store (see `Store.transaction`)."""

    @property
    def caught(self) -> CatchUp:
        """What the catch-up at the start of the transaction brought."""
        ...

    def record(self, actor: str, at: datetime, events: Sequence[Event],
               command: str = "") -> list[Entry]:
        """Number `events` as the store's next entries and stage them for
        `commit`; the entries come back with their `seq`, marked with the
        id of the client's command they came of (`command`), if any."""
        ...

    def save_settings(self, config: DeskConfig) -> None:
        """Stage new settings, written by `commit` with the staged entries
        (entries first) as one unit."""
        ...

    def commit(self) -> None:
        """Make everything staged durable now, as one unit: the desk
        commits its command's entries before automation acts on them, and
        automation's when it is done. Ending the transaction without an
        error commits too."""
        ...


class _Staged(Protocol):
    def commit(self) -> None: ...
    def drop(self) -> None: ...


StagedT = TypeVar("StagedT", bound=_Staged)


@contextmanager
def committed_or_dropped(txn: StagedT) -> Iterator[StagedT]:
    """How every store's transaction ends: what the command staged is
    committed if it finished, and dropped if it failed, so that nothing is
    half-written."""
    try:
        yield txn
    except BaseException:
        txn.drop()
        raise
    else:
        txn.commit()


class Store(Protocol):
    """A desk's settings and journal, for one `Desk` (several desks may share
    one store's data: each behaves like a process of its own)."""

    @property
    def created(self) -> bool:
        """Whether opening made this desk new (P1, C4)."""
        ...

    @property
    def warnings(self) -> list[str]:
        """Things set right while opening or catching up that a person
        should hear of (a torn last line set aside, say)."""
        ...

    def open(self) -> tuple[DeskConfig, DeskState]:
        """Load the settings and the state, checked, with anything a crash
        left unfinished finished (raises DataFileError naming what is
        wrong, writing nothing, when something cannot be used)."""
        ...

    def catch_up(self, state: DeskState, config: DeskConfig) -> CatchUp:
        """Apply the entries written after `state.seq` to `state`, and hand
        over the settings if they are not `config` (the desk's)."""
        ...

    def transaction(self, state: DeskState,
                    config: DeskConfig) -> AbstractContextManager[Transaction]:
        """Hold the writer lock, catch up (`Transaction.caught`), and commit
        at the end; on an error, drop what was staged and not committed.
        Re-entrant: a nested call joins the transaction held."""
        ...

    def compact(self, state: DeskState) -> None:
        """Keep history cheap to load (the local store writes a snapshot);
        changes nothing a desk reads."""
        ...

    def newest_entries(self, ticket: str | None = None,
                       kind: type[Event] | None = None) -> Iterator[Entry]:
        """Entries newest first: at least every entry that mentions ticket
        `ticket` (`core.events.ticket_ids`), or every entry of event type
        `kind`; possibly others, which the caller skips. Stopping early is
        cheap: the newest few of a long history cost little."""
        ...

    def mail_spools(self) -> MailSpools:
        """The durable spools of outgoing mail and webhooks, and of mail in."""
        ...

    def mail_key(self) -> bytes:
        """The desk's secret that signs its own Message-IDs (core/mail/ids.py):
        the same for every process of the desk, made on first use."""
        ...


@runtime_checkable
class Announcing(Protocol):
    """A store that hears of other processes' commits (PostgreSQL's
    LISTEN/NOTIFY), so a follower need not poll often."""

    def await_commits(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a commit by another process;
        True when one was announced (a catch-up then finds it)."""
        ...
