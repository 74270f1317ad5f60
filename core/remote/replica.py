"""`ReplicaStore`: what one user sees of a server's desk, as the store of a
`core.remote.desk.RemoteDesk` (issue 16 item 2; docs/sync.md).

It is fed by the server, never written by a command: the settings as the
user may see them (`GET /pipedesk/v1/settings`, made into a `DeskConfig`
for the desk's queries) and the tickets from the change feed
(`GET /pipedesk/v1/changes`, resumed from its last position). What the
feed says becomes entries, as the desk's own would be: a ticket new to
the replica a `TicketCreated`, one it holds changed in place with a
`TicketChanged` saying what differs, one removed (deleted, or gone out of
sight) a `TicketDeleted`. So the board and every query work on the replica as they
work on local files, and a screen repaints what the entries name.

Changes go the other way, as commands to the server (`RemoteDesk`); what
is not one of those (the demo data, mail in: the desk's own host's work)
meets `transaction`, which refuses it, nothing done.

The replica is kept on disk (`replica.json` in the client's cache folder,
written whole and atomically): the next start opens from it at once,
before the server answers or when it does not, and then catches up from
the feed position it was saved at. It is a cache: one that cannot be read
is set aside with a warning and taken afresh from the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from core.errors import DeskError
from core.events import Entry, Event, TicketChanged, TicketCreated, TicketDeleted
from core.model import DeskConfig
from core.properties import BUILTIN_PROPERTIES
from core.records import Ticket
from core.remote.api import ServerApi
from core.state import DeskState
from core.store.base import CatchUp, MailSpools, Transaction
from core.store.files import atomic_write
from core.store.snapshot import in_snapshot_order

# Who the replica's entries are by: the server, as the feed tells it.
SERVER_ACTOR = "channel:server"
_BUILTIN = {p.name for p in BUILTIN_PROPERTIES}


class NotOnServer(DeskError):
    """What a client of a server does not do: the desk's own host does it."""


_MAIL = ("Mail is fetched, taken in and sent by the server ({}), which does it by itself; "
         "run `pipedesk mail …` or `worker` where `pipedesk serve` runs, with its --data-dir "
         "or --database. Nothing was changed.")


REPLICA_FORMAT = 1


class SavedReplica(msgspec.Struct):
    """replica.json: what the client last had of the server."""

    format: int
    url: str
    me: dict[str, Any]  # GET /pipedesk/v1/me
    position: int | None
    version: str  # of the settings
    settings: dict[str, Any]  # GET /pipedesk/v1/settings
    tickets: list[Ticket]
    saved: datetime  # when: how fresh the board is
    last_ticket_id: int = 0  # kept, not worked out from 100,000 ids at each start


def load_replica(folder: Path, url: str, warnings: list[str]) -> SavedReplica | None:
    path = folder / "replica.json"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        saved = msgspec.json.decode(data, type=SavedReplica)
        if saved.format != REPLICA_FORMAT:
            raise ValueError("another format")
        # Another server's (a folder named alike): not this one's, not damaged.
        return saved if saved.url == url else None
    except (msgspec.DecodeError, ValueError, RecursionError):
        aside = path.with_name("replica.json.damaged")
        path.replace(aside)
        warnings.append(f"{path}: not a copy of the desk pipedesk can read; set aside as "
                        f"{aside.name}, and taken afresh from the server.")
        return None


