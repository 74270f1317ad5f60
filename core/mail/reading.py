"""Reading one incoming message: from its raw bytes to what the desk keeps
(issue 13, items 4, 6, 7). No I/O, and nothing of the desk: `read_mail`
is a pure function, and `Unreadable` says why bytes are no email.

Real mail breaks every rule, so reading is lenient where senders are
sloppy and strict where it matters:

- The message is parsed with the standard library's `email` package in its
  compat32 policy: it keeps header values as the raw text they are, which
  is what lenient reading needs (Message-IDs without brackets, commas,
  comments), and it parses in a fraction of the modern policy's time (which
  builds a typed header object per header: most of the cost of reading a
  message). Headers are then decoded here, RFC 2047 words included, each
  into one plain line (core/text.py), so no control sequence survives.
- Text is decoded whatever the charset claims: the declared charset
  strictly, except that a part labelled ASCII or Latin-1 is tried as UTF-8
  first (mislabelled mail is mostly UTF-8 called Latin-1, and Latin-1
  accepts any byte, so it would never fail); then UTF-8; then detection
  (charset-normalizer, MIT: well kept, typed, pure Python); at last UTF-8
  with replacement characters. ISO-2022-JP is 7-bit, so its declared
  charset is the one tried first.
- HTML-only mail becomes text with inscriptis (Apache-2.0): it lays out
  lists and tables as text, and drops scripts and styles; loaded only when
  a message is HTML-only.
- Machine mail (auto-replies, bounces, lists) is named in `auto`, and a
  bounce's report gives up the Message-IDs of the message it returns, added
  to `references`, so a bounce of our mail threads to its ticket.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from core.errors import DeskError
from core.events import Attachment
from core.text import plain_line, show_text

# Larger than this is no customer's email: refused, and kept in the quarantine.
MAX_BYTES = 40 * 1024 * 1024

_ID_IN_BRACKETS = re.compile(r"<([^<>\s]{1,998})>")
_BARE_ID = re.compile(r"[^\s<>,;()\"]+@[^\s<>,;()\"]+")
_COMMENT = re.compile(r"\([^()]*\)")
# The first line of a header section: a field name and a colon (RFC 5322
# 2.2), or an mbox "From " line before it.
_HEADER_LINE = re.compile(rb"^(From [^\r\n]*\r?\n)?[!-9;-~]{1,100}:")
# Forwarded, however the client says so, in the help articles' languages
# and their neighbours' (en, de, sv/no/da, nl, fr, es/it, fi, pl), maybe
# after a "Re:".
_FORWARD_PREFIX = re.compile(
    r"(?i)^\s*(?:(?:re|sv|aw|antw|vs)\s*:\s*)*"
    r"(?:fwd?|fw|wg|vs|vb|tr|doorst|rv|i|wtr|enc|pd|vl)\s*:")
_AUTO_SENDERS = re.compile(r"(?i)^(mailer-daemon|postmaster)@")
_LATIN = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1",
                    "windows-1252", "cp1252"})


class Unreadable(DeskError):
    """The bytes will not parse as an email; the message says why."""


@dataclass(frozen=True)
class IncomingMail:
    message_id: str | None       # without <>, as read leniently
    in_reply_to: list[str]       # ids, without <>
    references: list[str]        # ids, oldest first (a bounce's report adds its own)
    sender: str                  # the From address
    sender_name: str
    to: list[str]
    cc: list[str]
    recipients: list[str]        # every address it was delivered to, lower case
    subject: str                 # one line, decoded
    date: datetime | None
    text: str                    # the body as text, shown harmlessly
    attachments: list[Attachment] = field(default_factory=list)
    auto: str = ""               # why it is machine mail; "" when a person wrote it
    forwarded: bool = False      # A3c
    digest: str = ""             # sha256 of the raw bytes


def read_mail(raw: bytes) -> IncomingMail:
    if not raw.strip():
        raise Unreadable("it is empty")
    if len(raw) > MAX_BYTES:
        raise Unreadable(f"it is {len(raw) // (1024 * 1024)} MB, more than the "
                         f"{MAX_BYTES // (1024 * 1024)} MB a message may be")
    if not _HEADER_LINE.match(raw.lstrip(b"\r\n")):
        raise Unreadable("it is not an email: it has no headers")
    try:
        message = message_from_bytes(raw, policy=compat32)
    except Exception as err:  # the email package's own failures are many
        raise Unreadable(f"the email package could not read it ({type(err).__name__})") \
            from None
    senders = _addresses(message, "From") or _addresses(message, "Sender")
    if not senders:
        raise Unreadable("it has no From address that can be read")
    sender_name, sender = senders[0]
    body, attachments, reported = _content(message)
    to = [a for _, a in _addresses(message, "To")]
    cc = [a for _, a in _addresses(message, "Cc")]
    delivered = [a for name in ("Delivered-To", "X-Original-To", "Envelope-To")
                 for _, a in _addresses(message, name)]
    subject = header_text(message, "Subject")
    references = _ids(message, "References")
    references += [i for i in reported if i not in references]
    own_ids = _ids(message, "Message-ID")
    return IncomingMail(
        message_id=own_ids[0] if own_ids else None,
        in_reply_to=_ids(message, "In-Reply-To"), references=references,
        sender=sender, sender_name=sender_name, to=to, cc=cc,
        recipients=list(dict.fromkeys(a.lower() for a in to + cc + delivered)),
        subject=subject, date=_date(message), text=body, attachments=attachments,
        auto=_machine(message, sender, reported), forwarded=_forwarded(message, subject),
        digest=hashlib.sha256(raw).hexdigest())


# -- headers ---------------------------------------------------------------------------


def _raw_values(message: Message, name: str) -> list[str]:
    return [str(v) for v in (message.get_all(name) or [])]


def header_text(message: Message, name: str) -> str:
    """A header's value decoded (RFC 2047), as one plain line."""
    values = _raw_values(message, name)
    return plain_line(_decoded(values[0])) if values else ""


