"""A template cannot hang the desk or fill the disk (issue 11, item 8; A4a,
A6): templates are filled in outside the writer lock, each part within a
time and size limit, in a child process that a runaway template cannot
take the desk down with. A template that fails or runs over is logged with
its name and the reason; the ticket's move stands."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import ADMIN, data_dir, new_ticket, reopen
from mail_fixtures import on_disk, outbox_raw

from core import Desk, DeskError, open_desk
from core.automation.actions import Notify, SendEmail
from core.automation.rounds import work_round
from core.automation.sandbox import RENDER_SECONDS
from core.automation.templates import Template

FOREVER = ("{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}"
           "{% endfor %}{% endfor %}{% endfor %}")


def _mailing(desk: Desk, body: str, subject: str = "Hi") -> None:
    desk.save_template(Template(name="Hostile", subject=subject, body=body), ADMIN)
    desk.add_contact("ada@example.com", ADMIN)
    desk.add_action("0", "Closed", SendEmail(template="Hostile"), ADMIN)


def _outbox_files(desk: Desk) -> list[bytes]:
    return outbox_raw(desk)


def _log(desk: Desk) -> list[tuple[str, str, str]]:
    return [(i.kind, i.result, i.detail) for i in reversed(desk.automation_log(ADMIN))]


@pytest.mark.parametrize(("body", "reason"), [
    ("{% for i in range(1000000) %}x{% endfor %}", "Range too big"),
    ("{{ 'x' * 20000000 }}", "it makes more than 1,000,000 characters"),
    ("{% for i in range(100000) %}{{ ticket.subject * 100 }}{% endfor %}",
     "it makes more than 1,000,000 characters"),
    ("{{ '' | center(2000000000) }}", "it needs more memory than a template may use"),
    ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "it calls itself without end"),
    ("{{ ticket.subject.__class__.__mro__ }}", "it reaches for something it may not"),
])
def test_a4a_a_template_that_fails_or_runs_over_is_logged_and_the_move_stands(
        desk: Desk, body: str, reason: str) -> None:
    _mailing(desk, body)
    ticket = new_ticket(desk, contact="ada@example.com")

    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)

    assert desk.ticket(ticket.id, ADMIN).stage == "4"
    assert _log(desk)[0][:2] == ("send-email", "queued")
    kind, result, detail = _log(desk)[1]
    assert (kind, result) == ("send-email", "failed")
    assert detail.startswith("Template 'Hostile', body: ") and reason in detail, detail
    assert detail.endswith("; not sent")
    assert _outbox_files(desk) == []
    assert not desk.courier().drafts.has_jobs()  # not tried again


def test_a4a_a_template_that_never_ends_is_stopped_outside_the_writer_lock(desk: Desk) -> None:
    _mailing(desk, FOREVER)
    ticket = new_ticket(desk, contact="ada@example.com")
    started = time.monotonic()
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert time.monotonic() - started < RENDER_SECONDS  # the command does not fill it in

    other = reopen(desk)
    delivering = threading.Thread(target=work_round, args=(desk,))
    delivering.start()
    time.sleep(0.5)  # the round is filling in the template now
    # Another terminal works on meanwhile: the writer lock is free.
    other.create_ticket(ADMIN, "0", "New", "Meanwhile")
    assert delivering.is_alive()
    delivering.join(30)

    assert not delivering.is_alive()
    kind, result, detail = _log(reopen(desk))[-1]
    assert (kind, result) == ("send-email", "failed")
    assert detail == (f"Template 'Hostile', body: it took longer than {RENDER_SECONDS:g} s "
                      "to fill in, so it was stopped; not sent")
    assert desk.ticket(ticket.id, ADMIN).stage == "4"
    assert _outbox_files(desk) == []


def test_a4a_many_tickets_with_a_runaway_template_wait_for_it_once(desk: Desk) -> None:
    """The limit is not paid again for every ticket of a bulk change."""
    _mailing(desk, FOREVER)
    tickets = [new_ticket(desk, f"T{n}", contact="ada@example.com") for n in range(3)]
    for ticket in tickets:
        desk.move_ticket(ticket.id, "Closed", ADMIN)
    started = time.monotonic()
    work_round(desk)
    assert time.monotonic() - started < 2 * RENDER_SECONDS + 5
    failed = [detail for kind, result, detail in _log(desk) if result == "failed"]
    assert len(failed) == 3
    assert all(d.startswith("Template 'Hostile', body: it took longer") for d in failed)
    assert failed[1].endswith("(for an earlier ticket in this round); not sent")


@pytest.mark.files
def test_a4a_the_subject_is_one_line_whatever_the_ticket_holds(desk: Desk) -> None:
    _mailing(desk, "Hello", subject="Re: {{ ticket.subject }}")
    ticket = new_ticket(desk, "Printer", contact="ada@example.com")
    hostile = "Title \x1b]2;PWNED\x07 \x1b[31mRED\x1b[0m\x9b"
    on_disk(desk, {"type": "ticket.changed", "ticket": ticket.id,
                   "changes": {"subject": ["Printer", hostile]}})
    assert desk.ticket(ticket.id, ADMIN).subject == hostile
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)
    [sent] = _outbox_files(desk)
    header = [line for line in sent.split(b"\n") if line.startswith(b"Subject:")]
    # The subject tag (issue 13) follows what the template made, on the same line.
    assert header == [b"Subject: Re: Title ]2;PWNED [31mRED [0m [#1]"]


def test_a4b_a_notification_message_is_filled_in_with_the_same_limits(desk: Desk) -> None:
    desk.add_action("0", "Closed", Notify(user="admin", message="{{ 'x' * 20000000 }}"),
                    ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)
    assert desk.notifications(ADMIN) == []
    kind, result, detail = _log(desk)[-1]
    assert (kind, result) == ("notify", "failed")
    assert detail == ("The notification's message: it makes more than 1,000 characters; "
                      "not sent")


def test_a4a_from_the_command_line_the_move_is_done_and_the_failure_said(run: Any,
                                                                     home: Path) -> None:
    def ok(*args: str) -> Any:
        result = run(*args)
        assert result.code == 0, result.err
        return result

    ok("contact", "add", "ada@example.com")
    open_desk(home).save_template(Template(
        name="Loop", subject="Hi", body="{% for i in range(1000000) %}x{% endfor %}"), ADMIN)
    ok("automation", "add", "0", "Closed", "send-email", "--template", "Loop")
    ok("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer",
       "--contact", "ada@example.com")
    moved = ok("ticket", "move", "1", "Closed")
    assert "Traceback" not in moved.err
    assert "send-email failed: Template 'Loop', body: Range too big" in moved.err
    assert ok("ticket", "show", "1", "--json").json()["ticket"]["stage"] == "4"
    log = ok("automation", "log", "--json").json()
    assert [(e["kind"], e["result"]) for e in log] == [("send-email", "failed"),
                                                       ("send-email", "queued")]


@pytest.mark.parametrize("body", ["{{ 'x' | center(300000000) }}", "{{ 10 ** 10000000 }}",
                                  "{{ 'x' * 300000000 }}"])
def test_a4a_saving_a_template_does_not_work_out_what_it_would_make(desk: Desk, body: str) -> None:
    """The check on saving reads the template; it does not compute its
    constants in the desk's own process (a gigabyte, a number of ten
    million digits): that is for the child, with its limits."""
    started = time.monotonic()
    _mailing(desk, body)
    assert time.monotonic() - started < 1.5
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    work_round(desk)
    kind, result, detail = _log(desk)[-1]
    assert (kind, result) == ("send-email", "failed")
    assert detail.startswith("Template 'Hostile', body: ")


def test_a4a_a_template_cannot_include_another(desk: Desk) -> None:
    with pytest.raises(DeskError, match=r"Template 'Hostile', body line 2: a template cannot "
                                        r"include, import or extend another one"):
        _mailing(desk, "Hi\n{% include '/etc/passwd' %}")


@pytest.mark.files  # a file of the drafts folder damaged by hand
def test_a4a_a_damaged_draft_is_set_aside_and_the_others_are_sent(desk: Desk) -> None:
    _mailing(desk, "Hello {{ contact.email }}")
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    [draft] = list((desk.store.mail_spools().drafts / "new").iterdir())
    with open(draft, "ab") as f:
        f.write(b'{"kind": "email", "subject": \n')
    said = work_round(desk)  # what the command line and the TUI say
    [sent] = _outbox_files(desk)
    assert b"Hello ada@example.com" in sent
    assert said == [f"send-email failed: a draft in drafts/{draft.name} cannot be read; the "
                    "file was set aside in drafts/.damaged/ for a person to look at (the "
                    "drafts in it that read are sent)"]
    assert (desk.store.mail_spools().drafts / ".damaged" / draft.name).read_bytes().endswith(
        b'"subject": \n')
    assert work_round(desk) == []  # not sent twice


@pytest.mark.files
def test_a4a_when_no_renderer_starts_the_drafts_wait_and_are_sent_later(
        desk: Desk, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _mailing(desk, "Hello")
    desk.move_ticket(new_ticket(desk, contact="ada@example.com").id, "Closed", ADMIN)
    python = sys.executable
    monkeypatch.setattr(sys, "executable", str(data_dir(desk) / "no-python-here"))
    work_round(desk)
    kind, result, detail = _log(desk)[-1]
    assert (kind, result) == ("send-email", "failed")
    assert detail.startswith("Could not start the template renderer: ")
    assert _outbox_files(desk) == []
    monkeypatch.setattr(sys, "executable", python)
    assert work_round(desk) == []  # backing off
    clock.advance(seconds=30)
    work_round(desk)
    assert len(_outbox_files(desk)) == 1
