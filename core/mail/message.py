"""Composing an email that any server and mail tool takes as well-formed.

Header values may come from ticket data (a subject, a contact's name): a line
break in one would let that data write headers of its own (a Bcc, say), so it
is refused and no message is made.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.errors import MessageError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from core.errors import DeskError


class _HeaderClasses(HeaderRegistry):
    """The email package builds a new header class on every header it
    touches (`HeaderRegistry.__getitem__` calls `type()`): most of the time of
    composing a message. The classes depend only on the header's name, so
    they are kept."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = super().__getitem__(name)
        return made


# `policy.default` and `policy.SMTP` with kept header classes: LF line ends
# for the Maildir, CRLF for the wire.
POLICY = policy.default.clone(header_factory=_HeaderClasses())
SMTP_POLICY = policy.SMTP.clone(header_factory=POLICY.header_factory)


class HeaderInjection(DeskError):
    """A header value holds a line break."""


class MailError(DeskError):
    """Mail could not be handed to the server; the message stays queued."""


def compose(*, sender: str, to: str, subject: str, body: str, now: datetime,
            automated: bool = True) -> EmailMessage:
    for header, value, origin in (("From", sender, "[mail] from in desk.toml"),
                                  ("To", to, "ticket data"), ("Subject", subject, "ticket data")):
        # splitlines, not just CR and LF: the email package also breaks
        # lines at U+2028 and the like.
        if value.splitlines() not in ([], [value]):
            raise HeaderInjection(f"The email's {header} holds a line break (from {origin}); "
                                  "it was not sent.")
    from_address = _addresses(sender, "From")[0]
    _addresses(to, "To")
    message = EmailMessage(policy=SMTP_POLICY)
    message["Message-ID"] = make_msgid(domain=from_address.domain)
    message["Date"] = format_datetime(now)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    if automated:
        # RFC 3834: auto-responders and vacation replies leave this alone.
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8")
    return message


def _addresses(text: str, header: str) -> list[Address]:
    """Every address in `text`: at least one, each well-formed."""
    if not text.strip():
        raise DeskError(f"The email has no address in {header}; it was not sent.")
    addresses = [_address(name, addr) for name, addr in getaddresses([text]) if name or addr]
    if not addresses or None in addresses:
        raise DeskError(f"The email's {header} {text!r} is not a valid email address; "
                        "it was not sent.")
    return [address for address in addresses if address]


def _address(name: str, addr: str) -> Address | None:
    try:
        address = Address(name, addr_spec=addr)
    except (ValueError, IndexError, MessageError):
        return None  # the email package's reasons read as parser jargon
    return address if address.username and address.domain else None
