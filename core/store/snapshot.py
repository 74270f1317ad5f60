"""tickets.json: the desk's tickets and contacts as of journal entry `seq`.

Loading reads this file and then only the journal's tail from
`journal_offset`, so a desk of 100,000 tickets opens without replaying its
history. The journal itself is never shortened: it is the tickets' history
(their timelines) and stays whole. One ticket a line, so a problem in the
file is named by line.
"""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from core.errors import DataFileError
from core.records import Contact, Ticket
from core.state import Delayed, Notification
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


_decode = msgspec.json.Decoder(Snapshot).decode
_encode = msgspec.json.Encoder().encode


def read_snapshot(path: Path) -> Snapshot | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        snap = _decode(data)
    except msgspec.DecodeError as err:
        line, problem = _locate(data, str(err))
        raise DataFileError(path.name, problem, line) from None
    if snap.schema_version > SNAPSHOT_VERSION:
        raise DataFileError(path.name, f"schema_version {snap.schema_version} is newer than "
                            "this pipedesk understands; upgrade pipedesk")
    return snap


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
             b',\n"rotations":', _encode(snap.rotations), b"}\n"]
    atomic_write(path, b"".join(parts))


def _locate(data: bytes, message: str) -> tuple[int | None, str]:
    """Turn msgspec's "(byte 1234)" or "at `$.tickets[5].subject`" into a line."""
    byte = re.search(r"\(byte (\d+)\)", message)
    if byte:
        pos = int(byte[1])
        return data.count(b"\n", 0, pos) + 1, message
    path = re.search(r"at `\$\.(contacts|tickets)\[(\d+)\]", message)
    if path:
        start = data.find(f'"{path[1]}":['.encode())
        if start >= 0:
            return data.count(b"\n", 0, start) + 2 + int(path[2]), message
    if "truncated" in message:
        # The file stops short (a copy cut off): name the line it stops on.
        return max(1, len(data.splitlines())), message
    return None, message