def _decoded(value: str) -> str:
    if "=?" not in value:
        return value
    try:
        parts = decode_header(value)
    except Exception:
        return value
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            text.append(decode_bytes(chunk, charset))
        else:
            text.append(chunk)
    return "".join(text)


def _addresses(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) of each address in the header, readable ones only."""
    values = _raw_values(message, name)
    if not values:
        return []
    try:
        found = getaddresses(values)
    except Exception:
        return []
    return [(plain_line(_decoded(display)), plain_line(address).strip())
            for display, address in found
            if "@" in address and plain_line(address).strip() == address.strip()
            and " " not in address.strip()]


def _ids(message: Message, name: str) -> list[str]:
    """Message-IDs as clients really write them: in brackets, maybe with
    comments, commas or folded lines; bare when no brackets are there."""
    found: list[str] = []
    for value in _raw_values(message, name):
        value = _COMMENT.sub(" ", value)
        ids = _ID_IN_BRACKETS.findall(value) or _BARE_ID.findall(value)
        found += [plain_line(i).strip() for i in ids]
    return [i for i in dict.fromkeys(found) if i]


def _date(message: Message) -> datetime | None:
    values = _raw_values(message, "Date")
    if not values:
        return None
    try:
        return parsedate_to_datetime(values[0])
    except (TypeError, ValueError, IndexError):
        return None


# -- the body ----------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text, whatever the charset claims (see the module's docstring)."""
    declared = (charset or "").strip().strip('"').lower()
    tries = ["utf-8", declared] if declared in _LATIN or not declared else [declared, "utf-8"]
    for name in tries:
        if not name:
            continue
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    if declared in _LATIN and data.isascii():
        return data.decode("ascii")
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best)
    return data.decode("utf-8", errors="replace")