class ReplicaStore:
    created = False

    def __init__(self, api: ServerApi, folder: Path | None = None,
                 saved: SavedReplica | None = None) -> None:
        """`saved`: the replica kept in `folder`, opened from without asking
        the server (which the next `catch_up` does)."""
        self.api = api
        self.folder = folder
        self._saved = saved
        self.warnings: list[str] = []
        self.position: int | None = None  # the feed's `seq` last applied
        self.version = ""  # the settings version held
        self.view: dict[str, Any] = {}  # the settings as the server showed them
        self.me: dict[str, Any] = saved.me if saved is not None else {}
        # When the replica last heard from the server (None: not this run).
        self.heard: datetime | None = None
        self.saved_at: datetime | None = saved.saved if saved is not None else None
        # While True, a command's entries go into the replica alone: a
        # change waiting for the server, shown as it will be (`RemoteDesk`).
        self.pretending = False

    # -- the Store protocol ----------------------------------------------------------

    def open(self) -> tuple[DeskConfig, DeskState]:
        state = DeskState()
        saved = self._saved
        if saved is not None:
            self._saved = None
            self.position, self.version, self.view = saved.position, saved.version, saved.settings
            # As a snapshot is loaded: the tickets straight in, no entries.
            state.tickets = {ticket.id: ticket for ticket in saved.tickets}
            state.last_ticket_id = saved.last_ticket_id
            return config_of(saved.settings), state
        config = self._settings()
        self._follow(state, wait=0)
        return config, state

    def save(self, state: DeskState) -> None:
        """Keep the replica on disk, as it is now (pending changes shown)."""
        if self.folder is None:
            return
        now = datetime.now(UTC)
        snapshot = SavedReplica(REPLICA_FORMAT, self.api.url, self.me, self.position,
                                self.version, self.view,
                                in_snapshot_order(state.tickets.values()), now,
                                state.last_ticket_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write(self.folder / "replica.json", msgspec.json.encode(snapshot))
        self.saved_at = now

    def catch_up(self, state: DeskState, config: DeskConfig) -> CatchUp:
        """What the server changed since the last look."""
        entries, settings_changed = self._follow(state, wait=0)
        return CatchUp(entries, self._settings() if settings_changed else None)

    def transaction(self, state: DeskState, config: DeskConfig
                    ) -> AbstractContextManager[Transaction]:
        if not self.pretending:
            raise NotOnServer(f"This is done on the desk's own host, not through its server "
                              f"({self.api.url}): run it where `pipedesk serve` runs, with "
                              "its --data-dir or --database. Nothing was changed.")
        return nullcontext(_Pretend(state))

    def compact(self, state: DeskState) -> None:
        """Nothing to keep cheap: the server holds the history."""

    def newest_entries(self, ticket: str | None = None,
                       kind: type[Event] | None = None) -> Iterator[Entry]:
        return iter(())  # timelines and conversations come from the server

    def mail_spools(self) -> MailSpools:
        raise NotOnServer(_MAIL.format(self.api.url))

    def mail_key(self) -> bytes:
        raise NotOnServer(_MAIL.format(self.api.url))

    # -- from the server -----------------------------------------------------------------

    def _settings(self) -> DeskConfig:
        view = self.api.call("GET", "/pipedesk/v1/settings")
        self.version = str(view.get("version", ""))
        self.view = view
        return config_of(view)

    def feed_query(self, wait: float) -> dict[str, Any]:
        """The feed's query from where the replica is: the whole desk when
        it has no position (a reset), else what came after it."""
        query: dict[str, Any] = {"wait": wait}
        if self.position is not None:
            query |= {"after": self.position, "settings": self.version}
        return query

    def _follow(self, state: DeskState, wait: float) -> tuple[list[Entry], bool]:
        answer = self.api.call("GET", "/pipedesk/v1/changes", params=self.feed_query(wait))
        self.heard = datetime.now(UTC)
        entries = self.take(state, answer)
        return entries, bool(answer.get("settingsChanged")) and answer.get(
            "settings") != self.version

    def take(self, state: DeskState, answer: dict[str, Any]) -> list[Entry]:
        """Apply a feed answer to `state` as entries; they come back,
        applied, for the notice."""
        try:
            tickets = [msgspec.convert(t, Ticket) for t in answer.get("tickets", [])]
        except msgspec.ValidationError as err:
            raise DeskError(f"{self.api.url} sent a ticket pipedesk cannot read ({err}); "
                            "are the server and this pipedesk the same version?") from None
        removed = [str(r) for r in answer.get("removed", [])]
        if answer.get("reset"):
            sent = {t.id for t in tickets}
            removed += [tid for tid in state.tickets if tid not in sent]
        now = datetime.now(UTC)
        entries: list[Entry] = []

        def entry(event: Event) -> Entry:
            made = Entry(state.seq + 1, now, SERVER_ACTOR, event)
            entries.append(made)
            return made

        for tid in dict.fromkeys(removed):
            if tid in state.tickets:
                state.apply(entry(TicketDeleted(ticket=tid, subject=state.tickets[tid].subject)))
        for ticket in tickets:
            held = state.tickets.get(ticket.id)
            if held is None:
                state.apply(entry(TicketCreated(ticket=ticket)))
                continue
            # Changed in place, as the desk's own entries change tickets: a
            # screen holding the ticket holds the one the replica has.
            changes = _differences(held, ticket)
            if changes:
                for name in ticket.__struct_fields__:
                    setattr(held, name, getattr(ticket, name))
                state.seq = entry(TicketChanged(ticket=ticket.id, changes=changes)).seq
        if answer.get("reset"):
            # In the order a loaded desk keeps, which the board sorts in C
            # almost for free (tui/board_index.py).
            state.tickets = {t.id: t for t in in_snapshot_order(state.tickets.values())}
        if "seq" in answer:
            self.position = int(answer["seq"])
        return entries


class _Pretend:
    """A command's hold of the replica while pretending: its entries are
    numbered after the replica's last and kept nowhere but in the state."""

    def __init__(self, state: DeskState) -> None:
        self.state = state
        self.caught = CatchUp([], None)

    def record(self, actor: str, at: datetime, events: Sequence[Event],
               command: str = "") -> list[Entry]:
        return [Entry(self.state.seq + n, at, actor, event)
                for n, event in enumerate(events, start=1)]

    def save_settings(self, config: DeskConfig) -> None:
        raise NotOnServer("Settings are changed on the server only.")

    def commit(self) -> None:
        """Nothing to write: the server holds the truth."""


def _differences(held: Ticket, sent: Ticket) -> dict[str, list[Any]]:
    """What differs, as a change says it: name -> [before, after]."""
    changes: dict[str, list[Any]] = {}
    for name in held.__struct_fields__:
        if name == "props":
            continue
        before, after = getattr(held, name), getattr(sent, name)
        if before != after:
            changes[name] = [before, after]
    for name in held.props.keys() | sent.props.keys():
        before, after = held.props.get(name), sent.props.get(name)
        if before != after:
            changes[name] = [before, after]
    return changes


def config_of(view: dict[str, Any]) -> DeskConfig:
    """The settings a server showed one user (core/settings_view.py) as a
    `DeskConfig` the desk's queries read: what is not shown (the mail
    settings, the tokens) is left at its default."""
    try:
        return DeskConfig.model_validate({
            "pipelines": view.get("pipelines", []),
            "properties": [p for p in view.get("properties", [])
                           if p.get("name") not in _BUILTIN],
            "templates": view.get("templates", []),
            "channels": view.get("channels", []),
            "users": view.get("users", []),
            "teams": view.get("teams", []),
        })
    except ValueError as err:
        raise DeskError(f"The server's settings do not read as pipedesk's ({err}); are the "
                        "server and this pipedesk the same version?") from None

