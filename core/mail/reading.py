"""Reading one incoming message (a stand-in: replaced by the full reader)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from core.errors import DeskError
from core.events import Attachment
from core.text import plain_line, show_text

_ID = re.compile(r"<([^<>\s]+)>")


class Unreadable(DeskError):
    """The bytes will not parse as an email; the message says why."""


@dataclass(frozen=True)
class IncomingMail:
    message_id: str | None
    in_reply_to: list[str]
    references: list[str]
    sender: str
    sender_name: str
    to: list[str]
    cc: list[str]
    recipients: list[str]
    subject: str
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    auto: str = ""
    forwarded: bool = False
    digest: str = ""


def read_mail(raw: bytes) -> IncomingMail:
    if not raw.strip():
        raise Unreadable("it is empty")
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise Unreadable("it is not an email: it has no headers")
    senders = getaddresses([str(message.get("From", ""))])
    sender_name, sender = senders[0] if senders else ("", "")
    if "@" not in sender:
        raise Unreadable("it has no From address")
    body = message.get_body(("plain",))
    text = body.get_content() if isinstance(body, EmailMessage) else ""
    try:
        date = parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    subject = plain_line(str(message.get("Subject", "")))
    to = [a for _, a in getaddresses([str(v) for v in message.get_all("To", [])]) if a]
    cc = [a for _, a in getaddresses([str(v) for v in message.get_all("Cc", [])]) if a]
    auto = ""
    if str(message.get("Auto-Submitted", "no")).strip().lower() != "no":
        auto = "auto-submitted"
    forwarded = bool(re.match(r"(?i)\s*(re:\s*)*(fwd?|fw|wg|vs|tr|doorst)\s*:", subject))
    return IncomingMail(
        message_id=_ids(message, "Message-ID")[0] if _ids(message, "Message-ID") else None,
        in_reply_to=_ids(message, "In-Reply-To"), references=_ids(message, "References"),
        sender=sender.lower(), sender_name=plain_line(sender_name), to=to, cc=cc,
        recipients=[a.lower() for a in to + cc], subject=subject, date=date,
        text=show_text(text), auto=auto, forwarded=forwarded,
        digest=hashlib.sha256(raw).hexdigest())


def _ids(message: EmailMessage, name: str) -> list[str]:
    values = [str(v) for v in message.get_all(name, [])]
    return [m for v in values for m in _ID.findall(v)]
