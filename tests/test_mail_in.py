"""Email in (issue 13): channels (A1), threading, the conversation (C1),
status from email (A3a-d, A5), machine mail — over both stores, each
message through the one intake path with its inbox.

The message shapes are those of issue 13, item 8; the IMAP ones (a fetch,
a kill during it) are in test_mail_fetch.py."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, MutableClock, add_agent, new_ticket, refusal, reopen, stored
from mail_fixtures import outbox_messages
from message_fixtures import KARI, SUPPORT, comes_in, connect_channel, message

from core import Desk
from core.automation.actions import SendEmail
from core.automation.handing import AUTOMATED_MAIL_PER_HOUR
from core.automation.rounds import work_round
from core.mail.intake import inbox_of, quarantine_of


def stage_of(desk: Desk, ticket_id: str) -> str:
    ticket = desk.ticket(ticket_id, ADMIN)
    return desk.stage(ticket.stage, ADMIN)[1].label


def first_ticket(desk: Desk) -> str:
    """A customer's first message makes ticket #1; the reply is queued."""
    connect_channel(desk)
    intake = comes_in(desk, message())
    assert (intake.outcome, intake.ticket) == ("created", "1")
    return "1"


# -- A1: channels and new tickets ------------------------------------------------------


def test_a1_a_new_message_makes_a_ticket_in_the_channel_s_first_open_stage(desk: Desk) -> None:
    connect_channel(desk)
    intake = comes_in(desk, message())
    assert intake.as_dict() == {"message_id": "first@example.no", "outcome": "created",
                                "ticket": "1", "reason": ""}
    ticket = desk.ticket("1", ADMIN)
    assert (ticket.subject, ticket.source, ticket.contact) == ("Printer on fire", "email", KARI)
    assert stage_of(desk, "1") == "New"
    # A new sender becomes a contact, named from the From header.
    assert desk.contact(KARI, ADMIN).name == "Kari Nordmann"
    [item] = desk.conversation("1", ADMIN)
    assert (item.direction, item.sender, item.subject, item.text.strip()) == \
        ("in", KARI, "Printer on fire", "It burns.")
    # T7: the channel is the actor.
    assert desk.timeline("1", ADMIN)[0].actor == f"channel:{SUPPORT}"
    assert [i.direction for i in reopen(desk).conversation("1", ADMIN)] == ["in"]


def test_a1_a_channel_may_name_the_stage_new_tickets_go_to(desk: Desk) -> None:
    desk.add_channel(SUPPORT, "0", ADMIN, stage="Waiting on contact")
    comes_in(desk, message())
    assert stage_of(desk, "1") == "Waiting on contact"
    with refusal("Closed stage 'Closed'; choose an Open one"):
        desk.add_channel("other@pipedesk.example", "0", ADMIN, stage="Closed")


def test_a1_with_create_tickets_off_new_mail_is_kept_with_the_reason(desk: Desk) -> None:
    connect_channel(desk, create_tickets=False)
    intake = comes_in(desk, message())
    assert intake.outcome == "ignored"
    assert f"the channel {SUPPORT} creates no tickets" in intake.reason
    assert desk.tickets(ADMIN) == []
    # Kept: the raw message is in the inbox, taken.
    assert inbox_of(desk).raw(_only_key(desk)) == message()
    # A reply to a ticket's mail still lands.
    made = desk.create_ticket(ADMIN, "0", "New", "Called about the printer", contact=KARI)
    sent = desk.reply(made.id, "Please send a photo.", ADMIN)
    assert contact_replies(desk, sent.message_id) == made.id


def _only_key(desk: Desk) -> str:
    cur = desk.store.mail_spools().inbox / "cur"
    [path] = list(cur.iterdir())
    return path.name.partition(":2,")[0]


def test_a1_mail_to_an_address_no_channel_takes_is_quarantined(desk: Desk) -> None:
    connect_channel(desk)
    desk.add_channel("sales@pipedesk.example", "0", ADMIN)
    intake = comes_in(desk, message(to="nobody@pipedesk.example"))
    assert intake.outcome == "quarantined"
    assert "which no channel takes" in intake.reason
    assert desk.tickets(ADMIN) == []
    [held] = quarantine_of(desk).items()
    assert "which no channel takes" in held.reason
    # Delivered to the second channel's address, it goes there.
    assert comes_in(desk, message(message_id="<s@x>", to="sales@pipedesk.example")).ticket == "1"


