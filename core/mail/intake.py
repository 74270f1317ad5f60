"""The one way mail comes in (issue 13, item 2): piped (`mail ingest`), from
a Maildir or from IMAP (`mail fetch`, the worker, the open TUI) — all
through `take_in`.

No mail is ever lost. The raw bytes are made durable in the data dir's
`inbox/` (a Maildir: written in tmp/, synced, renamed into new/) before
anything else happens, and before a source is told the message was taken.
Then the message is read, handed to `Desk.take_mail`, and moved to `cur/`.
A crash anywhere leaves it in `new/`, where `retake_pending` finds it; the
desk's dedupe (channel + Message-ID, or the bytes' digest) makes a second
taking a "duplicate", so nothing is doubled either. Mail that will not
parse, or that no channel takes, goes to `quarantine/` with its reason,
listed and retried by `mail quarantine`.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DeskError
from core.mail.reading import Unreadable, read_mail
from core.mail.taking import Intake, NoChannel
from core.spool import Spool
from core.store.files import atomic_write, sync_dir
from core.text import plain_line

if TYPE_CHECKING:
    from core.desk import Desk

# The Maildir "info" of a message that was taken: seen (Maildir's `S`).
_TAKEN = ":2,S"


class Inbox:
    """A Maildir of raw messages: `new/` not yet taken, `cur/` taken."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._spool = Spool(root, pending="new", tmp="tmp")

    def keep(self, raw: bytes) -> str:
        """Make `raw` durable; returns its key."""
        return self._spool.put(raw, ".eml")

    def keep_all(self, raws: Sequence[bytes]) -> list[str]:
        """Make every one of `raws` durable, with one sync for the lot."""
        if len(raws) == 1:
            return [self.keep(raws[0])]
        keys = [self._spool.stage(raw, ".eml") for raw in raws]
        self._spool.commit()
        return keys

    def taken(self, key: str) -> None:
        cur = self.root / "cur"
        try:
            cur.mkdir(exist_ok=True)
            os.rename(self.root / "new" / key, cur / (key + _TAKEN))
        except FileNotFoundError:
            return  # taken meanwhile, by another process
        except OSError as err:
            raise DeskError(f"Could not file a message in {cur}: {err.strerror}.") from None

    def raw(self, key: str) -> bytes:
        for path in (self.root / "cur" / (key + _TAKEN), self.root / "new" / key):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        raise DeskError(f"The message {key!r} is not in {self.root} any more.")

    def pending(self) -> list[str]:
        try:
            return sorted(p.name for p in (self.root / "new").iterdir()
                          if not p.name.startswith("."))
        except FileNotFoundError:
            return []


@dataclass(frozen=True)
class Quarantined:
    key: str
    reason: str
    at: datetime
    channel: str | None
    size: int


