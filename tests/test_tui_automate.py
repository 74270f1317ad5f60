"""The Automate tab (issue 5 item 9), the action editor, templates, the log,
notifications (`!`) and the unread badge, driven by keys on the real app."""

from __future__ import annotations

import email
import mailbox
import time
from datetime import UTC, datetime
from email import policy
from pathlib import Path
from typing import Any

import pytest
from mail_fixtures import Inbox, use_smtp
from textual.app import App

from core import LOCAL_ADMIN, Desk, open_desk
from core.access import Actor
from core.automation.actions import (
    Branch,
    Delay,
    Notify,
    SendEmail,
    SetProperty,
    parse_path,
)
from core.clock import fixed_clock
from core.desk import TicketDraft
from core.model import SmtpSettings, User
from tui.app import PipedeskApp
from tui.screens.action_dialog import ActionDialog
from tui.screens.automate import AutomateScreen, DeleteActionDialog
from tui.screens.automation_log import AutomationLogScreen
from tui.screens.board import BoardScreen
from tui.screens.dialogs import MessageDialog
from tui.screens.notifications import NotificationsScreen
from tui.screens.table_screen import NEWEST_SHOWN
from tui.screens.templates import TemplateDialog, TemplatesScreen

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


def rows(app: App[Any]) -> list[str]:
    screen = app.screen
    assert isinstance(screen, AutomateScreen)
    return [str(screen.table.get_row_at(n)[0]).strip() for n in range(screen.table.row_count)]


def go_to(app: App[Any], text: str) -> None:
    screen = app.screen
    assert isinstance(screen, AutomateScreen)
    screen.table.move_cursor(row=[r.startswith(text) for r in rows(app)].index(True))


def outbox(desk: Desk) -> list[email.message.EmailMessage]:
    path = desk.store.mail_spools().outbox
    if not path.exists():
        return []
    return [email.message_from_bytes(m.as_bytes(), policy=policy.default)
            for m in mailbox.Maildir(path, factory=None, create=False)]


