"""The outbox: a Maildir in the data dir (`outbox/`), readable by any mail
tool, or, for a desk in a database, rows of its jobs table
(core/store/sql_jobs.py). Without SMTP settings this is where mail stays;
with them, a message leaves only once the server has accepted it
(`deliver_due`).

Each message's envelope (the sender and recipients the server is told) is
kept beside it in `outbox/.envelope/`, as composed from the stored
addresses: a header is never parsed to learn where mail goes."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser, BytesParser
from pathlib import Path

from core.mail.message import POLICY, MailError, Outgoing
from core.spool import Claim, JobQueue, Spool
from core.store.base import MailSpools


@dataclass(frozen=True)
class OutboxItem:
    key: str
    to: str
    subject: str
    attempts: int
    next_try: datetime | None
    last_error: str


@dataclass(frozen=True)
class Delivery:
    key: str
    to: str
    subject: str
    ok: bool
    error: str
    next_try: datetime | None
    headers: dict[str, str]  # every header, for logs that trace where mail came from


class Outbox:
    def __init__(self, root: Path, rows: JobQueue | None = None) -> None:
        """The Maildir at `root`, or the queue `rows` (then `root` is not used)."""
        self.root = root
        self._maildir: Spool | None = None
        self.spool: JobQueue
        if rows is None:
            self.spool = self._maildir = Spool(root, pending="new", tmp="tmp")
        else:
            self.spool = rows
        self._has_cur = rows is not None  # rows need no folders made

    @classmethod
    def of(cls, spools: MailSpools) -> Outbox:
        """The outbox of a store's spools (`Store.mail_spools`)."""
        return cls(spools.outbox, spools.rows("outbox") if spools.rows is not None else None)

    def put(self, mail: Outgoing) -> str:
        """Queue `mail`; it is on disk, whole, when this returns."""
        self._made()
        # LF line ends, as mail tools expect in a Maildir; smtplib sends CRLF.
        return self.spool.put(mail.message.as_bytes(policy=POLICY),
                              envelope=_envelope_bytes(mail))

    def stage(self, mail: Outgoing) -> str:
        """As `put`, durable only at `commit` (see Spool.stage)."""
        if not self._has_cur:  # once: a round stages thousands
            self._made()
        return self.spool.stage(mail.message.as_bytes(policy=POLICY),
                                envelope=_envelope_bytes(mail))

    def commit(self) -> None:
        self.spool.commit()

    def _made(self) -> None:
        """The Maildir, with all three folders, appears at once: a mail
        tool (or another thread) looking meanwhile finds none or all of it.
        It is made aside and renamed into place."""
        if not (self.root / "cur").is_dir():
            aside = self.root.with_name(f".{self.root.name}.new-{os.getpid()}-{id(self)}")
            for folder in ("cur", "new", "tmp"):
                (aside / folder).mkdir(parents=True, exist_ok=True)
            try:
                os.rename(aside, self.root)
            except OSError:  # made meanwhile (another process, or by hand)
                shutil.rmtree(aside, ignore_errors=True)
                for folder in ("cur", "new", "tmp"):
                    (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._has_cur = True

    def pending(self) -> list[OutboxItem]:
        items = []
        for job in self.spool.pending():
            data = self.spool.read(job.key)
            if data is None:
                continue  # sent meanwhile
            headers = BytesHeaderParser(policy=POLICY).parsebytes(data)
            _, recipients = _read_envelope(self.spool.envelope_of(job.key))
            items.append(OutboxItem(job.key, ", ".join(recipients),
                                    str(headers.get("Subject", "")), job.attempts,
                                    job.next_try, job.last_error))
        return items

    def has_mail(self) -> bool:
        """Anything waiting to be sent (with SMTP on): queued, or read."""
        return self.spool.has_jobs() or bool(self._read())

    def deliver_due(self, send: Callable[[Outgoing], None],
                    now: datetime) -> list[Delivery]:
        """Send every due message; a refused one stays, with a back-off."""
        self._take_back_read()
        waiting = self.spool.claim_due(now)
        deliveries = []
        try:
            while waiting:
                if self.spool.hold(waiting[0]):
                    deliveries.append(self._deliver(waiting[0], send, now))
                waiting.pop(0)
        finally:
            # Interrupted (Ctrl-C, or a bug in `send`): what was not tried
            # goes back now rather than after the stale-claim wait.
            for claim in waiting:
                self.spool.release(claim)
        return deliveries

    def _read(self) -> list[tuple[Path, str]]:
        """Messages a mail tool moved to cur/ on showing them, as (file,
        key): Maildir names such a file KEY:2,FLAGS. One flagged T (trashed)
        was thrown away by whoever read it. (Rows have no mail tool.)"""
        if self._maildir is None:
            return []
        try:
            names = os.listdir(self.root / "cur")
        except FileNotFoundError:
            return []
        found = []
        for name in names:
            key, _, flags = name.partition(":")
            if key and not name.startswith(".") and "T" not in flags.partition(",")[2]:
                found.append((self.root / "cur" / name, key))
        return found

    def _take_back_read(self) -> None:
        """With SMTP on, the outbox is a queue: a message read in a mail tool
        is not sent yet, so it goes back to new/ under its key, retry record
        and all, to be sent like any other."""
        if self._maildir is None:
            return
        for path, key in self._read():
            try:
                os.rename(path, self._maildir.pending_dir / key)
            except FileNotFoundError:
                continue  # another process took it back first

    def _deliver(self, claim: Claim, send: Callable[[Outgoing], None],
                 now: datetime) -> Delivery:
        message = read_message(claim.data)
        headers = {name: str(value) for name, value in message.items()}
        sender, recipients = _read_envelope(claim.envelope)
        to, subject = ", ".join(recipients), headers.get("Subject", "")
        try:
            if not sender or not recipients:
                raise MailError("it has no envelope (it was not queued by pipedesk), so "
                                "pipedesk does not know whom it is for; it stays in the "
                                "outbox")
            send(Outgoing(message, sender, recipients))
        except MailError as err:
            retry = self.spool.failed(claim, err.message, now)
            return Delivery(claim.key, to, subject, False, err.message, retry, headers)
        self.spool.done(claim)
        return Delivery(claim.key, to, subject, True, "", None, headers)


def _envelope_bytes(mail: Outgoing) -> bytes:
    return json.dumps({"from": mail.sender, "to": list(mail.recipients)}).encode()


def _read_envelope(data: bytes | None) -> tuple[str, tuple[str, ...]]:
    """(sender, recipients) as composed; empty when there is none to read."""
    try:
        record = json.loads(data or b"")
        sender, recipients = record["from"], record["to"]
    except (ValueError, KeyError, TypeError):
        return "", ()
    if not isinstance(sender, str) or not isinstance(recipients, list) or not all(
            isinstance(r, str) and r for r in recipients):
        return "", ()
    return sender, tuple(recipients)


def read_message(data: bytes) -> EmailMessage:
    parsed = BytesParser(policy=POLICY).parsebytes(data)
    assert isinstance(parsed, EmailMessage)  # policy.default makes one
    return parsed