# -- replies from the ticket (C1) and A3a ------------------------------------------------


def test_a3a_the_agent_s_reply_threads_and_moves_the_ticket_to_waiting_on_contact(
        desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "We are on it.", ADMIN)
    assert stage_of(desk, ticket) == "Waiting on contact"
    [mail] = outbox_messages(desk)
    assert mail["To"].addresses[0].addr_spec == KARI
    assert mail["Subject"] == "Re: Printer on fire [#1]"
    assert mail["In-Reply-To"] == "<first@example.no>"
    assert mail["References"] == "<first@example.no>"
    assert mail["Message-ID"] == f"<{sent.message_id}>"
    assert "Auto-Submitted" not in mail  # a person wrote it
    assert mail.get_content().strip() == "We are on it."
    # T7: the move names the channel and the message that caused it.
    moved = [i for i in desk.timeline(ticket, ADMIN) if i.what.startswith("Moved")][-1]
    assert sent.message_id in moved.what
    assert [i.direction for i in desk.conversation(ticket, ADMIN)] == ["in", "out"]


def test_a3a_switched_off_the_reply_moves_nothing(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.set_email_trigger("0", "email-sent", ADMIN, on=False)
    desk.reply(ticket, "We are on it.", ADMIN)
    assert stage_of(desk, ticket) == "New"


def test_a3a_its_target_stage_can_be_changed(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.set_email_trigger("0", "email-sent", ADMIN, stage="Waiting on us")
    desk.reply(ticket, "We are on it.", ADMIN)
    assert stage_of(desk, ticket) == "Waiting on us"


def test_c1_a_reply_needs_text_and_a_contact_and_writes_nothing_when_refused(
        desk: Desk) -> None:
    ticket = first_ticket(desk)
    before = stored(desk)
    with refusal("The reply is empty"):
        desk.reply(ticket, "  \n", ADMIN)
    without = new_ticket(desk)
    before = stored(desk)
    with refusal(f"Ticket #{without.id} has no contact to reply to"):
        desk.reply(without.id, "Hello", ADMIN)
    assert stored(desk) == before
    assert outbox_messages(desk) == []


def test_c1_a_note_is_on_the_conversation_and_never_sent(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.add_note(ticket, "Kari called; the printer is an old one.", ADMIN)
    items = desk.conversation(ticket, ADMIN)
    assert [(i.direction, i.text) for i in items][-1] == \
        ("note", "Kari called; the printer is an old one.")
    assert outbox_messages(desk) == []
    assert stage_of(desk, ticket) == "New"


# -- A3b and A3d: the contact replies ------------------------------------------------------


def contact_replies(desk: Desk, to_id: str, message_id: str = "<second@example.no>") -> str:
    intake = comes_in(desk, message("Re: Printer on fire", "Still burning.\n",
                                    message_id=message_id, in_reply_to=f"<{to_id}>"))
    assert intake.outcome == "appended", intake
    assert intake.ticket is not None
    return intake.ticket


def test_a3b_the_contact_s_reply_on_the_ticket_s_thread_moves_it_to_waiting_on_us(
        desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    assert contact_replies(desk, sent.message_id) == ticket
    assert stage_of(desk, ticket) == "Waiting on us"
    moved = desk.timeline(ticket, ADMIN)[-1]
    assert (moved.actor, moved.what) == (f"channel:{SUPPORT}",
                                         "Moved by email <second@example.no>")


def test_a3b_switched_off_the_reply_lands_and_moves_nothing(desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    desk.set_email_trigger("0", "customer-replied", ADMIN, on=False)
    contact_replies(desk, sent.message_id)
    assert stage_of(desk, ticket) == "Waiting on contact"
    assert [i.direction for i in desk.conversation(ticket, ADMIN)] == ["in", "out", "in"]


def test_a3d_the_contact_s_reply_reopens_a_closed_ticket_whatever_the_switches(
        desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Fixed, closing.", ADMIN)
    desk.move_ticket(ticket, "Closed", ADMIN)
    assert desk.ticket(ticket, ADMIN).close_date is not None
    desk.set_email_trigger("0", "customer-replied", ADMIN, on=False)
    contact_replies(desk, sent.message_id)
    assert stage_of(desk, ticket) == "New"  # the first Open stage
    assert desk.ticket(ticket, ADMIN).close_date is None  # T3


def test_a3b_after_a_reopening_new_threads_of_the_ticket_count_too(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.move_ticket(ticket, "Closed", ADMIN)
    desk.move_ticket(ticket, "Waiting on contact", ADMIN)
    # The contact writes anew, with the ticket's tag: a thread of its own.
    intake = comes_in(desk, message("Another thing [#1]", message_id="<third@example.no>"))
    assert intake.ticket == ticket
    assert stage_of(desk, ticket) == "Waiting on us"


def test_a3c_the_contact_s_other_mail_lands_but_moves_nothing(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.move_ticket(ticket, "Waiting on contact", ADMIN)
    intake = comes_in(desk, message("Another thing [#1]", message_id="<third@example.no>"))
    assert intake.ticket == ticket
    assert stage_of(desk, ticket) == "Waiting on contact"


def test_a5_a_chat_ticket_is_left_out_of_the_triggers(desk: Desk) -> None:
    connect_channel(desk)
    chat = desk.create_ticket(ADMIN, "0", "New", "From the chat", contact=KARI, source="chat")
    sent = desk.reply(chat.id, "Hello", ADMIN)
    assert stage_of(desk, chat.id) == "New"
    desk.set_chat_rule("0", True, ADMIN)
    contact_replies(desk, sent.message_id)
    assert stage_of(desk, chat.id) == "Waiting on us"


# -- the message shapes of item 8 -----------------------------------------------------------


def test_a_reply_with_only_references_threads(desk: Desk) -> None:
    ticket = first_ticket(desk)
    intake = comes_in(desk, message("Re: Printer on fire", message_id="<r@example.no>",
                                    references="<first@example.no>"))
    assert (intake.outcome, intake.ticket) == ("appended", ticket)


def test_a_reply_with_a_rewritten_subject_and_no_tag_threads_by_its_ids(desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    intake = comes_in(desk, message("my printer (again!!)", message_id="<r@example.no>",
                                    in_reply_to=f"<{sent.message_id}>"))
    assert (intake.outcome, intake.ticket) == ("appended", ticket)
    assert stage_of(desk, ticket) == "Waiting on us"


def test_a_long_references_chain_where_only_the_first_id_is_ours(desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    others = " ".join(f"<other{n}@elsewhere.example>" for n in range(40))
    intake = comes_in(desk, message("Re: Re: Re: Printer", message_id="<r@example.no>",
                                    references=f"<{sent.message_id}> {others}"))
    assert (intake.outcome, intake.ticket) == ("appended", ticket)


def test_a_subject_tag_from_a_stranger_is_not_appended(desk: Desk) -> None:
    first_ticket(desk)
    intake = comes_in(desk, message("Re: Printer on fire [#1]", message_id="<x@evil.example>",
                                    sender="Eve <eve@evil.example>"))
    assert (intake.outcome, intake.ticket) == ("created", "2")
    assert [i.direction for i in desk.conversation("1", ADMIN)] == ["in"]


def test_a_forged_id_of_ours_does_not_thread(desk: Desk) -> None:
    ticket = first_ticket(desk)
    real = desk.reply(ticket, "Hello", ADMIN).message_id
    forged = real.replace(real.split(".")[3][:4], "0000")
    intake = comes_in(desk, message("Re: hello", message_id="<x@evil.example>",
                                    sender="eve@evil.example", in_reply_to=f"<{forged}>"))
    assert intake.outcome == "created"


def test_the_same_message_delivered_twice_is_taken_once(desk: Desk) -> None:
    ticket = first_ticket(desk)
    again = comes_in(desk, message())
    assert (again.outcome, again.ticket) == ("duplicate", ticket)
    assert len(desk.tickets(ADMIN)) == 1
    assert len(desk.conversation(ticket, ADMIN)) == 1
    # Also after the desk is opened again (the dedupe is in its state).
    assert comes_in(reopen(desk), message()).outcome == "duplicate"


def test_a_message_without_a_message_id_is_deduped_by_its_bytes(desk: Desk) -> None:
    connect_channel(desk)
    raw = message(message_id=None)
    assert comes_in(desk, raw).outcome == "created"
    assert comes_in(desk, raw).outcome == "duplicate"
    assert comes_in(desk, raw.replace(b"It burns.", b"It smokes.")).outcome == "created"


def test_an_out_of_office_on_a_closed_ticket_s_thread_leaves_it_closed(desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Fixed, closing.", ADMIN)
    desk.move_ticket(ticket, "Closed", ADMIN)
    intake = comes_in(desk, message("Out of office: Re: Printer", "Back on Monday.\n",
                                    message_id="<ooo@example.no>",
                                    in_reply_to=f"<{sent.message_id}>",
                                    headers={"Auto-Submitted": "auto-replied"}))
    assert (intake.outcome, intake.ticket) == ("appended", ticket)
    assert stage_of(desk, ticket) == "Closed"
    item = desk.conversation(ticket, ADMIN)[-1]
    assert item.auto and item.text.strip() == "Back on Monday."


def test_machine_mail_on_no_ticket_makes_none(desk: Desk) -> None:
    connect_channel(desk)
    intake = comes_in(desk, message("Automatic reply", headers={"Precedence": "bulk"}))
    assert intake.outcome == "ignored"
    assert "machine mail" in intake.reason
    assert desk.tickets(ADMIN) == []


def test_a_bounce_carrying_our_message_id_lands_on_its_ticket_and_moves_nothing(
        desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    boundary = "BOUNDARY"
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.no>\n"
        f"To: {SUPPORT}\nSubject: Undelivered Mail Returned to Sender\n"
        "Message-ID: <bounce1@mx.example.no>\nMIME-Version: 1.0\n"
        f"Content-Type: multipart/report; report-type=delivery-status; boundary={boundary}\n\n"
        f"--{boundary}\nContent-Type: text/plain\n\nThe mail system could not deliver it.\n"
        f"--{boundary}\nContent-Type: message/delivery-status\n\n"
        f"Final-Recipient: rfc822; {KARI}\nAction: failed\nStatus: 5.1.1\n\n"
        f"--{boundary}\nContent-Type: text/rfc822-headers\n\n"
        f"From: {SUPPORT}\nTo: {KARI}\nSubject: Re: Printer on fire [#1]\n"
        f"Message-ID: <{sent.message_id}>\n\n--{boundary}--\n").encode()
    intake = comes_in(desk, bounce)
    assert (intake.outcome, intake.ticket) == ("appended", ticket)
    assert stage_of(desk, ticket) == "Waiting on contact"
    assert desk.conversation(ticket, ADMIN)[-1].auto


def test_our_own_mail_fetched_back_is_dropped_and_logged(desk: Desk) -> None:
    ticket = first_ticket(desk)
    desk.reply(ticket, "Is it plugged in?", ADMIN)
    [ours] = outbox_messages(desk)
    intake = comes_in(desk, ours.as_bytes())
    assert intake.outcome == "ignored"
    assert "own mail" in intake.reason
    assert [i.direction for i in desk.conversation(ticket, ADMIN)] == ["in", "out"]
    assert len(desk.tickets(ADMIN)) == 1


def test_a3c_a_forward_with_vs_and_in_reply_to_lands_but_moves_nothing(desk: Desk) -> None:
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    intake = comes_in(desk, message("VS: Re: Printer on fire [#1]", "Se under.\n",
                                    message_id="<fwd@example.no>",
                                    in_reply_to=f"<{sent.message_id}>"))
    assert (intake.outcome, intake.ticket) == ("appended", ticket)
    assert stage_of(desk, ticket) == "Waiting on contact"
    assert desk.conversation(ticket, ADMIN)[-1].forwarded
    # A reply to the forward moves nothing either (A3c).
    comes_in(desk, message("Re: VS: Printer", message_id="<fwd2@example.no>",
                           in_reply_to="<fwd@example.no>"))
    assert stage_of(desk, ticket) == "Waiting on contact"


def test_a3c_a_reply_from_a_user_s_own_mailbox_is_an_agent_s_message(desk: Desk) -> None:
    agent = add_agent(desk)
    ticket = first_ticket(desk)
    intake = comes_in(desk, message("Re: Printer on fire", "Try turning it off.\n",
                                    sender=f"Ingrid <{agent.email}>",
                                    message_id="<agent@pipedesk.example>",
                                    in_reply_to="<first@example.no>"))
    assert intake.ticket == ticket
    assert desk.conversation(ticket, ADMIN)[-1].direction == "out"
    assert stage_of(desk, ticket) == "New"


@pytest.mark.parametrize("raw, reason", [
    (b"", "it is empty"),
    (b"just some words, no headers at all\n", "no headers"),
    (b"Subject: hi\nTo: support@pipedesk.example\n\nno sender\n", "no From address"),
])
def test_a_message_that_will_not_parse_is_quarantined_and_nothing_else_changes(
        desk: Desk, raw: bytes, reason: str) -> None:
    connect_channel(desk)
    before = desk.state.seq
    intake = comes_in(desk, raw)
    assert intake.outcome == "quarantined"
    assert reason in intake.reason
    assert desk.state.seq == before
    assert desk.tickets(ADMIN) == []
    [held] = quarantine_of(desk).items()
    assert reason in held.reason
    assert (desk.store.mail_spools().quarantine / "new" / held.key).read_bytes() == raw


# -- automated mail (A4a) on the conversation, and its cap -----------------------------------


def received_mail_on_new(desk: Desk) -> None:
    """A4a: every ticket arriving in New gets the 'Ticket received' email."""
    desk.add_action("0", "New", SendEmail(template="Ticket received"), ADMIN)


def test_automated_mail_carries_the_tag_and_a_signed_id_and_its_answer_threads(
        desk: Desk) -> None:
    received_mail_on_new(desk)
    ticket = first_ticket(desk)
    work_round(desk)  # the courier fills the draft in
    [confirmation] = outbox_messages(desk)
    assert "[#1]" in str(confirmation["Subject"])
    assert confirmation["In-Reply-To"] == "<first@example.no>"  # the customer's thread
    item = desk.conversation(ticket, ADMIN)[-1]
    assert (item.direction, item.auto) == ("out", True)
    own_id = str(confirmation["Message-ID"]).strip("<>")
    # The customer answers the confirmation: on the ticket's thread (A3b).
    assert contact_replies(desk, own_id) == ticket
    assert stage_of(desk, ticket) == "Waiting on us"


def test_automated_mail_to_one_address_is_capped_per_hour(desk: Desk,
                                                         clock: MutableClock) -> None:
    received_mail_on_new(desk)
    connect_channel(desk)
    for n in range(AUTOMATED_MAIL_PER_HOUR + 2):
        comes_in(desk, message(f"Robot says {n}", message_id=f"<robot{n}@example.no>"))
    results = [i.result for i in reversed(desk.automation_log(ADMIN))]
    assert results.count("queued") == AUTOMATED_MAIL_PER_HOUR
    assert results[-2:] == ["skipped", "skipped"]
    skipped = desk.automation_log(ADMIN)[0]
    assert "automated emails in the last hour" in skipped.detail
    clock.advance(hours=1, minutes=1)
    comes_in(desk, message("Robot, later", message_id="<robot-later@example.no>"))
    assert desk.automation_log(ADMIN)[0].result == "queued"


def test_the_mail_index_survives_a_snapshot(desk: Desk) -> None:
    """The dedupe and the index of Message-IDs are in tickets.json too: a
    desk opened from its snapshot threads and dedupes as before."""
    ticket = first_ticket(desk)
    sent = desk.reply(ticket, "Is it plugged in?", ADMIN)
    desk.compact()
    again = reopen(desk)
    assert comes_in(again, message()).outcome == "duplicate"
    assert contact_replies(again, sent.message_id) == ticket
    assert again.state.created_threads[ticket] == "first@example.no"


def test_the_cap_on_automated_mail_survives_a_snapshot(desk: Desk, clock: MutableClock) -> None:
    received_mail_on_new(desk)
    connect_channel(desk)
    for n in range(AUTOMATED_MAIL_PER_HOUR):
        comes_in(desk, message(f"Robot says {n}", message_id=f"<robot{n}@example.no>"))
    desk.compact()
    again = reopen(desk, clock)
    comes_in(again, message("Robot, once more", message_id="<robot-more@example.no>"))
    assert again.automation_log(ADMIN)[0].result == "skipped"