class Quarantine:
    """Messages that could not be taken, each with the reason beside it
    (`.reasons/KEY.json`); the raw bytes stay as they came."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_from(self, inbox: Inbox, key: str, reason: str, channel: str | None,
                 now: datetime) -> None:
        reasons = self.root / ".reasons"
        for folder in (self.root / "new", self.root / "cur", self.root / "tmp", reasons):
            folder.mkdir(parents=True, exist_ok=True)
        atomic_write(reasons / f"{key}.json", json.dumps(
            {"reason": reason, "at": now.isoformat(), "channel": channel}).encode())
        try:
            os.rename(inbox.root / "new" / key, self.root / "new" / key)
        except FileNotFoundError:
            return
        sync_dir(self.root / "new")

    def items(self) -> list[Quarantined]:
        found = []
        try:
            paths = sorted((self.root / "new").iterdir())
        except FileNotFoundError:
            return []
        for path in paths:
            about = self._about(path.name)
            found.append(Quarantined(
                path.name, plain_line(str(about.get("reason", "no reason kept"))),
                datetime.fromisoformat(str(about["at"])) if about.get("at") else
                datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
                about.get("channel"), path.stat().st_size))
        return found

    def _about(self, key: str) -> dict[str, str]:
        try:
            data = json.loads((self.root / ".reasons" / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self, key: str, inbox: Inbox) -> str | None:
        """Move a quarantined message back to the inbox's `new/`; its
        channel, if one was named."""
        key = key.strip()
        path = self.root / "new" / key
        if "/" in key or not key or not path.is_file():
            known = ", ".join(q.key for q in self.items()) or "it is empty"
            raise DeskError(f"No message {key!r} in the quarantine ({known}).")
        channel = self._about(key).get("channel")
        (inbox.root / "new").mkdir(parents=True, exist_ok=True)
        os.rename(path, inbox.root / "new" / key)
        sync_dir(inbox.root / "new")
        (self.root / ".reasons" / f"{key}.json").unlink(missing_ok=True)
        return channel


def inbox_of(desk: Desk) -> Inbox:
    return Inbox(desk.store.mail_spools().inbox)


def quarantine_of(desk: Desk) -> Quarantine:
    return Quarantine(desk.store.mail_spools().quarantine)


# Messages taken in one desk command (one journal sync): a backlog of
# thousands goes in steps, so that memory stays small and each step's
# messages are on their tickets soon.
BATCH = 200


def take_in(desk: Desk, raw: bytes, channel: str | None = None) -> Intake:
    """Keep `raw` durable, then take it. A DeskError from keeping it means
    it was not stored (the caller says "try again": exit 75)."""
    return take_in_many(desk, [raw], channel)[0]


def take_in_many(desk: Desk, raws: Sequence[bytes], channel: str | None = None) -> list[Intake]:
    """`take_in` for several messages: all kept durable first, then taken
    in steps of `BATCH`."""
    inbox = inbox_of(desk)
    taken: list[Intake] = []
    for start in range(0, len(raws), BATCH):
        step = raws[start:start + BATCH]
        keys = inbox.keep_all(step)
        taken += take_kept(desk, inbox, list(zip(keys, step, strict=True)), channel)
    return taken


def take_kept(desk: Desk, inbox: Inbox, kept: Sequence[tuple[str, bytes]],
              channel: str | None = None) -> list[Intake]:
    """Take messages already in the inbox, (key, raw bytes) each."""
    results: dict[int, Intake] = {}
    readable = []
    for n, (key, raw) in enumerate(kept):
        try:
            readable.append((n, read_mail(raw), key))
        except Unreadable as err:
            results[n] = _quarantined(desk, inbox, key, raw, err.message, channel)
    answers = desk.take_mails([(mail, key, channel) for _, mail, key in readable])
    for (n, _mail, key), answer in zip(readable, answers, strict=True):
        if isinstance(answer, NoChannel):
            results[n] = _quarantined(desk, inbox, key, kept[n][1], answer.message, channel)
        else:
            inbox.taken(key)
            results[n] = answer
    return [results[n] for n in range(len(kept))]


def _quarantined(desk: Desk, inbox: Inbox, key: str, raw: bytes, reason: str,
                 channel: str | None) -> Intake:
    quarantine_of(desk).put_from(inbox, key, reason, channel, desk.now())
    return Intake(_id_for_report(raw), "quarantined", None, reason)


def retake_pending(desk: Desk, older_than: float = 60.0) -> list[Intake]:
    """Take what a crash left in the inbox's `new/` (older than
    `older_than` seconds, so as not to race a process taking it now)."""
    inbox = inbox_of(desk)
    left = []
    now = time.time()
    for key in inbox.pending():
        path = inbox.root / "new" / key
        try:
            if now - path.stat().st_mtime < older_than:
                continue
            left.append((key, path.read_bytes()))
        except FileNotFoundError:
            continue
    taken: list[Intake] = []
    for start in range(0, len(left), BATCH):
        taken += take_kept(desk, inbox, left[start:start + BATCH])
    return taken


def retry_quarantined(desk: Desk, key: str) -> Intake:
    """`mail quarantine retry KEY`: take the message again (after a fix of
    the reader, or once a channel for it exists)."""
    inbox = inbox_of(desk)
    channel = quarantine_of(desk).release(key, inbox)
    return take_kept(desk, inbox, [(key.strip(), inbox.raw(key.strip()))], channel)[0]


def _id_for_report(raw: bytes) -> str:
    """A quarantined message's Message-ID as far as it can be read, for
    the report (the reader said it is not well-formed)."""
    import hashlib
    import re

    found = re.search(rb"(?im)^message-id:\s*<?([^\s<>]{1,300})>?", raw[:65536])
    if found is not None:
        return plain_line(found.group(1).decode("utf-8", "replace"))
    return f"sha256:{hashlib.sha256(raw).hexdigest()}"
