"""tickets.json: the desk's tickets and contacts as of journal entry `seq`.

Loading reads this file and then only the journal's tail from
`journal_offset`, so a desk of 100,000 tickets opens without replaying its
history. The journal itself is never shortened: it is the tickets' history
(their timelines) and stays whole, and everything here can be made again
from it: the file is a cache. One ticket a line, so a problem in the file is
named by line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

import msgspec

from core.errors import DataFileError
from core.records import Contact, Ticket
from core.state import Delayed, DeskState, Notification
from core.store.files import atomic_write

SNAPSHOT_VERSION = 1


class Snapshot(msgspec.Struct):
    schema_version: int
    seq: int
    journal_offset: int
    last_ticket_id: int
    contacts: list[Contact]
    tickets: list[Ticket]
    # Automation's state (A4); files written before automation lack them.
    notifications: list[Notification] = []
    read_upto: dict[str, int] = {}
    delayed: list[Delayed] = []
    rotations: dict[str, int] = {}
    # Mail in and out (A1); files written before it lack them.
    messages: dict[str, list[str]] = {}
    mail_seen: dict[str, str] = {}
    created_threads: dict[str, str] = {}
    # The cap on automated mail: when mail went to each address this hour.
    automated_mail: dict[str, list[datetime]] = {}
    # The ids of clients' commands applied (issue 16); older files lack them.
    commands: dict[str, list[str]] = {}
    # The SLA clocks recorded as breached (issue 17); older files lack them.
    sla_breached: dict[str, list[str]] = {}


def in_snapshot_order(tickets: Iterable[Ticket]) -> list[Ticket]:
    """Oldest first by create date, then id: the order lists and boards
    show, so sorting a loaded desk (or a client's replica) is almost free."""
    return sorted(tickets, key=lambda t: (t.create_date, int(t.id) if t.id.isdigit() else 0))


class SnapshotTooNew(DataFileError):
    """Written by a newer pipedesk: not damaged, so not set aside."""


_decode = msgspec.json.Decoder(Snapshot).decode
_encode = msgspec.json.Encoder().encode
# Ticket ids are whole numbers written plainly ("17", never "017" or "abc").
_ID = re.compile(r"[1-9][0-9]*")


def read_snapshot(path: Path) -> Snapshot | None:
    """The snapshot, or None if there is none; a DataFileError names what
    is wrong with it (SnapshotTooNew for a newer pipedesk's)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        snap = _decode(data)
    except msgspec.DecodeError as err:
        line, problem = _locate(data, str(err))
        raise DataFileError(path.name, problem, line) from None
    except UnicodeDecodeError:
        # msgspec stops at text that is not UTF-8 without saying where.
        raise _not_utf8(path.name, data) from None
    except RecursionError:
        raise DataFileError(path.name, "lists or objects nested too deep") from None
    if snap.schema_version > SNAPSHOT_VERSION:
        raise SnapshotTooNew(path.name, f"schema_version {snap.schema_version} is newer than "
                             f"this pipedesk understands ({SNAPSHOT_VERSION}); upgrade pipedesk")
    if snap.schema_version < 1:
        raise DataFileError(path.name, f"schema_version {snap.schema_version} is not one "
                            "pipedesk ever wrote", 1)
    for name in ("seq", "journal_offset", "last_ticket_id"):
        if getattr(snap, name) < 0:
            raise DataFileError(path.name, f"{name} is {getattr(snap, name)}; it cannot be "
                                "below zero", 1)
    return snap


def state_of(snap: Snapshot, name: str,
             home: Mapping[str, str]) -> tuple[DeskState, list[str]]:
    """The desk's state as the snapshot holds it, checked: ticket ids are
    numbers, no ticket or contact is in it twice. Also the ids of the
    tickets whose stage is not one of their pipeline's by `home` (stage id
    to pipeline id, from desk.toml), for the desk to look at once the
    journal's tail is applied: asked in the same pass that indexes the
    tickets, the one pass over 100,000 of them that opening makes."""
    state = DeskState()
    tickets: dict[str, Ticket] = {}
    odd: list[Ticket] = []
    where = home.get
    for ticket in snap.tickets:
        tid = ticket.id
        tickets[tid] = ticket
        if where(ticket.stage) != ticket.pipeline or not tid.isdigit():
            odd.append(ticket)
    bad = next((t.id for t in odd if not _ID.fullmatch(t.id)), None)
    if bad is not None:
        raise DataFileError(name, f"ticket id {bad!r} is not a ticket number",
                            _line_of_ticket(snap, bad))
    state.tickets = tickets
    if len(tickets) != len(snap.tickets):
        twice = _first_repeated([t.id for t in snap.tickets])
        raise DataFileError(name, f"ticket #{twice} is in it twice", _line_of_ticket(snap, twice))
    state.contacts = {c.email.casefold(): c for c in snap.contacts}
    if len(state.contacts) != len(snap.contacts):
        raise DataFileError(name, "a contact is in it twice (the same email address)")
    state.seq = snap.seq
    state.last_ticket_id = snap.last_ticket_id
    state.notifications = {n.id: n for n in snap.notifications}
    state.read_upto = dict(snap.read_upto)
    state.delayed = {d.id: d for d in snap.delayed}
    if len(state.notifications) != len(snap.notifications) or \
            len(state.delayed) != len(snap.delayed):
        raise DataFileError(name, "a notification or a waiting delay is in it twice")
    state.rotations = dict(snap.rotations)
    state.messages = snap.messages
    state.mail_seen = snap.mail_seen
    state.created_threads = snap.created_threads
    state.automated_mail = snap.automated_mail
    state.commands = snap.commands
    state.sla_breached = snap.sla_breached
    state.count_unread()
    return state, [t.id for t in odd]


def write_snapshot(path: Path, snap: Snapshot) -> None:
    head = _encode({
        "schema_version": snap.schema_version,
        "seq": snap.seq,
        "journal_offset": snap.journal_offset,
        "last_ticket_id": snap.last_ticket_id,
    })[:-1]
    parts = [head, b',\n"contacts":[\n', b",\n".join(_encode(c) for c in snap.contacts),
             b'\n],\n"tickets":[\n', b",\n".join(_encode(t) for t in snap.tickets), b"\n],\n",
             b'"notifications":[\n', b",\n".join(_encode(n) for n in snap.notifications),
             b'\n],\n"read_upto":', _encode(snap.read_upto),
             b',\n"delayed":', _encode(snap.delayed),
             b',\n"rotations":', _encode(snap.rotations),
             b',\n"messages":', _encode(snap.messages),
             b',\n"mail_seen":', _encode(snap.mail_seen),
             b',\n"created_threads":', _encode(snap.created_threads),
             b',\n"automated_mail":', _encode(snap.automated_mail),
             b',\n"commands":', _encode(snap.commands),
             b',\n"sla_breached":', _encode(snap.sla_breached), b"}\n"]
    atomic_write(path, b"".join(parts))


def seq_claimed(path: Path) -> int | None:
    """The entry a snapshot that cannot be read says it was written at, if
    its first line still says so (it is written first): how far the journal
    must reach before the snapshot can be made again from it."""
    try:
        with open(path, "rb") as f:
            head = f.read(200)
    except OSError:
        return None
    found = re.match(rb'\{"schema_version":\d+,"seq":(\d{1,18}),', head)
    return int(found[1]) if found else None


def _not_utf8(name: str, data: bytes) -> DataFileError:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as err:
        return DataFileError(name, f"not UTF-8 text (byte {err.start})",
                             data.count(b"\n", 0, err.start) + 1)
    return DataFileError(name, "not UTF-8 text")


def _first_repeated(ids: list[str]) -> str:
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            return ident
        seen.add(ident)
    raise AssertionError("no id is repeated")  # pragma: no cover


def _line_of_ticket(snap: Snapshot, ticket_id: str) -> int:
    """As write_snapshot lays the file out: the head, `"contacts":[`, one
    line a contact (an empty one for none), `],`, `"tickets":[`, one line a
    ticket; the last one with `ticket_id`."""
    index = max(n for n, t in enumerate(snap.tickets) if t.id == ticket_id)
    return 5 + max(1, len(snap.contacts)) + index


def _locate(data: bytes, message: str) -> tuple[int | None, str]:
    """Turn msgspec's "(byte 1234)" or "at `$.tickets[5].subject`" into a line."""
    byte = re.search(r"\(byte (\d+)\)", message)
    if byte:
        pos = int(byte[1])
        return data.count(b"\n", 0, pos) + 1, message
    path = re.search(r"at `\$\.(contacts|tickets|notifications)\[(\d+)\]", message)
    if path:
        start = data.find(f'"{path[1]}":['.encode())
        if start >= 0:
            return data.count(b"\n", 0, start) + 2 + int(path[2]), message
    field = re.search(r"at `\$\.(\w+)", message)
    if field:
        start = data.find(f'"{field[1]}":'.encode())
        if start >= 0:
            return data.count(b"\n", 0, start) + 1, message
    if "truncated" in message:
        # The file stops short (a copy cut off): name the line it stops on.
        return max(1, len(data.splitlines())), message
    return None, message
