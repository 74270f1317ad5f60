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
from imap_fixtures import ImapServer
from mail_fixtures import Inbox, use_smtp
from textual.app import App
from tui_fixtures import DetailHost

from core import LOCAL_ADMIN, Desk, open_desk
from core.access import Actor
from core.clock import fixed_clock
from core.mail.intake import quarantine_of, take_in
from core.model import ImapSource, SmtpSettings, User
from tui.app import PipedeskApp
from tui.screens.automate import AutomateScreen
from tui.screens.board import BoardScreen
from tui.screens.dialogs import ConfirmDialog, MessageDialog
from tui.screens.quarantine import QuarantineScreen
from tui.screens.reply_dialog import ReplyDialog
from tui.screens.stage_picker import StagePicker
from tui.screens.ticket_detail import TicketDetailScreen

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
        assert "… 3 signature lines folded · z unfolds" in text
        assert "Hansen Bakeri AS" not in text
        await pilot.press("G")  # the newest, at the end
        await settle(pilot)
        text = screen_text(app)
        assert "… 4 quoted lines folded · z unfolds" in text
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
        assert "… 4 quoted lines folded" in screen_text(app)


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
async def test_done_when_the_answer_to_r_fetched_from_dovecot_moves_and_reopens_the_ticket(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings], imap_server: ImapServer,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The rest of issue 13's Done-when, in the open app: the contact's
    answer to the `r` reply, delivered to a real Dovecot, is fetched by the
    app (IMAP IDLE), lands on the same ticket and moves it to Waiting on us
    (A3b); the same answer to a Closed ticket reopens it (A3d)."""
    inbox, settings = smtp_server
    monkeypatch.setenv("DESK_IMAP_PASSWORD", imap_server.password)
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.add_channel(DESK_ADDRESS, "0", A, imap=ImapSource(
        host=imap_server.host, port=imap_server.port, security="starttls",
        user=imap_server.user, password_env="DESK_IMAP_PASSWORD",
        ca_file=str(imap_server.ca_file)))
    use_smtp(desk, settings, sender=DESK_ADDRESS)
    imap_server.deliver(raw_mail("Invoice was charged twice", FIRST, "first@example.no"))
    app = PipedeskApp(desk)

    async def until(what: str, holds: Any) -> None:
        started = time.monotonic()
        while not holds() and time.monotonic() - started < 15:
            await pilot.pause(0.05)
        assert holds(), what

    def stage_of(ticket_id: str) -> str:
        desk.refresh()
        return desk.stage(desk.ticket(ticket_id, A).stage, A)[1].label

    async with app.run_test(size=SIZE) as pilot:
        await until("the first mail made a ticket", lambda: desk.refresh() or desk.tickets(A))
        [ticket] = [t.id for t in desk.tickets(A)]
        app.open_ticket(ticket)
        await settle(pilot)
        await pilot.press("r", *"We refunded it.", "ctrl+s")
        await until("the reply reached the SMTP server", lambda: inbox.received)
        [reply] = inbox.received
        assert reply["In-Reply-To"] == "<first@example.no>"
        assert stage_of(ticket) == "Waiting on contact"
        answer = raw_mail(f"Re: Invoice was charged twice [#{ticket}]", "Thanks!",
                          "answer@example.no", in_reply_to=str(reply["Message-ID"]).strip("<>"))
        imap_server.deliver(answer)
        await until("the answer moved the ticket", lambda: stage_of(ticket) == "Waiting on us")
        assert [i.direction for i in desk.conversation(ticket, A)] == ["in", "out", "in"]
        await settle(pilot)
        await until("the conversation shows it", lambda: "Thanks!" in screen_text(app))
        desk.move_ticket(ticket, "Closed", A)
        imap_server.deliver(answer.replace(b"answer@example.no", b"again@example.no"))
        await until("the answer reopened the ticket", lambda: stage_of(ticket) == "New")
        assert desk.ticket(ticket, A).close_date is None
        assert [t.id for t in desk.tickets(A)] == [ticket]
    assert imap_server.unseen() == []


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


# -- the Automate tab: channels (A1) and email triggers (A3a / A3b) ------------------------


def automate_rows(app: App[Any]) -> list[str]:
    screen = app.screen
    assert isinstance(screen, AutomateScreen)
    return [str(screen.table.get_row_at(n)[0]).strip() for n in range(screen.table.row_count)]


def go_to_row(app: App[Any], text: str) -> None:
    screen = app.screen
    assert isinstance(screen, AutomateScreen)
    screen.table.move_cursor(row=[r.startswith(text) for r in automate_rows(app)].index(True))


async def open_automate(app: PipedeskApp, pilot: Any) -> None:
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    assert isinstance(app.screen, AutomateScreen)


@pytest.mark.anyio
async def test_a1_the_channels_section_switches_create_tickets(tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    desk.add_channel("sales@pipedesk.example", "0", A, stage="Waiting on us",
                     maildir=str(tmp_path / "sales"))
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await open_automate(app, pilot)
        rows = automate_rows(app)
        at = rows.index("Connected channels")
        assert rows[at + 1:at + 3] == [
            f"{DESK_ADDRESS} → New · create tickets: on",
            "sales@pipedesk.example → Waiting on us · create tickets: on"]
        go_to_row(app, "sales@")
        await settle(pilot)
        assert "Source: Maildir " in screen_text(app)
        assert "o: new mail creates tickets on / off" in screen_text(app)
        assert "o On/off" in screen_text(app).splitlines()[-1]
        await pilot.press("o")
        await settle(pilot)
        assert not desk.config.channel("sales@pipedesk.example").create_tickets  # type: ignore[union-attr]
        assert "sales@pipedesk.example → Waiting on us · create tickets: off" in automate_rows(app)
        await pilot.press("enter")  # Enter on a channel switches it too
        await settle(pilot)
        assert desk.config.channel("sales@pipedesk.example").create_tickets  # type: ignore[union-attr]
    # New mail to a channel switched off makes no ticket (A1).
    desk.set_channel_create_tickets(DESK_ADDRESS, False, A)
    intake = take_in(desk, raw_mail("Hello", "Anyone there?", "hello@example.no"))
    assert intake.ticket is None and intake.outcome == "ignored"


@pytest.mark.anyio
async def test_a3_a_trigger_is_switched_off_and_its_stage_changed(tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await open_automate(app, pilot)
        assert "An email is sent to a customer (A3a) → Waiting on contact: on" in \
            automate_rows(app)
        go_to_row(app, "An email is sent")
        await pilot.press("o")
        await settle(pilot)
        assert desk.pipeline("0", A).automation.email_sent.on is False
        assert "An email is sent to a customer (A3a) → Waiting on contact: off" in \
            automate_rows(app)
        go_to_row(app, "A customer replies")
        await pilot.press("s")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, StagePicker)
        assert "● Waiting on us" in screen_text(app)  # the stage it moves to now
        await pilot.press("k", "enter")  # one up: Waiting on contact
        await settle(pilot)
        assert isinstance(app.screen, AutomateScreen)
        assert desk.pipeline("0", A).automation.customer_replied.stage == "2"
        assert "A customer replies to an email (A3b) → Waiting on contact: on" in \
            automate_rows(app)
    # A3a off: a reply leaves the ticket where it is.
    ticket = ticket_from_kari(desk)
    desk.reply(ticket, "On it.", A)
    assert desk.ticket(ticket, A).stage == "1"


@pytest.mark.anyio
async def test_a3_an_agent_reads_the_mail_sections_and_the_desk_refuses_changes(
        tmp_path: Path) -> None:
    desk = mail_desk(tmp_path)
    desk.add_users([User(id="ingrid", name="Ingrid Berg")], A)
    app = PipedeskApp(desk, Actor.user("ingrid"))
    async with app.run_test(size=SIZE) as pilot:
        await open_automate(app, pilot)
        go_to_row(app, DESK_ADDRESS)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "administrator" in app.screen.message.lower()
        await pilot.press("enter")
        await settle(pilot)
        go_to_row(app, "An email is sent")
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)  # refused before the picker opens
        await pilot.press("enter")
    assert desk.config.channel(DESK_ADDRESS).create_tickets  # type: ignore[union-attr]
    assert desk.pipeline("0", A).automation.email_sent.stage == "2"


# -- the quarantine ------------------------------------------------------------------------

# Mail to an address no channel takes: kept aside (no channel).
STRAY = raw_mail("Order 1234", "Where is my order?", "stray@example.no")


def stray_desk(path: Path) -> Desk:
    desk = open_desk(path, clock=fixed_clock(NOW))
    assert take_in(desk, STRAY).outcome == "quarantined"
    return desk


@pytest.mark.anyio
async def test_a1_the_quarantine_lists_a_reason_and_t_takes_it_again(tmp_path: Path) -> None:
    desk = stray_desk(tmp_path)
    [kept] = quarantine_of(desk).items()
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, QuarantineScreen)
        text = screen_text(app)
        assert "1 message kept aside" in text
        assert kept.reason[:30] in text
        assert "2026-11-23 09:00" in text
        # Still no channel: taken again, kept aside again, and said so.
        await pilot.press("t")
        await settle(pilot)
        assert "✗ Still kept aside:" in screen_text(app)
        assert len(quarantine_of(desk).items()) == 1
        desk.add_channel(DESK_ADDRESS, "0", A)
        await pilot.press("t")
        await settle(pilot)
        [ticket] = desk.tickets(A)
        assert f"✓ Taken: it made ticket #{ticket.id}." in screen_text(app)
        assert "The quarantine is empty" in screen_text(app)
        assert quarantine_of(desk).items() == []
        assert ticket.subject == "Order 1234"


@pytest.mark.anyio
async def test_a1_the_palette_opens_the_quarantine(tmp_path: Path) -> None:
    desk = stray_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("colon", *"quarantine")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, QuarantineScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)


# -- fetching while open (A1) ---------------------------------------------------------------


def maildir_with(path: Path, raws: list[bytes]) -> Path:
    box = mailbox.Maildir(path, create=True)
    for raw in raws:
        box.add(raw)
    return path


@pytest.mark.anyio
async def test_a1_mail_in_a_channel_s_maildir_shows_on_the_open_board(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.app

    monkeypatch.setattr(tui.app, "MAIL_POLL_SECONDS", 0.2)
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    source = maildir_with(tmp_path / "mail", [])
    desk.add_channel(DESK_ADDRESS, "0", A, maildir=str(source))
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        mailbox.Maildir(source).add(raw_mail("Printer on fire", "Help!", "fire@example.no"))
        started = time.monotonic()
        while "Printer on fire" not in screen_text(app) and time.monotonic() - started < 10:
            await pilot.pause(0.1)
        assert "Printer on fire" in screen_text(app)
        [ticket] = desk.tickets(A)
        assert ticket.contact == KARI


@pytest.mark.anyio
async def test_a1_a_channel_that_cannot_be_fetched_is_a_notice_not_a_crash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tui.app

    monkeypatch.setattr(tui.app, "MAIL_POLL_SECONDS", 0.2)
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.add_channel(DESK_ADDRESS, "0", A, maildir=str(tmp_path / "no-such-maildir"))
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        started = time.monotonic()
        while "Mail not fetched" not in screen_text(app) and time.monotonic() - started < 5:
            await pilot.pause(0.1)
        text = screen_text(app)
        assert "Mail not fetched" in text
        assert f"{DESK_ADDRESS}:" in text
        assert isinstance(app.screen, BoardScreen)


# -- snapshots: look at them as pictures before accepting a change --------------------------


def test_snapshot_conversation(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket = conversation_desk(tmp_path)

    async def open_conversation(pilot: Any) -> None:
        pilot.app.open_ticket(ticket)
        await pilot.pause()
        await pilot.press("c")

    assert snap_compare(PipedeskApp(desk), run_before=open_conversation, terminal_size=SIZE)


def test_snapshot_reply_editor(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket = conversation_desk(tmp_path)

    async def write(pilot: Any) -> None:
        pilot.app.open_ticket(ticket)
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"Hello Kari,", "enter", "enter", *"the refund is on its way.")

    assert snap_compare(PipedeskApp(desk), run_before=write, terminal_size=SIZE)


def test_snapshot_automate_channels(tmp_path: Path, snap_compare: Any) -> None:
    # Both channels' mail is piped in: an IMAP source would be fetched while
    # the picture is taken (what a failing fetch shows is tested above).
    desk = mail_desk(tmp_path)
    desk.add_channel("sales@pipedesk.example", "0", A, stage="Waiting on us",
                     create_tickets=False)
    desk.set_email_trigger("0", "customer-replied", A, on=False)

    async def to_channels(pilot: Any) -> None:
        await pilot.press("a", "G", "k", "k", "k")

    assert snap_compare(PipedeskApp(desk), run_before=to_channels, terminal_size=SIZE)


def test_snapshot_quarantine(tmp_path: Path, snap_compare: Any) -> None:
    desk = stray_desk(tmp_path)
    take_in(desk, b"\xff\xfe not mail at all")

    async def open_quarantine(pilot: Any) -> None:
        await pilot.press("M")

    assert snap_compare(PipedeskApp(desk), run_before=open_quarantine, terminal_size=SIZE)