@pytest.mark.anyio
async def test_done_when_closing_a_ticket_on_the_board_emails_the_contact(desk: Desk) -> None:
    """Add *Send email: Ticket closed* to Closed in the Automate tab, then
    move a ticket to Closed on the board: within a second a well-formed
    email to its contact is in the outbox."""
    desk.add_contact("ada@example.com", A, name="Ada Lovelace")
    ticket = desk.create_ticket(A, "0", "Waiting on us", "Printer on fire",
                                contact="ada@example.com")
    app = PipedeskApp(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AutomateScreen)
        go_to(app, "Closed")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        # Kind: Send email (the first); Tab to the template, pick the second.
        await pilot.press("tab", "enter", "down", "enter")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AutomateScreen)
        assert "1. Send email: Ticket closed" in rows(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("l", "l")  # to the Waiting on us column
        await settle(pilot)
        started = time.monotonic()
        await pilot.press("greater_than_sign")
        while not outbox(desk) and time.monotonic() - started < 1:
            await pilot.pause(0.05)
        assert desk.ticket(ticket.id, A).stage == "4", screen_text(app)
        assert time.monotonic() - started < 1
        [sent] = outbox(desk)
        assert sent["To"] == "Ada Lovelace <ada@example.com>"
        assert sent["Subject"] == f"Your request is closed: Printer on fire [#{ticket.id}]"
        for header in ("Message-ID", "Date", "From", "Auto-Submitted"):
            assert sent[header], header
        assert desk.ticket(ticket.id, A).stage == "4"


@pytest.mark.anyio
async def test_done_when_with_smtp_the_email_reaches_the_server_within_a_second(
        desk: Desk, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    """The same with `[mail.smtp]` set: the app hands the message to a real
    SMTP server on loopback, and the outbox is empty again."""
    inbox, settings = smtp_server
    use_smtp(desk, settings)
    desk.add_contact("ada@example.com", A, name="Ada Lovelace")
    desk.add_action("0", "Closed", SendEmail(template="Ticket closed"), A)
    ticket = desk.create_ticket(A, "0", "Waiting on us", "Printer on fire",
                                contact="ada@example.com")
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l", "l")
        await settle(pilot)
        started = time.monotonic()
        await pilot.press("greater_than_sign")
        while not inbox.received and time.monotonic() - started < 1:
            await pilot.pause(0.05)
        assert desk.ticket(ticket.id, A).stage == "4"
        assert time.monotonic() - started < 1
        [got] = inbox.received
        assert (got["To"], got["From"]) == ("Ada Lovelace <ada@example.com>",
                                            "support@pipedesk.example")
        assert got["Auto-Submitted"] == "auto-generated"
        for _ in range(100):  # the log entry follows the delivery
            if any(i.result == "delivered" for i in desk.automation_log(A)):
                break
            await pilot.pause(0.05)
        assert [i.result for i in desk.automation_log(A)] == ["delivered", "queued"]
        assert outbox(desk) == []


@pytest.mark.anyio
async def test_switches_and_actions_from_the_keys(desk: Desk) -> None:
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert "Close date set on moves into Closed: on" in screen_text(app)
        await pilot.press("x", "z")
        await settle(pilot)
        automation = desk.pipeline("0", A).automation
        assert (automation.close_date, automation.include_chat) == (False, True)
        assert "Chat tickets run actions: on" in screen_text(app)
        # A delay on New, then a notification after it.
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ActionDialog)
        dialog.query_one("#kind").value = "delay"  # type: ignore[attr-defined]
        await settle(pilot)
        await pilot.press("tab", *"3 days")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)  # refused: not a duration
        assert "is not a duration" in app.screen.error_text
        dialog.query_one("#duration").value = "3d"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert desk.pipeline("0", A).stages[0].actions == [Delay(duration="3d")]
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#kind").value = "notify"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app)[1:3] == ["1. Delay 3d", "2. Notify the owner"]
        # Move the notification up, then comment on it.
        await pilot.press("K")
        await settle(pilot)
        assert rows(app)[1:3] == ["1. Notify the owner", "2. Delay 3d"]
        await pilot.press("c", *"Ask Ingrid first", "enter")
        await settle(pilot)
        assert "“Ask Ingrid first” — Administrator" in screen_text(app)
        # Delete this one and all after it (A4d).
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DeleteActionDialog)
        assert "1 action follows it" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        assert desk.pipeline("0", A).stages[0].actions == []


@pytest.mark.anyio
async def test_sla_targets_waiting_stages_and_breach_actions_in_the_tab(desk: Desk) -> None:
    """Issue 17 item 3 in the Automate tab: e on a priority's row sets its
    targets (a mistake is said in the prompt), e on "Clocks stop in" the
    waiting stages, n under SLA breach adds what a breach runs."""
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert "Urgent: no target" in rows(app)
        assert "Clocks stop in: Waiting on contact" in rows(app)
        go_to(app, "Urgent:")
        await pilot.press("e", *"30m soon", "enter")
        await settle(pilot)
        assert "'soon' is not a duration" in screen_text(app)  # the prompt stays
        await pilot.press(*["backspace"] * 4, *"4h", "enter")
        await settle(pilot)
        assert "Urgent: respond 30m · resolve 4h" in rows(app)
        target = desk.pipeline("0", A).sla.targets["urgent"]
        assert (target.respond, target.resolve) == ("30m", "4h")
        go_to(app, "Clocks stop in")
        await pilot.press("e", *["backspace"] * 30, *"Waiting on us", "enter")
        await settle(pilot)
        assert desk.pipeline("0", A).sla.waiting == [desk.stage("Waiting on us", A)[1].id]
        go_to(app, "SLA breach")
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one("#kind").value = "notify"  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [a.kind for a in desk.pipeline("0", A).sla.actions] == ["notify"]


@pytest.mark.anyio
async def test_the_comment_prompt_asks_for_a_comment(desk: Desk) -> None:
    desk.add_action("0", "New", Delay(duration="1h"), A)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        go_to(app, "1. Delay")
        await pilot.press("c")
        await settle(pilot)
        text = screen_text(app)
        assert "Comment on: Delay 1h" in text
        assert "Your comment, for every user to read" in text
        assert "Label" not in text


