"""Composing an email that any server and mail tool takes as well-formed,
and that reaches the address it was meant for and no other.

Header values may come from ticket data (a subject, a contact's name). An
address is therefore never written as text to be parsed again: it is an
`Address` object, its display name and its address kept apart however the
name looks (a name `Ève <evil@example.net>` is a name, quoted or encoded as
the email package sees fit). The server is told the recipients from the
stored addresses (`Outgoing.recipients`), never from a header. A line
break in a subject would let ticket data write headers of its own, so it is
refused and no message is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.errors import HeaderParseError, MessageError
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from core.errors import DeskError
from core.text import fits_line, plain_line, show_text


class HeaderClasses(HeaderRegistry):
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
POLICY = policy.default.clone(header_factory=HeaderClasses())
SMTP_POLICY = policy.SMTP.clone(header_factory=POLICY.header_factory)


class HeaderInjection(DeskError):
    """A header value holds a line break."""


class MailError(DeskError):
    """Mail could not be handed to the server; the message stays queued."""


@dataclass(frozen=True)
class Outgoing:
    """A message and its envelope: what the server is told (MAIL FROM, RCPT
    TO), which is where the mail goes, whatever the headers say."""

    message: EmailMessage
    sender: str
    recipients: tuple[str, ...]


# Line breaks of every kind, and the separators Python's str.splitlines
# reads as such: a header holding one would end early.
_LINE_BREAK = re.compile("[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def recipient(name: str, email: str) -> Address:
    """The address mail to a contact goes to: `email`, as stored, with
    `name` shown as its display name and nothing more."""
    # "=?" opens an RFC 2047 encoded word, which mail programs decode when
    # they read the header: a name "=?utf-8?b?...?=" would come back as
    # "Eve <evil@example.net>" and a reply would go there. Spaced out, it
    # reads as the characters it is.
    address = _address(plain_line(name).replace("=?", "= ?"), email.strip())
    if address is None:
        raise DeskError(f"The email address {email!r} is not a valid email address; "
                        "it was not sent.")
    return address


def sender_address(text: str) -> Address:
    """The one address `[mail] from` (or `[mail.smtp] from`) in desk.toml names."""
    if _LINE_BREAK.search(text):
        raise HeaderInjection("The email's From holds a line break (from [mail] from in "
                              "desk.toml); it was not sent.")
    if not text.strip():
        raise DeskError("The email has no address in From ([mail] from in desk.toml); "
                        "it was not sent.")
    try:
        found = POLICY.header_factory("From", text).addresses
    except (HeaderParseError, ValueError, IndexError):
        found = ()
    addresses = [_address(plain_line(a.display_name), a.addr_spec) for a in found]
    if len(addresses) != 1 or addresses[0] is None:
        raise DeskError(f"The email's From {text!r} ([mail] from in desk.toml) is not one "
                        "valid email address; it was not sent.")
    return addresses[0]


def compose(*, sender: str, to: Address, subject: str, body: str, now: datetime,
            automated: bool = True) -> Outgoing:
    """The message from `sender` (desk.toml's text) to `to` (from
    `recipient`), with its envelope."""
    if _LINE_BREAK.search(subject):
        raise HeaderInjection("The email's Subject holds a line break (from ticket data); "
                              "it was not sent.")
    from_address = sender_address(sender)
    message = EmailMessage(policy=SMTP_POLICY)
    message["Message-ID"] = make_msgid(domain=from_address.domain)
    message["Date"] = format_datetime(now)
    message["From"] = from_address
    message["To"] = to
    # The subject is a single-line field (core/text.py): controls that are
    # no line break (an ESC that would drive a terminal showing it) become
    # spaces.
    message["Subject"] = plain_line(subject)
    if automated:
        # RFC 3834: auto-responders and vacation replies leave this alone.
        message["Auto-Submitted"] = "auto-generated"
    # The body came from ticket data too, and a mail program may show it on
    # a terminal: shown as text (core/text.py), new lines kept.
    body = show_text(body)
    message.set_content(body if body.endswith("\n") else body + "\n", charset="utf-8")
    return Outgoing(message, from_address.addr_spec, (to.addr_spec,))


def _address(name: str, addr_spec: str) -> Address | None:
    """An address with a plain local part and domain, or None."""
    if not addr_spec or not fits_line(addr_spec) or " " in addr_spec:
        return None
    try:
        address = Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError, MessageError):
        return None  # the email package's reasons read as parser jargon
    if not address.username or not address.domain or address.addr_spec != addr_spec:
        return None
    return address
