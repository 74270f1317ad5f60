"""Composing an email that any server and mail tool takes as well-formed.

Header values may come from ticket data (a subject, a contact's name): a CR
or LF in one would let that data write headers of its own, so it is refused
and the message is not made."""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from core.errors import DeskError


class HeaderInjection(DeskError):
    """A header value holds a line break."""


class MailError(DeskError):
    """Mail could not be handed to the server; the message stays queued."""


def compose(*, sender: str, to: str, subject: str, body: str, now: datetime,
            automated: bool = True) -> EmailMessage:
    for header, value in (("From", sender), ("To", to), ("Subject", subject)):
        if "\r" in value or "\n" in value:
            raise HeaderInjection(f"The email's {header} holds a line break (from ticket "
                                  "data); it was not sent.")
    recipients = [address for _, address in getaddresses([to]) if "@" in address]
    if not recipients:
        raise DeskError(f"The email has no address to go to (To: {to!r}).")
    message = EmailMessage(policy=policy.SMTP)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message["Date"] = format_datetime(now)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if automated:
        # RFC 3834: auto-responders and vacation replies leave this alone.
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(body if body.endswith("\n") else body + "\n")
    return message


def _domain(address: str) -> str:
    parsed = getaddresses([address])
    found = parsed[0][1] if parsed else ""
    try:
        return Address(addr_spec=found).domain or "localhost"
    except (ValueError, IndexError):
        return "localhost"
