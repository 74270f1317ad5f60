"""Email from automation (A4a) and webhooks, against real servers on
loopback: the Maildir outbox, SMTP through aiosmtpd, HTTP through a small
http.server."""

from __future__ import annotations

import email
import mailbox
import os
import threading
from email.message import EmailMessage

import pytest
from core_fixtures import ADMIN, MutableClock, new_ticket, reopen
from mail_fixtures import (
    Hooks,
    Inbox,
    allow_loopback_webhooks,
    free_port,
    outbox_messages,
    use_smtp,
)

from core import Desk
from core.automation.actions import SendEmail, Webhook
from core.automation.rounds import work_round
from core.automation.templates import Template
from core.mail.message import HeaderInjection, compose, recipient
from core.model import SmtpSettings


def _closing_email(desk: Desk, template: str = "Ticket closed") -> None:
    desk.add_contact("ada@example.com", ADMIN, name="Ada Lovelace")
    desk.add_action("0", "Closed", SendEmail(template=template), ADMIN)


def _outbox(desk: Desk) -> list[EmailMessage]:
    return outbox_messages(desk)  # in a data dir: as any Maildir reader lists them


def _use_smtp(desk: Desk, port: int) -> None:
    use_smtp(desk, SmtpSettings(host="127.0.0.1", port=port, security="none"))


def _results(desk: Desk) -> list[tuple[str, str]]:
    return [(i.kind, i.result) for i in reversed(desk.automation_log(ADMIN))]


def test_a4a_closing_a_ticket_puts_a_well_formed_email_in_the_outbox(desk: Desk,
                                                                 clock: MutableClock) -> None:
    _closing_email(desk)
    ticket = new_ticket(desk, "Printer on fire", contact="ada@example.com")
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert _outbox(desk) == []  # filled in outside the writer lock, by a round
    work_round(desk)
    [sent] = _outbox(desk)  # any Maildir reader sees it
    assert sent["To"] == "Ada Lovelace <ada@example.com>"
    assert sent["From"] == "helpdesk@localhost"
    assert sent["Subject"] == f"Your request is closed: Printer on fire [#{ticket.id}]"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Message-ID"].startswith("<") and sent["Message-ID"].endswith("@localhost>")
    assert email.utils.parsedate_to_datetime(sent["Date"]) == clock.now
    body = sent.get_body().get_content()  # type: ignore[union-attr]
    assert body.startswith("Hello Ada Lovelace,") and "(#1) is now closed" in body
    assert _results(desk) == [("send-email", "queued")]
    assert desk.automation_log(ADMIN)[0].detail == (
        "'Ticket closed' to ada@example.com, for the outbox")


def test_a4a_no_contact_no_email_and_the_log_says_why(desk: Desk) -> None:
    _closing_email(desk)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert _outbox(desk) == []
    assert desk.automation_log(ADMIN)[0].detail == "the ticket has no contact to email"


def test_a4a_a_marketing_email_goes_only_to_marketing_contacts(desk: Desk) -> None:
    desk.save_template(Template(name="Offer", subject="Upgrade", body="Try Gold.",
                                transactional=False), ADMIN)
    desk.add_contact("ada@example.com", ADMIN)
    desk.add_contact("bo@example.com", ADMIN, marketing=True)
    desk.add_action("0", "Closed", SendEmail(template="Offer"), ADMIN)
    for contact in ("ada@example.com", "bo@example.com"):
        desk.move_ticket(new_ticket(desk, contact=contact).id, "Closed", ADMIN)
    work_round(desk)
    assert [m["To"] for m in _outbox(desk)] == ["bo@example.com"]
    skipped = desk.automation_log(ADMIN)[1]
    assert (skipped.result, skipped.detail) == (
        "skipped", "'Offer' is not transactional and ada@example.com is not a marketing "
        "contact")


def test_a4a_a_line_break_from_ticket_data_in_a_header_is_refused(desk: Desk) -> None:
    desk.save_template(Template(name="Echo", subject="Re: {{ ticket.content }}", body="Hi"),
                       ADMIN)
    desk.add_contact("ada@example.com", ADMIN)
    desk.add_action("0", "Closed", SendEmail(template="Echo"), ADMIN)
    ticket = new_ticket(desk, contact="ada@example.com",
                        content="hello\r\nBcc: everyone@example.com")
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)
    assert _outbox(desk) == []
    run = desk.automation_log(ADMIN)[0]
    assert run.result == "failed" and "Subject holds a line break" in run.detail
    assert run.detail.startswith("Template 'Echo': ")
    with pytest.raises(HeaderInjection):
        compose(sender="a@b.example", to=recipient("Eve", "e@example.com"),
                subject="x\n Bcc: e@example.com", body="", now=desk.now())


def test_a4a_templates_cannot_reach_python_internals(desk: Desk) -> None:
    desk.save_template(Template(name="Sneaky", subject="x",
                                body="{{ ticket.subject.__class__.__mro__ }}"), ADMIN)
    desk.add_contact("ada@example.com", ADMIN)
    desk.add_action("0", "Closed", SendEmail(template="Sneaky"), ADMIN)
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    work_round(desk)
    assert _outbox(desk) == []
    run = desk.automation_log(ADMIN)[0]
    assert run.result == "failed" and run.detail.startswith("Template 'Sneaky', body: ")
    assert "unsafe" in run.detail