@pytest.mark.anyio
@pytest.mark.parametrize(("kind", "said", "not_said"), [
    ("branch", ["the property to test", "what to compare with"],
     ["(stage moves)", "empty clears the property"]),
    ("set-property", ["(stage moves)", "empty clears the property"],
     ["the property to test", "what to compare with"]),
])
async def test_the_action_dialog_s_hints_follow_its_kind(desk: Desk, kind: str,
                                                         said: list[str],
                                                         not_said: list[str]) -> None:
    """A branch tests a property; "set a property" writes one: each says so."""
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ActionDialog)
        app.screen.query_one("#kind").value = kind  # type: ignore[attr-defined]
        await settle(pilot)
        text = screen_text(app)
        assert all(words in text for words in said), text
        assert not any(words in text for words in not_said), text


@pytest.mark.anyio
async def test_delete_only_this_action_keeps_the_rest(desk: Desk) -> None:
    for value in ("one", "two"):
        desk.add_action("0", "New", SetProperty(property="content", value=value), A)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        go_to(app, "1. Set content")
        await pilot.press("d", "o")
        await settle(pilot)
        assert [r for r in rows(app) if "Set" in r] == ["1. Set content = two"]


@pytest.mark.anyio
async def test_an_agent_reads_the_tab_and_the_desk_refuses_changes(desk: Desk) -> None:
    desk.add_users([User(id="ingrid", name="Ingrid Berg")], A)
    desk.add_action("0", "New", Notify(owner=True), A)
    app = PipedeskApp(desk, Actor.user("ingrid"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(app)
        assert "(read-only)" in text and "Only administrators may change automation" in text
        go_to(app, "1. Notify")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        await pilot.press("enter")
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "Only administrators may change automation" in app.screen.message
        assert desk.pipeline("0", A).automation.close_date is True
        await pilot.press("enter", "c", *"Please keep this", "enter")
        await settle(pilot)
        comments = desk.pipeline("0", A).stages[0].actions[0].comments
        assert [c.text for c in comments] == ["Please keep this"]


@pytest.mark.anyio
async def test_templates_are_edited_in_the_tab(desk: Desk) -> None:
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "t")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, TemplateDialog)
        await pilot.press(*"Survey", "tab", *"How did we do?", "tab", *"Tell us.", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TemplatesScreen)
        made = desk.config.template("Survey")
        assert made is not None and (made.subject, made.body) == ("How did we do?", "Tell us.")
        await pilot.press("g", "d")  # the built-in Ticket received is first: refused
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "built-in template" in app.screen.message


@pytest.mark.anyio
async def test_notifications_screen_and_the_unread_badge(desk: Desk) -> None:
    desk.add_action("0", "Waiting on us", Notify(user="admin"), A)
    ticket = desk.create_ticket(A, "0", "New", "Printer on fire")
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "unread" not in screen_text(app)
        desk.move_ticket(ticket.id, "Waiting on us", A)  # as another terminal might
        await settle(pilot)
        assert "! 1 unread" in screen_text(app)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, NotificationsScreen)
        text = screen_text(app)
        assert "Notifications — 1, 1 new" in text
        assert f"Ticket #{ticket.id} “Printer on fire” entered Waiting on us." in text
        assert desk.unread_count(A) == 0
        await pilot.press("enter")
        await settle(pilot)
        assert "Printer on fire" in screen_text(app)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        assert "unread" not in screen_text(app)


@pytest.mark.anyio
async def test_a_long_inbox_shows_its_newest_and_follows_new_ones(desk: Desk) -> None:
    """A busy desk's inbox runs to thousands: the screen lists the newest
    NEWEST_SHOWN and says how many there are; one sent while it is open
    comes in at the top, read, as the ones it opened with."""
    desk.add_action("0", "Waiting on us", Notify(user="admin"), A)
    many = NEWEST_SHOWN + 5
    desk.create_tickets([TicketDraft("0", "Waiting on us", f"Ticket {n}")
                         for n in range(many)], A)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, NotificationsScreen)
        assert f"Notifications — {many:,}, {many:,} new (newest {NEWEST_SHOWN:,} shown)" \
            in screen_text(app)
        assert screen.table.row_count == NEWEST_SHOWN
        assert f"#{many} " in screen_text(app)  # the newest at the top
        desk.create_ticket(A, "0", "Waiting on us", "Arrived while reading")
        await settle(pilot)
        text = screen_text(app)
        # At the top with its dot; the screen is open, so it is read.
        assert " •  2026-11-23 09:00  #1006   Ticket #1006 “Arrived while reading”" in text
        assert f"Notifications — {many + 1:,}, {many + 1:,} new" in text
        assert "! 1 unread" not in text and desk.unread_count(A) == 0
        assert screen.table.row_count == NEWEST_SHOWN