def _content(message: Message) -> tuple[str, list[Attachment], list[str]]:
    """The body's text, the attachments, and the ids a delivery report names."""
    plain: str | None = None
    html: str | None = None
    attachments: list[Attachment] = []
    reported: list[str] = []
    report = message.get_content_type() == "multipart/report"
    for part in _parts(message):
        kind = part.get_content_type()
        if report and kind in ("message/rfc822", "text/rfc822-headers"):
            reported += _reported_ids(part)
        elif _is_attachment(part, report):
            data = _payload(part)
            attachments.append(Attachment(name=_attachment_name(part, len(attachments)),
                                          size=len(data), type=kind))
        elif part.is_multipart() or kind == "message/delivery-status":
            continue
        elif kind == "text/plain" and plain is None:
            plain = decode_bytes(_payload(part), part.get_content_charset())
        elif kind == "text/html" and html is None:
            html = decode_bytes(_payload(part), part.get_content_charset())
    if plain is None and html is not None:
        plain = html_as_text(html)
    text = (plain or "").replace("\r\n", "\n").replace("\r", "\n")
    return show_text(text), attachments, reported


def _is_attachment(part: Message, report: bool) -> bool:
    """A file the message carries (a forwarded message too), not its text."""
    kind = part.get_content_type()
    if kind == "message/rfc822":
        return not report
    if part.is_multipart() or kind == "message/delivery-status":
        return False
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return bool(part.get_filename()) or disposition == "attachment" \
        or not kind.startswith("text/")


def _attachment_name(part: Message, n: int) -> str:
    name = plain_line(_decoded(part.get_filename() or "")).strip()
    if not name and part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            name = header_text(inner[0], "Subject") + ".eml"
    return name or f"part {n + 1}"


def _parts(message: Message) -> list[Message]:
    """Every part, depth first; a forwarded message inside counts as one
    attachment (its own parts are not this message's body)."""
    found = []
    stack = [message]
    while stack:
        part = stack.pop(0)
        found.append(part)
        if part.get_content_type() == "message/rfc822" and part is not message:
            continue
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack = [p for p in payload if isinstance(p, Message)] + stack
    return found


def _payload(part: Message) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _reported_ids(part: Message) -> list[str]:
    """The Message-ID of the message a delivery report returns."""
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return _ids(inner[0], "Message-ID")
        return []
    headers = message_from_bytes(_payload(part), policy=compat32)
    return _ids(headers, "Message-ID")


def html_as_text(html: str) -> str:
    from inscriptis import get_text

    try:
        return str(get_text(html))
    except Exception:  # a page inscriptis cannot lay out: its text, roughly
        return re.sub(r"<[^>]*>", " ", html)


# -- what kind of mail ------------------------------------------------------------------


def _machine(message: Message, sender: str, reported: list[str]) -> str:
    """Why the message is machine mail, "" when a person sent it."""
    def value(name: str) -> str:
        found = _raw_values(message, name)
        return found[0].strip().lower() if found else ""

    submitted = value("Auto-Submitted")
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted.split(';')[0]}"
    precedence = value("Precedence")
    if precedence in ("bulk", "junk", "list"):
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        if message.get(name) is not None:
            return name
    if message.get_content_type() == "multipart/report" or reported:
        return "a delivery report"
    if _AUTO_SENDERS.match(sender):
        return f"sent by {sender.split('@')[0].lower()}"
    return_path = _raw_values(message, "Return-Path")
    if return_path and return_path[0].strip() in ("<>", ""):
        return "an empty Return-Path"
    for name in ("List-Id", "List-Unsubscribe"):
        if message.get(name) is not None:
            return f"list mail ({name})"
    return ""


def _forwarded(message: Message, subject: str) -> bool:
    if _FORWARD_PREFIX.match(subject):
        return True
    if message.get("X-Forwarded-Message-Id") is not None \
            or message.get("X-Forwarded-For") is not None:
        return True
    if message.get_content_type() == "multipart/report":
        return False
    return any(part.get_content_type() == "message/rfc822"
               for part in _parts(message) if part is not message)


def attachment_bytes(raw: bytes, index: int) -> tuple[str, bytes]:
    """Attachment `index` (0-based, as `IncomingMail.attachments` lists
    them) of the raw message: its name and bytes, to save on request."""
    message = message_from_bytes(raw, policy=compat32)
    report = message.get_content_type() == "multipart/report"
    files = [part for part in _parts(message) if _is_attachment(part, report)]
    if not 0 <= index < len(files):
        raise DeskError(f"The message has no attachment {index + 1}; it has {len(files)}.")
    return _attachment_name(files[index], index), _payload(files[index])
