"""Email in, on screen (issue 13): the conversation in ticket detail (C1), the
reply editor and notes, the channels and email triggers of the Automate tab
(A1, A3a, A3b), the quarantine list, and fetching while the app is open.

Mail comes in through the desk's one intake path (`take_in`) from a channel
the administrator connected; replies go out to a real SMTP server on
loopback (tests/mail_fixtures.py). Snapshots are in snapshots/test_tui_mail/.
"""

from __future__ import annotations

import mailbox
import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from mail_fixtures import Inbox, use_smtp
from textual.app import App
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from core.mail.intake import take_in
from core.model import SmtpSettings
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.dialogs import ConfirmDialog
from tui.screens.reply_dialog import ReplyDialog
from tui.screens.ticket_detail import TicketDetailScreen
from tui.widgets.conversation import folded

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)
DESK_ADDRESS = "support@pipedesk.example"
KARI = "kari.hansen@example.no"

# The signature line is "-- " (with its space: RFC 3676 4.3).
FIRST = ("Hello,\n\nI was charged twice for the May invoice. Could you refund one of them?"
         "\n\n-- \nKari Hansen\nHansen Bakeri AS\n")

ANSWER = """Thank you, that was quick!

On Mon, 23 Nov 2026, Support wrote:
> We refunded the second charge today.
> It shows on your account within three days.
> Kind regards, Support
"""


def raw_mail(subject: str, text: str, message_id: str, sender: str = KARI,
             name: str = "Kari Hansen", in_reply_to: str | None = None,
             date: datetime = NOW - timedelta(hours=1)) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = DESK_ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = format_datetime(date)
    if in_reply_to is not None:
        message["In-Reply-To"] = f"<{in_reply_to}>"
        message["References"] = f"<{in_reply_to}>"
    message.set_content(text)
    return message.as_bytes()


def mail_desk(path: Path, clock_at: datetime = NOW) -> Desk:
    """A desk whose support address is a channel into Support pipeline,
    sending through `[mail] from` that address."""
    desk = open_desk(path, clock=fixed_clock(clock_at))
    desk.add_channel(DESK_ADDRESS, "0", A)
    desk.set_sender(DESK_ADDRESS, A)
    return desk


def ticket_from_kari(desk: Desk) -> str:
    intake = take_in(desk, raw_mail("Invoice was charged twice", FIRST, "first@example.no"))
    assert intake.outcome == "created", intake
    assert intake.ticket is not None
    return intake.ticket


def screen_text(app: App[Any]) -> str:
    """The terminal's text, what a user reads."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


class DetailHost(App[None]):
    """Stands in for the board: it pushes the detail screen and stays below."""

    CSS_PATH = SCREENS_CSS

    def __init__(self, desk: Desk, ticket_id: str) -> None:
        super().__init__()
        self.desk = desk
        self.ticket_id = ticket_id

    def on_mount(self) -> None:
        self.push_screen(TicketDetailScreen(self.desk, A, self.ticket_id))


def conversation_desk(path: Path) -> tuple[Desk, str]:
    """Kari's mail (with a signature), the agent's reply, a note, and
    Kari's answer quoting the reply."""
    early = mail_desk(path, NOW - timedelta(minutes=50))
    ticket = ticket_from_kari(early)
    sent = early.reply(ticket, "We refunded the second charge today.", A)
    early.add_note(ticket, "Refund approved by Ingrid.", A)
    desk = open_desk(path, clock=fixed_clock(NOW))
    take_in(desk, raw_mail(f"Re: Invoice was charged twice [#{ticket}]", ANSWER,
                           "answer@example.no", in_reply_to=sent.message_id,
                           date=NOW - timedelta(minutes=5)))
    return desk, ticket


# -- the conversation (C1) ------------------------------------------------------------


def test_c1_quoted_history_and_signatures_fold_apart_from_the_text() -> None:
    runs = folded(FIRST.rstrip("\n") + "\n")
    assert [(r.kind, len(r.lines)) for r in runs] == [("text", 4), ("signature", 4)]
    assert [r.kind for r in folded(ANSWER)] == ["text", "quote", "text"]


@pytest.mark.anyio
async def test_c1_the_conversation_shows_in_out_and_note_oldest_first_and_z_unfolds(
        tmp_path: Path) -> None:
    desk, ticket = conversation_desk(tmp_path)
    app = DetailHost(desk, ticket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Conversation (4)" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        text = screen_text(app)
        headings = [f"← In  2026-11-23 08:00  Kari Hansen <{KARI}>",
                    f"to {DESK_ADDRESS} · Invoice was charged twice",
                    f"→ Out  2026-11-23 08:10  {DESK_ADDRESS}",
                    f"to {KARI} · Re: Invoice was charged twice [#{ticket}]",
                    "✎ Note  2026-11-23 08:10  Administrator",
                    f"← In  2026-11-23 08:55  Kari Hansen <{KARI}>"]
        at = 0
        for heading in headings:  # oldest first
            at = text.index(heading, at) + 1
        assert "I was charged twice for the May invoice." in text
        assert "Refund approved by Ingrid." in text
        assert "… 4 signature lines folded · z unfolds" in text
        assert "Hansen Bakeri AS" not in text
        await pilot.press("G")  # the newest, at the end
        await settle(pilot)
        text = screen_text(app)
        assert "… 3 quoted lines folded · z unfolds" in text
        assert "within three days" not in text
        await pilot.press("z")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)
        text = screen_text(app)
        assert "> It shows on your account within three days." in text
        assert "folded" not in text
        await pilot.press("z")
        await settle(pilot)
        assert "… 3 quoted lines folded" in screen_text(app)