@pytest.mark.anyio
async def test_the_log_screen_lists_runs_newest_first(desk: Desk) -> None:
    desk.add_action("0", "New", SendEmail(template="Ticket received"), A)
    desk.create_ticket(A, "0", "New", "No contact here")
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "l")
        await settle(pilot)
        assert isinstance(app.screen, AutomationLogScreen)
        text = screen_text(app)
        assert "1 action run" in text and "skipped" in text
        assert "the ticket has no contact to email" in text


@pytest.mark.anyio
async def test_the_log_screen_numbers_actions_after_a_delay_as_the_tab_does(
        desk: Desk, clock: Any) -> None:
    desk.add_action("0", "New", Delay(duration="1h"), A)
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), A)
    desk.create_ticket(A, "0", "New", "Printer on fire")
    clock.advance(hours=1)
    assert desk.run_due_steps() == 1
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a", "l")
        await settle(pilot)
        assert isinstance(app.screen, AutomationLogScreen)
        text = screen_text(app)
        assert "2 set-property (after the delay)" in text
        assert "1 delay" in text and "+1" not in text


# -- snapshots ------------------------------------------------------------------------


def snapshot_desk(tmp_path: Path) -> Desk:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.add_contact("ada@example.com", A, name="Ada Lovelace")
    desk.add_action("0", "New", SendEmail(template="Ticket received"), A)
    desk.add_action("0", "Waiting on us", Branch(
        property="priority", value="URGENT",
        then=[Notify(user="admin", message="Urgent ticket: call the customer")],
        otherwise=[Delay(duration="1d")]), A)
    desk.add_action("0", "Waiting on us", SetProperty(property="stage", value="Closed"), A)
    desk.add_action("0", "Closed", SendEmail(template="Ticket closed"), A)
    desk.add_action("0", "Closed", Notify(user="admin"), A)
    desk.add_users([User(id="ingrid", name="Ingrid Berg")], A)
    desk.comment_action("0", "New", parse_path("1"), "Customers asked for a receipt",
                        Actor.user("ingrid"))
    ticket = desk.create_ticket(A, "0", "New", "Printer on fire", contact="ada@example.com")
    desk.move_ticket(ticket.id, "Waiting on us", A, values={"priority": "urgent"})
    return desk


def test_snapshot_automate_tab(tmp_path: Path, snap_compare: Any) -> None:
    async def open_tab(pilot: Any) -> None:
        await pilot.press("a", "j")

    assert snap_compare(PipedeskApp(snapshot_desk(tmp_path)), run_before=open_tab,
                        terminal_size=SIZE)


def test_snapshot_action_editor(tmp_path: Path, snap_compare: Any) -> None:
    async def edit(pilot: Any) -> None:
        await pilot.press("a", "j", "j", "j", "j", "j")
        await pilot.pause()
        await pilot.press("e")

    assert snap_compare(PipedeskApp(snapshot_desk(tmp_path)), run_before=edit,
                        terminal_size=SIZE)


def test_snapshot_notifications(tmp_path: Path, snap_compare: Any) -> None:
    async def open_inbox(pilot: Any) -> None:
        await pilot.press("exclamation_mark")

    assert snap_compare(PipedeskApp(snapshot_desk(tmp_path)), run_before=open_inbox,
                        terminal_size=SIZE)


def test_snapshot_automation_log(tmp_path: Path, snap_compare: Any) -> None:
    async def open_log(pilot: Any) -> None:
        await pilot.press("a", "l")

    assert snap_compare(PipedeskApp(snapshot_desk(tmp_path)), run_before=open_log,
                        terminal_size=SIZE)
