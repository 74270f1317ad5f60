"""Incoming mail for the mail-in tests: `message(...)` writes the raw bytes a
customer's mail program would send (headers as given, nothing added that a
test did not ask for beyond From/To/Date), `connect_channel` connects the
support address to the default pipeline as an administrator would, and
`comes_in` takes a message through the one intake path (core/mail/intake.py),
inbox and all."""

from __future__ import annotations

from core_fixtures import ADMIN

from core import Desk
from core.mail.intake import take_in
from core.mail.taking import Intake

SUPPORT = "support@pipedesk.example"
KARI = "kari@example.no"


def message(subject: str = "Printer on fire", body: str = "It burns.\n", *,
            sender: str = f"Kari Nordmann <{KARI}>", to: str = SUPPORT,
            message_id: str | None = "<first@example.no>", in_reply_to: str | None = None,
            references: str | None = None, headers: dict[str, str] | None = None,
            charset: str = "utf-8") -> bytes:
    """One message as bytes (LF line ends, as a Maildir has them)."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
             "Date: Mon, 23 Nov 2026 09:00:00 +0100"]
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    if in_reply_to is not None:
        lines.append(f"In-Reply-To: {in_reply_to}")
    if references is not None:
        lines.append(f"References: {references}")
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    lines += ["MIME-Version: 1.0", f"Content-Type: text/plain; charset={charset}",
              "Content-Transfer-Encoding: 8bit", ""]
    return "\n".join(lines).encode("ascii") + b"\n" + body.encode(
        "utf-8" if charset.lower() in ("us-ascii", "iso-8859-1") else charset)


def connect_channel(desk: Desk, create_tickets: bool = True) -> None:
    """A1: mail to the support address comes into the default pipeline."""
    desk.add_channel(SUPPORT, "0", ADMIN, create_tickets=create_tickets)


def comes_in(desk: Desk, raw: bytes, channel: str | None = None) -> Intake:
    return take_in(desk, raw, channel)
