"""The outbox: a Maildir in the data dir (`outbox/`), readable by any mail
tool. Without SMTP settings this is where mail stays; with them, a message
leaves only once the server has accepted it (`deliver_due`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from core.mail.message import MailError
from core.spool import Spool


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
    headers: dict[str, str]


class Outbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.spool = Spool(root, pending="new", tmp="tmp")

    def put(self, message: EmailMessage) -> str:
        (self.root / "cur").mkdir(parents=True, exist_ok=True)  # Maildir has all three
        return self.spool.put(message.as_bytes(policy=policy.SMTP))

    def pending(self) -> list[OutboxItem]:
        items = []
        for job in self.spool.pending():
            try:
                message = read_message(job.path.read_bytes())
            except FileNotFoundError:
                continue
            items.append(OutboxItem(job.key, str(message["To"]), str(message["Subject"]),
                                    job.attempts, job.next_try, job.last_error))
        return items

    def deliver_due(self, send: Callable[[EmailMessage], None],
                    now: datetime) -> list[Delivery]:
        done = []
        for claim in self.spool.claim_due(now):
            message = read_message(claim.data)
            headers = {k: str(v) for k, v in message.items()}
            to, subject = headers.get("To", ""), headers.get("Subject", "")
            try:
                send(message)
            except MailError as err:
                retry = self.spool.failed(claim, err.message, now)
                done.append(Delivery(claim.key, to, subject, False, err.message, retry,
                                     headers))
                continue
            self.spool.done(claim)
            done.append(Delivery(claim.key, to, subject, True, "", None, headers))
        return done


def read_message(data: bytes) -> EmailMessage:
    parsed: EmailMessage = BytesParser(policy=policy.default).parsebytes(data)
    return parsed
