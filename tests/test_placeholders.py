"""One placeholder language for email templates and notification messages
(A4a, A4b; issue 11, item 6), checked when a template or a message is
saved — in Desk and on the command line — and named in the log (A6) when a
send fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import new_desk
from core_fixtures import ADMIN, data_dir, edit_settings, new_ticket, refusal, stored
from mail_fixtures import outbox_messages

from core import Desk
from core.automation.actions import Notify, SendEmail
from core.automation.rounds import work_round
from core.automation.templates import Template
from core.model import PropertyType


def _unread_texts(desk: Desk) -> list[str]:
    return [n.text for n in desk.notifications(ADMIN)]


def test_a4b_a_notification_message_fills_in_the_same_placeholders_as_an_email(
        desk: Desk) -> None:
    desk.add_contact("ada@example.com", ADMIN, name="Ada Lovelace")
    desk.add_action("0", "Waiting on us", Notify(
        owner=False, user="admin",
        message="#{{ ticket.id }} {{ ticket.subject }} from {{ contact.name }} "
                "({{ ticket.priority }}) is waiting on us"), ADMIN)
    ticket = new_ticket(desk, "Printer on fire", contact="ada@example.com", priority="high")

    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    work_round(desk)

    assert _unread_texts(desk) == [
        f"#{ticket.id} Printer on fire from Ada Lovelace (High) is waiting on us"]
    assert "{{" not in _unread_texts(desk)[0]


def test_a4b_a_plain_notification_message_is_sent_as_written_at_once(desk: Desk) -> None:
    desk.add_action("0", "Waiting on us", Notify(user="admin", message="Look at this"),
                    ADMIN)
    desk.move_ticket(new_ticket(desk).id, "Waiting on us", ADMIN)
    assert _unread_texts(desk) == ["Look at this"]


@pytest.mark.parametrize(("subject", "body", "message"), [
    ("Hi", "Hello {{ contact.nme }},", "Template 'Survey', body line 1: {{ contact.nme }} is "
                                        "not a placeholder; did you mean {{ contact.name }}?"),
    ("Re: {{ ticket.subjcet }}", "Hi", "Template 'Survey', subject line 1: "
                                       "{{ ticket.subjcet }} is not a placeholder; did you "
                                       "mean {{ ticket.subject }}?"),
    ("Hi", "Hello,\n\n{{ customer.name }}", "Template 'Survey', body line 3: "
                                           "{{ customer.name }} is not a placeholder"),
    ("Hi", "{% for x in ticket %}", "Template 'Survey', body line 1: it does not read: "),
    ("Hi", "{{ ticket.items() }}", "Template 'Survey', body line 1: {{ ticket.items }} is "
                                   "not a placeholder"),
])
def test_a4a_a_template_with_an_unknown_placeholder_is_refused_on_saving(
        desk: Desk, subject: str, body: str, message: str) -> None:
    desk.templates(ADMIN)
    before = stored(desk)
    with refusal(message):
        desk.save_template(Template(name="Survey", subject=subject, body=body), ADMIN)
    assert stored(desk) == before
    assert desk.config.template("Survey") is None


def test_a4a_every_placeholder_the_docs_name_is_accepted_and_filled_in(desk: Desk) -> None:
    desk.create_property("sla", PropertyType.TEXT, ADMIN, label="SLA")
    body = ("{{ ticket.id }} {{ ticket.subject }} {{ ticket.content }} {{ ticket.pipeline }} "
            "{{ ticket.stage }} {{ ticket.priority }} {{ ticket.owner }} {{ ticket.team }} "
            "{{ ticket.create_date }} {{ ticket.close_date }} [{{ ticket.sla }}] "
            "{{ contact.name }} {{ contact.email }} "
            "{% for w in ticket.subject.split() %}<{{ w }}>{% endfor %}")
    desk.save_template(Template(name="Everything", subject="All", body=body), ADMIN)
    desk.add_contact("ada@example.com", ADMIN, name="Ada")
    desk.add_action("0", "Closed", SendEmail(template="Everything"), ADMIN)
    ticket = new_ticket(desk, "Printer on fire", contact="ada@example.com")
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    work_round(desk)
    [sent] = outbox_messages(desk)
    payload = sent.get_payload(decode=True)
    assert isinstance(payload, bytes)  # a single-part message decodes to bytes
    text = payload.decode()
    # A property the ticket has no value for reads empty, as on the ticket.
    assert text.startswith(f"{ticket.id} Printer on fire  Support pipeline Closed ")
    assert "[] Ada ada@example.com <Printer><on><fire>" in text


@pytest.mark.files
def test_a4a_a_template_edited_by_hand_fails_when_sent_naming_template_and_placeholder(
        desk: Desk) -> None:
    desk.add_contact("ada@example.com", ADMIN)
    desk.add_action("0", "Closed", SendEmail(template="Ticket closed"), ADMIN)

    def misspell(raw: dict[str, Any]) -> None:
        for template in raw["templates"]:
            if template["name"] == "Ticket closed":
                template["body"] = "Hello {{ contact.nme }},\nclosed."

    edit_settings(desk, misspell)
    ticket = new_ticket(desk, contact="ada@example.com")
    desk.move_ticket(ticket.id, "Closed", ADMIN)  # the move stands
    work_round(desk)
    assert desk.ticket(ticket.id, ADMIN).stage == "4"
    [run] = desk.automation_log(ADMIN)
    assert (run.kind, run.result) == ("send-email", "failed")
    assert run.detail.startswith("Template 'Ticket closed', body line 1: {{ contact.nme }} "
                                 "is not a placeholder")
    assert outbox_messages(desk) == []


@pytest.mark.files
def test_a4b_a_notification_message_with_an_unknown_placeholder_is_refused(desk: Desk) -> None:
    before = (data_dir(desk) / "desk.toml").read_bytes() if data_dir(desk).exists() else None
    with refusal("The notification's message, line 1: {{ ticket.nme }} is not a "
                 "placeholder"):
        desk.add_action("0", "Closed", Notify(owner=True, message="{{ ticket.nme }}"), ADMIN)
    after = (data_dir(desk) / "desk.toml").read_bytes() if data_dir(desk).exists() else None
    assert after == before


# -- the command line ----------------------------------------------------------------


def _ok(result: Any) -> Any:
    assert result.code == 0, result.err
    return result


def test_a4a_templates_are_saved_and_checked_on_the_command_line(run: Any, home: Path) -> None:
    new_desk(home)
    before = (home / "desk.toml").read_bytes()
    refused = run("automation", "template", "save", "Survey", "--subject", "How did we do?",
                  "--body", "Hello {{ contact.nme }}", "--marketing")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert refused.err == ("pipedesk: Template 'Survey', body line 1: {{ contact.nme }} is "
                           "not a placeholder; did you mean {{ contact.name }}?\n")
    assert (home / "desk.toml").read_bytes() == before

    assert _ok(run("automation", "template", "save", "Survey", "--subject",
                   "How did we do on #{{ ticket.id }}?", "--body", "Hello {{ contact.name }}",
                   "--marketing")).out == "Added template 'Survey'.\n"
    assert _ok(run("automation", "template", "save", "survey", "--body",
                   "Hi {{ contact.name }}")).out == "Saved template 'Survey'.\n"
    [survey] = [t for t in _ok(run("automation", "templates", "--json")).json()
                if t["name"] == "Survey"]
    assert (survey["subject"], survey["body"], survey["transactional"]) == (
        "How did we do on #{{ ticket.id }}?", "Hi {{ contact.name }}", False)
    new = run("automation", "template", "save", "Other", "--subject", "x")
    assert new.code == 2 and "needs --subject and --body" in new.err
    assert _ok(run("automation", "template", "delete", "Survey")).out == (
        "Deleted template 'Survey'.\n")


def test_a4b_a_notify_message_is_checked_on_the_command_line(run: Any, home: Path) -> None:
    new_desk(home)
    before = (home / "desk.toml").read_bytes()
    refused = run("automation", "add", "0", "Closed", "notify", "--owner", "--message",
                  "Closed: {{ ticket.subjet }}")
    assert refused.code == 1 and "Traceback" not in refused.err
    assert "{{ ticket.subjet }} is not a placeholder; did you mean {{ ticket.subject }}?" \
        in refused.err
    assert (home / "desk.toml").read_bytes() == before
    _ok(run("automation", "add", "0", "Closed", "notify", "--user", "admin", "--message",
            "Closed: #{{ ticket.id }} {{ ticket.subject }}"))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer"))
    _ok(run("ticket", "move", "1", "Closed"))
    [note] = _ok(run("notifications", "--json")).json()
    assert note["text"] == "Closed: #1 Printer"