def test_a4a_smtp_delivers_and_empties_the_outbox(desk: Desk,
                                             smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    port = settings.port
    _closing_email(desk)
    _use_smtp(desk, port)
    ticket = new_ticket(desk, "Printer on fire", contact="ada@example.com")
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert inbox.received == []  # handed on, not sent under the lock
    work_round(desk)
    [got] = inbox.received
    assert got["From"] == "support@pipedesk.example"
    assert got["Subject"] == "Your request is closed: Printer on fire [#1]"
    assert got["Auto-Submitted"] == "auto-generated"
    assert _outbox(desk) == []
    assert _results(desk) == [("send-email", "queued"), ("send-email", "delivered")]
    assert desk.automation_log(ADMIN, ticket=ticket.id)[0].ticket == ticket.id


@pytest.mark.files  # the data dir's Maildir, as a mail tool shows it
def test_a4a_mail_read_in_a_mail_tool_before_it_went_out_is_still_sent(
        desk: Desk, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    """The outbox is a Maildir any mail tool can show, and showing a message
    moves it to cur/ as read. With SMTP on it is still to be sent; one the
    reader threw away (flag T) is not."""
    inbox, settings = smtp_server
    _closing_email(desk)
    _use_smtp(desk, settings.port)
    for subject in ("Printer on fire", "Spam I deleted"):
        ticket = new_ticket(desk, subject, contact="ada@example.com")
        desk.move_ticket(ticket.id, "Closed", ADMIN)
    desk.courier().fill_drafts(desk.config.mail, desk.now())  # in the outbox, not sent
    box = mailbox.Maildir(desk.store.mail_spools().outbox, create=False)
    for key, message in list(box.items()):  # as a mail tool shows them
        message.set_subdir("cur")
        message.add_flag("ST" if "Spam" in str(message["Subject"]) else "S")
        box[key] = message
    assert os.listdir(desk.store.mail_spools().outbox / "new") == []
    assert desk.courier().has_work(desk.config.mail)
    work_round(desk)
    assert inbox.subjects == ["Your request is closed: Printer on fire [#1]"]
    [left] = _outbox(desk)
    assert left["Subject"] == "Your request is closed: Spam I deleted [#2]"
    assert not desk.courier().has_work(desk.config.mail)


def test_a4a_a_refusing_server_keeps_the_mail_and_it_goes_out_on_a_later_try(
        desk: Desk, clock: MutableClock, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    port = settings.port
    inbox.refusals = 2
    _closing_email(desk)
    _use_smtp(desk, port)
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    work_round(desk)
    failed = desk.automation_log(ADMIN)[0]
    assert failed.result == "failed"
    assert "refused the message: 451 4.3.0 Try again later" in failed.detail
    assert "trying again at" in failed.detail
    [waiting] = desk.courier().outbox.pending()
    assert (waiting.attempts, waiting.next_try) == (1, clock.now.replace(second=30))
    assert work_round(desk) == []  # backing off: not tried again yet
    clock.advance(seconds=30)
    work_round(desk)  # second refusal: the wait doubles
    assert desk.courier().outbox.pending()[0].attempts == 2
    clock.advance(seconds=60)
    work_round(desk)
    assert len(inbox.received) == 1 and _outbox(desk) == []
    assert _results(desk)[-1] == ("send-email", "delivered")


def test_a4a_an_unreachable_server_is_a_logged_failure(desk: Desk) -> None:
    _closing_email(desk)
    _use_smtp(desk, free_port())
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    lines = work_round(desk)
    assert len(lines) == 1 and "cannot deliver" in lines[0]
    assert len(_outbox(desk)) == 1


def test_a4a_two_processes_deliver_one_message_once(desk: Desk, clock: MutableClock,
                                                smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    port = settings.port
    _closing_email(desk)
    _use_smtp(desk, port)
    for n in range(10):
        desk.move_ticket(new_ticket(desk, f"T{n}", contact="ada@example.com").id, "Closed",
                         ADMIN)
    others = [reopen(desk, clock) for _ in range(3)]
    threads = [threading.Thread(target=work_round, args=(d,)) for d in others]
    for t in threads:
        t.start()
    work_round(desk)
    for t in threads:
        t.join(30)
    subjects = sorted(m["Subject"] for m in inbox.received)
    assert len(subjects) == 10 == len(set(subjects))
    assert _outbox(desk) == []


def test_a4c_a_webhook_posts_the_ticket_as_json_and_retries(desk: Desk, clock: MutableClock,
                                                        hook_server: str) -> None:
    Hooks.failures = 1
    allow_loopback_webhooks(desk)
    desk.add_action("0", "Waiting on us", Webhook(url=hook_server), ADMIN)
    ticket = new_ticket(desk, "Printer on fire", priority="high")
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert Hooks.received == []  # handed on, not sent under the lock
    work_round(desk)
    failed = desk.automation_log(ADMIN)[0]
    assert failed.result == "failed" and "answered 503" in failed.detail
    clock.advance(seconds=30)
    work_round(desk)
    [posted] = Hooks.received
    assert (posted["id"], posted["subject"], posted["priority"], posted["stage"]) == (
        ticket.id, "Printer on fire", "HIGH", "3")
    assert _results(desk) == [("webhook", "queued"), ("webhook", "failed"),
                              ("webhook", "delivered")]