@pytest.mark.anyio
async def test_c1_mail_taken_in_while_the_ticket_is_open_shows_at_once(tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    ticket = ticket_from_kari(desk)
    app = DetailHost(desk, ticket)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        assert "Conversation (1)" in screen_text(app)
        take_in(desk, raw_mail(f"Re: Invoice [#{ticket}]", "One more thing: the VAT.",
                               "more@example.no", in_reply_to="first@example.no"))
        await settle(pilot)
        assert "Conversation (2)" in screen_text(app)
        assert "One more thing: the VAT." in screen_text(app)


@pytest.mark.anyio
async def test_c1_escapes_in_mail_reach_the_screen_as_pictures(tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    intake = take_in(desk, raw_mail("Hi", "Look: \x1b[2J\x1b]0;pwned\x07 there", "esc@x.no"))
    assert intake.ticket is not None
    app = DetailHost(desk, intake.ticket)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("c")
        await settle(pilot)
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "Look: ␛[2J␛]0;pwned␇ there" in text


# -- replies and notes (C1, A3a) ------------------------------------------------------------


def received_by_desk(desk: Desk, ticket: str) -> str:
    [first] = [i for i in desk.conversation(ticket, A) if i.direction == "in"][:1]
    return first.message_id


@pytest.mark.anyio
async def test_done_when_r_reply_reaches_the_smtp_server_threaded_and_moves_the_ticket(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    """Issue 13's Done-when: the agent's `r` reply in the TUI reaches the
    loopback SMTP server, In-Reply-To Kari's message, and the ticket moves
    to Waiting on contact (A3a)."""
    inbox, settings = smtp_server
    desk = mail_desk(tmp_path)
    use_smtp(desk, settings, sender=DESK_ADDRESS)
    ticket = ticket_from_kari(desk)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_ticket(ticket)
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReplyDialog)
        text = screen_text(app)
        assert f"To  Kari Hansen <{KARI}>" in text
        assert "Ctrl+S or F2 sends" in text
        await pilot.press(*"We refunded it.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        started = time.monotonic()
        while not inbox.received and time.monotonic() - started < 5:
            await pilot.pause(0.05)
        [got] = inbox.received
        assert got["In-Reply-To"] == "<first@example.no>"
        assert got["To"] == f"Kari Hansen <{KARI}>"
        assert got["Subject"] == f"Re: Invoice was charged twice [#{ticket}]"
        assert got.get_content().strip() == "We refunded it."
        assert desk.ticket(ticket, A).stage == desk.stage("Waiting on contact", A)[1].id
        await settle(pilot)
        text = screen_text(app)
        assert "We refunded it." in text  # the conversation is in view
        assert "Waiting on contact" in text
        await pilot.press("escape")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)
        columns = {c.stage.label: [t.id for t in c.tickets] for c in board.columns}
        assert ticket in columns["Waiting on contact"] and ticket not in columns["New"]


@pytest.mark.anyio
async def test_c1_f2_sends_too_and_a_refusal_keeps_the_editor_open(tmp_path: Path) -> None:
    desk = open_desk(tmp_path, clock=fixed_clock(NOW))
    ticket = desk.create_ticket(A, "0", "New", "No contact here").id
    app = DetailHost(desk, ticket)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        assert "(no contact: set one in the ticket's properties)" in screen_text(app)
        await pilot.press(*"Hello", "f2")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReplyDialog)
        assert "has no contact to reply to" in dialog.error_text
        assert "✗ Ticket" in screen_text(app)
        # Escape with text typed asks before dropping it.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReplyDialog)
        await pilot.press("escape", "y")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        assert desk.conversation(ticket, A) == []


@pytest.mark.anyio
async def test_c1_the_send_button_is_reached_with_tab_and_a_bad_cc_is_named(
        tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    ticket = ticket_from_kari(desk)
    app = DetailHost(desk, ticket)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Thanks")
        await pilot.press("shift+tab", *"not an address", "tab", "tab")
        await pilot.press("enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ReplyDialog)
        assert "'not an address' is not an email address" in dialog.error_text
        await pilot.press("shift+tab", "shift+tab")
        dialog.query_one("#reply-cc").value = "ingrid@example.no"  # type: ignore[attr-defined]
        await pilot.press("tab", "tab", "enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        [_, sent] = desk.conversation(ticket, A)
        assert (sent.direction, sent.cc, sent.text) == ("out", ("ingrid@example.no",),
                                                        "Thanks")


@pytest.mark.anyio
async def test_c1_n_adds_a_note_that_is_not_sent(tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    ticket = ticket_from_kari(desk)
    app = DetailHost(desk, ticket)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("N")
        await settle(pilot)
        text = screen_text(app)
        assert "Add note to" in text and "To  " not in text and "Cc  " not in text
        await pilot.press(*"Call her back on Monday.", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketDetailScreen)
        assert "✎ Note  2026-11-23 09:00  Administrator" in screen_text(app)
        assert "Call her back on Monday." in screen_text(app)
    [_, note] = desk.conversation(ticket, A)
    assert note.direction == "note"
    outbox = desk.store.mail_spools().outbox
    assert not outbox.exists() or len(mailbox.Maildir(outbox, create=False)) == 0
    assert desk.ticket(ticket, A).stage == "1"  # still New: a note moves nothing (A3a is for mail)
