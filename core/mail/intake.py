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

import re
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from core.errors import DeskError
from core.mail.inbox import Inbox, Quarantine, Quarantined
from core.mail.reading import Unreadable, read_mail
from core.mail.taking import Intake, NoChannel
from core.text import plain_line

if TYPE_CHECKING:
    from datetime import datetime

    from core.access import Actor
    from core.mail.reading import IncomingMail
    from core.model import Channel, DeskConfig
    from core.store.base import Store


class Desk(Protocol):
    """What mail in needs of the desk (`core.desk.Desk` is one): named
    here, not imported, because the desk offers the quarantine
    (`Desk.quarantine`) through this module."""

    @property
    def store(self) -> Store: ...

    @property
    def config(self) -> DeskConfig: ...

    def channels(self, actor: Actor) -> list[Channel]: ...

    def take_mails(self, batch: Sequence[tuple[IncomingMail, str, str | None]]
                   ) -> list[Intake | NoChannel]: ...

    def now(self) -> datetime: ...


def inbox_of(desk: Desk) -> Inbox:
    return Inbox(desk.store.mail_spools().inbox)


def quarantine_of(desk: Desk) -> Quarantine:
    """The quarantine whole, as the desk keeps it; a surface lists it for
    a user through `quarantined`."""
    return Quarantine(desk.store.mail_spools().quarantine)


def quarantined(desk: Desk, actor: Actor) -> list[Quarantined]:
    """The quarantine as `actor` may see it (P6, as `Desk.channels`): a
    message kept aside for the channel of a pipeline the actor may not view
    is left out, and such a channel's address is not said in a reason (the
    reason for mail no channel takes lists the channels). Mail for no
    channel, or for one since removed, names no pipeline: every user's."""
    every = {c.address.casefold(): c.address for c in desk.config.channels}
    for seen in desk.channels(actor):
        every.pop(seen.address.casefold(), None)
    hidden = set(every.values())
    shown = []
    for item in quarantine_of(desk).items():
        if (item.channel or "").strip().casefold() in every:
            continue
        reason = item.reason
        for address in hidden:
            # "(channels: a, HIDDEN, b)": the address and its separator go.
            reason = re.sub(rf"{re.escape(address)}, |, {re.escape(address)}\b|"
                            rf"{re.escape(address)}", "", reason, flags=re.IGNORECASE)
        shown.append(replace(item, reason=reason) if reason != item.reason else item)
    return shown


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


def retry_quarantined(desk: Desk, key: str, actor: Actor | None = None) -> Intake:
    """`mail quarantine retry KEY`: take the message again (after a fix of
    the reader, or once a channel for it exists). A user (`actor`) retries
    only what `quarantined` shows them (P6)."""
    if actor is not None and key.strip() not in {q.key for q in quarantined(desk, actor)}:
        known = ", ".join(q.key for q in quarantined(desk, actor)) or "it is empty"
        raise DeskError(f"No message {key.strip()!r} in the quarantine ({known}).")
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
