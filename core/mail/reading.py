"""Reading one incoming message: from the raw bytes of an RFC 5322 message
to what the desk keeps of it (issue 13, items 4 and 6). Pure: nothing here
touches the desk, a file or the network.

Mail comes from every program there is, and many of them bend the rules,
so the reading is lenient where being strict would lose the thread:

- Message-ID, In-Reply-To and References are read from the header's own
  text, not through the email package's strict parser, which drops ids
  without angle brackets, with a comment after them, or separated by
  commas: `<...>` tokens are taken, else the bare tokens with an "@".
- The text is decoded as core/mail/decoding.py says, whatever the charset
  claims; an HTML-only message is made text.
- Everything a terminal could obey is made harmless (core/text.py): the
  subject, names and attachment names are one plain line, the text shows
  each control character as a visible one.

A message that cannot be read as mail at all raises `Unreadable`, whose
message says why; the desk keeps it in quarantine.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.header import decode_header, make_header
from email.headerregistry import BaseHeader
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from core.errors import DeskError
from core.events import Attachment
from core.mail.decoding import decoded, html_as_text
from core.mail.message import HeaderClasses
from core.text import plain_line, show_text

__all__ = ["MAX_MAIL_BYTES", "IncomingMail", "Unreadable", "attachment_bytes", "read_mail"]

# A message larger than this is not taken in: mail servers refuse far less
# (25 to 35 MB is usual), so only something that is no mail gets here.
MAX_MAIL_BYTES = 40 * 1024 * 1024


class _KeptHeaders(HeaderClasses):
    """`policy.default`'s headers, with the parsed form of the MIME headers
    kept: the email package parses Content-Type again each time a part's
    type is asked (a dozen times a message, 0.1 ms each), and mail holds
    few distinct values of them. Header objects are not changed once made,
    so one can serve every message."""

    _KEPT = frozenset(("content-type", "content-disposition", "content-transfer-encoding",
                       "mime-version"))
    _MOST = 2048

    def __init__(self) -> None:
        super().__init__()  # the header classes kept, as mail out keeps them
        self._parsed: dict[tuple[str, str], BaseHeader] = {}

    def __call__(self, name: str, value: str) -> BaseHeader:
        if name.lower() not in self._KEPT:
            made: BaseHeader = self[name](name, value)
            return made
        key = (name.lower(), value)
        parsed = self._parsed.get(key)
        if parsed is None:
            if len(self._parsed) >= self._MOST:
                self._parsed.clear()
            parsed = self._parsed[key] = self[name](name, value)
        return parsed


# The modern policy (`policy.default`), reading: LF line ends, as the
# Maildir keeps mail.
POLICY = policy.default.clone(header_factory=_KeptHeaders())


class Unreadable(DeskError):
    """The bytes will not parse as an email; the message says why."""


@dataclass(frozen=True)
class IncomingMail:
    message_id: str | None  # without <>, as read leniently
    in_reply_to: list[str]  # ids, without <>
    references: list[str]  # ids, oldest first
    sender: str  # the From address, lower-cased
    sender_name: str
    to: list[str]
    cc: list[str]
    recipients: list[str]  # To, Cc, Delivered-To, X-Original-To, Envelope-To
    subject: str  # one line, decoded
    date: datetime | None
    text: str  # the body as text
    attachments: list[Attachment] = field(default_factory=list)
    auto: str = ""  # why it is machine mail ("" if a person sent it)
    forwarded: bool = False  # A3c: however the client marks it
    digest: str = ""  # sha256 of the raw bytes


# -- the whole message -------------------------------------------------------------------


def read_mail(raw: bytes) -> IncomingMail:
    """What the desk keeps of the message `raw`; `Unreadable` saying why
    when it is no email."""
    message = _parsed(raw)
    headers = _RawHeaders(message)
    try:
        return _read(message, headers, raw)
    except Unreadable:
        raise
    except Exception as err:
        # The email package reads headers and parts lazily, and on broken
        # input it has raised IndexError, AttributeError, ValueError and
        # more over the years: whatever it raises, the message is
        # unreadable, not the ingest broken.
        raise Unreadable(f"the email package could not read it ({type(err).__name__}: "
                         f"{plain_line(str(err))[:200]})") from None


def _parsed(raw: bytes) -> EmailMessage:
    if len(raw) > MAX_MAIL_BYTES:
        raise Unreadable(f"it is {len(raw) / 1024 / 1024:.0f} MB, more than the "
                         f"{MAX_MAIL_BYTES // 1024 // 1024} MB a message may be")
    if not raw.strip():
        raise Unreadable("it is empty")
    if not _HEADER_LINE.match(raw):
        raise Unreadable("it is not an email: no headers (its first line is no header)")
    try:
        message = BytesParser(policy=POLICY).parsebytes(raw)
    except Exception as err:  # as in read_mail: whatever the parser raises
        raise Unreadable(f"the email package could not read it ({type(err).__name__})") from None
    assert isinstance(message, EmailMessage)  # what POLICY's message factory makes
    return message


# A header line ("Name: value"), after the mbox "From " line an MTA's pipe
# may put first.
_HEADER_LINE = re.compile(rb"(?:From [^\n]*\n)?[!-9;-~]+[ \t]*:")


def _read(message: EmailMessage, headers: _RawHeaders, raw: bytes) -> IncomingMail:
    sender_name, sender = _first_address(headers, "From")
    if "@" not in sender:
        raise Unreadable("it has no From address")
    body = _body_part(message)
    text = _text_of(body) if body is not None else ""
    report = message.get_content_type() == "multipart/report"
    auto = _machine(message, headers, sender, report)
    references = headers.ids("References")
    if auto:
        references += [i for i in _returned_ids(message, text, report) if i not in references]
    to = _addresses(headers, "To")
    cc = _addresses(headers, "Cc")
    delivered = [a.lower() for name in ("Delivered-To", "X-Original-To", "Envelope-To")
                 for a in headers.bare_addresses(name)]
    subject = _subject(message, headers)
    message_ids = headers.ids("Message-ID")
    return IncomingMail(
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=headers.ids("In-Reply-To"),
        references=references,
        sender=sender.lower(),
        sender_name=sender_name,
        to=to,
        cc=cc,
        recipients=list(dict.fromkeys(to + cc + delivered)),
        subject=subject,
        date=_date(headers.first("Date")),
        text=text,
        attachments=[attachment for attachment, _ in _attachments(message, body)],
        auto=auto,
        forwarded=_forwarded(message, headers, subject, report),
        digest=hashlib.sha256(raw).hexdigest(),
    )


# -- headers -----------------------------------------------------------------------------


class _RawHeaders:
    """The headers' own text, by lower-cased name, read once."""

    def __init__(self, message: Message) -> None:
        self._values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            self._values.setdefault(name.lower(), []).append(str(value))

    def all(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def has(self, name: str) -> bool:
        return name.lower() in self._values

    def ids(self, name: str) -> list[str]:
        """The message ids in every `name` header, without <>, each once."""
        found: list[str] = []
        for value in self.all(name):
            found += _ids_in(value)
        return list(dict.fromkeys(found))

    def bare_addresses(self, name: str) -> list[str]:
        """Addresses in headers an MTA writes (Delivered-To ...): bare or
        in <>, no display names."""
        return [token.strip("<>") for value in self.all(name)
                for token in re.split(r"[\s,]+", value) if "@" in token]


_BRACKETED_ID = re.compile(r"<([^<>]*)>")
_COMMENT = re.compile(r"\([^()]*\)")
_FOLDING = re.compile(r"\r?\n[ \t]*")


def _ids_in(value: str) -> list[str]:
    value = _FOLDING.sub(" ", value)
    bracketed = [found.strip() for found in _BRACKETED_ID.findall(value)]
    if any(bracketed):
        return [i for i in bracketed if i]
    # No brackets at all: the tokens that look like an id (a comment such as
    # "(Joe's message of ...)" is no id).
    return [token for token in re.split(r"[\s,;]+", _COMMENT.sub(" ", value)) if "@" in token]


def _subject(message: EmailMessage, headers: _RawHeaders) -> str:
    raw = headers.first("Subject") or ""
    if _has_raw_bytes(raw):
        # Raw 8-bit bytes, which the email package reads as UTF-8 or not at
        # all ("�"): read as what they are, then any encoded words.
        return _name(_FOLDING.sub(" ", raw))
    return plain_line(str(message.get("Subject", "")))


def _has_raw_bytes(text: str) -> bool:
    return any("\udc80" <= char <= "\udcff" for char in text)


def _unescaped(text: str) -> str:
    """Header text as decoded, with raw 8-bit bytes (which the email
    package keeps as surrogates) read as UTF-8, the encoding RFC 6532 gives
    them, else as what they most likely are."""
    if not _has_raw_bytes(text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Detection needs more than a header's few letters: a name "Åsa" in
    # Latin-1 is three bytes, and guessed as Chinese. Text mostly of 8-bit
    # bytes is in a multi-byte charset (Japanese, Chinese ...), for
    # detection; a few among ASCII are Western European, as most such
    # mail is.
    high = sum(byte >= 0x80 for byte in data)
    if high >= 8 and high * 10 >= len(data) * 3:
        return decoded(data, None)
    return decoded(data, "cp1252")


_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_BETWEEN_WORDS = re.compile(r"(?<=\?=)\s+(?==\?)")


def _word(found: re.Match[str]) -> str:
    """One RFC 2047 encoded word, decoded; as it was sent when its charset
    is one Python lacks or it is broken."""
    try:
        return str(make_header(decode_header(found.group())))
    except (HeaderParseError, LookupError, UnicodeError, ValueError):
        return found.group()


def _name(text: str) -> str:
    """A display name decoded (raw UTF-8, RFC 2047 words), as one plain
    line."""
    text = _unescaped(text)
    if "=?" in text:
        # Word by word: text may mix raw 8-bit with encoded words, which
        # `decode_header` refuses as a whole. The space between two words
        # is no part of the text (RFC 2047, 6.2).
        text = _ENCODED_WORD.sub(_word, _BETWEEN_WORDS.sub("", text))
    return plain_line(text)


def _address_list(headers: _RawHeaders, name: str) -> list[tuple[str, str]]:
    # The header's own text through `getaddresses`, not the email package's
    # header objects: those take 0.7 ms an address list, most of the time
    # of reading a message. Encoded words hold no comma or quote, so the
    # text splits right before they are decoded.
    return [(display, address) for display, address in getaddresses(headers.all(name))
            if "@" in address]


def _first_address(headers: _RawHeaders, name: str) -> tuple[str, str]:
    """The display name (a plain line) and address of the first address in
    `name`; ("", "") if it has none."""
    for display, address in _address_list(headers, name):
        return _name(display), _unescaped(address)
    return "", ""


def _addresses(headers: _RawHeaders, name: str) -> list[str]:
    """Every address in the `name` headers, lower-cased, each once: the desk
    compares addresses lower-cased."""
    return list(dict.fromkeys(_unescaped(a).lower() for _, a in _address_list(headers, name)))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = _FOLDING.sub(" ", value).strip()
    try:
        date = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            # Some programs write ISO 8601 ("2026-12-02T10:00:00Z").
            date = datetime.fromisoformat(value)
        except ValueError:
            return None
    # "-0000" says the zone is unknown: UTC, the one guess that is never
    # more than a day out.
    return date if date.tzinfo is not None else date.replace(tzinfo=UTC)


# -- the text ----------------------------------------------------------------------------


def _body_part(message: EmailMessage) -> EmailMessage | None:
    """The part that is the message's text: text/plain where there is one,
    else HTML."""
    body = message.get_body(preferencelist=("plain", "html"))
    if isinstance(body, EmailMessage):
        return body
    if message.get_content_maintype() == "multipart" and not message.is_multipart():
        # A multipart whose boundary never comes: the email package keeps
        # it all as text, and text it is.
        return message
    return None


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _text_of(part: EmailMessage) -> str:
    text = decoded(_payload(part), part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html_as_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return show_text(text.strip("\n"))


# -- attachments -------------------------------------------------------------------------


def _leaves(message: Message) -> Iterator[Message]:
    """The parts that hold something, in order; a message attached is one
    part (its own attachments are in it)."""
    if message.is_multipart() and message.get_content_maintype() == "multipart":
        for part in message.get_payload():
            assert isinstance(part, Message)
            yield from _leaves(part)
    else:
        yield message


def _is_attachment(part: Message) -> bool:
    if part.get_content_maintype() == "multipart":
        return False  # one without parts (its boundary never came)
    if part.get_content_maintype() != "text":
        return True
    # Text is an attachment when it says so or has a file name; otherwise
    # it is the body or another form of it (the HTML of an alternative).
    return (part.get_content_disposition() == "attachment"
            or part.get_filename() is not None)


def _attachments(message: EmailMessage,
                 body: Message | None) -> Iterator[tuple[Attachment, Message]]:
    for part in _leaves(message):
        if part is body or not _is_attachment(part):
            continue
        if part.get_content_type() == "message/delivery-status":
            continue  # the report's own fields, read as the bounce's text
        yield Attachment(name=_file_name(part), size=len(_bytes_of(part)),
                         type=part.get_content_type()), part


def _bytes_of(part: Message) -> bytes:
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload(0)
        try:
            return inner.as_bytes(policy=POLICY) if isinstance(inner, Message) else b""
        except Exception:
            # A broken message attached (the email package fails to write
            # it again) is no reason to refuse the one that carries it.
            return b""
    return _payload(part)


def _file_name(part: Message) -> str:
    """The attachment's name as one plain line, without any folder a
    sender put before it (a surface saves it under this name)."""
    name = plain_line(_unescaped(part.get_filename() or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if name in ("", ".", ".."):
        if part.get_content_maintype() == "message":
            return "message.eml"
        return f"attachment.{part.get_content_subtype() or 'bin'}"
    return name


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes]:
    """The name and content of attachment `index` (0 for the first of
    `read_mail(raw).attachments`), to be saved on request."""
    message = _parsed(raw)
    listed = list(_attachments(message, _body_part(message)))
    if not 0 <= index < len(listed):
        count = len(listed)
        raise DeskError(f"the message has no attachment {index}: it has {count}"
                        + (f" (0 to {count - 1})" if count else ""))
    attachment, part = listed[index]
    return attachment.name, _bytes_of(part)


# -- machine mail, bounces and forwards --------------------------------------------------

_MACHINE_SENDERS = ("mailer-daemon", "postmaster")
_LIST_PRECEDENCE = ("bulk", "junk", "list")


def _machine(message: EmailMessage, headers: _RawHeaders, sender: str, report: bool) -> str:
    """Why the message is machine mail, "" if a person sent it (issue 13,
    item 6): such mail threads to its ticket but moves and creates none."""
    if report:
        kind = (message.get_param("report-type") or "")
        if isinstance(kind, str) and kind.lower() == "disposition-notification":
            return "a read receipt (multipart/report)"
        return "a delivery report (multipart/report)"
    submitted = (headers.first("Auto-Submitted") or "no").strip().lower()
    if not submitted.startswith("no"):
        return f"Auto-Submitted: {plain_line(submitted)[:60]}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if headers.has(name):
            return f"an automatic reply ({name})"
    precedence = (headers.first("Precedence") or "").strip().lower()
    if precedence in _LIST_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("List-Id", "List-Unsubscribe"):
        if headers.has(name):
            return f"list mail ({name})"
    return_path = headers.first("Return-Path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "an empty Return-Path (a bounce or an automatic reply)"
    if sender.split("@", 1)[0].lower() in _MACHINE_SENDERS:
        return f"sent by {sender.split('@', 1)[0].lower()}"
    return ""


_ID_LINE = re.compile(r"(?im)^[ \t]*Message-ID:[ \t]*(.+)$")


def _returned_ids(message: EmailMessage, text: str, report: bool) -> list[str]:
    """The Message-IDs of the message a bounce returns: the headers in its
    report, or, in a bounce that is no report, "Message-ID:" lines in its
    text (so the bounce of our mail threads to its ticket)."""
    found: list[str] = []
    if report:
        for part in _leaves(message):
            found += _ids_of_returned_part(part)
    if not found:
        for value in _ID_LINE.findall(text):
            found += _ids_in(value)
    return found


def _ids_of_returned_part(part: Message) -> list[str]:
    # A message/* part (rfc822, global, rfc822-headers) the email package
    # has parsed as a message of its own; text/rfc822-headers is text.
    returned: Message
    if part.get_content_maintype() == "message" and part.is_multipart():
        inner = part.get_payload(0)
        if not isinstance(inner, Message):
            return []
        returned = inner
    elif part.get_content_type() == "text/rfc822-headers":
        returned = BytesHeaderParser(policy=POLICY).parsebytes(_payload(part))
    else:
        return []
    return _RawHeaders(returned).ids("Message-ID")


# Fwd:, Fw:, FW: (English), WG: (German), VS: (Norwegian, Danish), TR:
# (French), Doorst: (Dutch), RV: (Spanish), I: (Italian), Wtr: (Dutch),
# ENC: (Portuguese), in any case, after any number of replies' prefixes.
_FORWARD_SUBJECT = re.compile(
    r"(?i)^\s*(?:(?:re|sv|aw|antw)(?:\[\d+\])?\s*:\s*)*"
    r"(?:fwd?|wg|vs|tr|doorst|rv|i|wtr|enc)\s*:")


def _forwarded(message: EmailMessage, headers: _RawHeaders, subject: str, report: bool) -> bool:
    """Whether the message forwards another, however its program says so
    (A3c): such mail never moves a ticket."""
    if _FORWARD_SUBJECT.match(subject):
        return True
    if headers.has("X-Forwarded-Message-Id") or headers.has("X-Forwarded-For"):
        return True
    if report:
        return False  # the message in a delivery report is returned, not forwarded
    return any(part.get_content_type() in ("message/rfc822", "message/global")
               for part in _leaves(message))
