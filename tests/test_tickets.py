"""Tickets: T1 create, S7 stage properties, T2 move, T3 close date, T5 delete,
T7 timeline. (T4's property types are in test_properties.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_fixtures import (
    ADMIN,
    START,
    MutableClock,
    new_ticket,
    refusal,
    reopen,
    stage_properties,
    stored,
)

from core import AUTOMATION, Actor, Desk, TicketDraft
from core.timeline import timeline_items

# -- T1 ----------------------------------------------------------------------------


def test_t1_create_in_a_chosen_pipeline_and_stage(desk: Desk, clock: MutableClock) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    made_at = clock.advance(minutes=5)
    ticket = desk.create_ticket(ADMIN, "Billing", "Waiting on us", "  Refund please  ")
    assert (ticket.id, ticket.pipeline, ticket.subject) == ("1", billing.id, "Refund please")
    assert ticket.stage == billing.stages[2].id
    assert ticket.create_date == ticket.last_activity == made_at
    assert ticket.source == "manual"
    assert ticket.close_date is None
    assert reopen(desk).ticket("1", ADMIN) == ticket


def test_t1_a_channel_s_ticket_keeps_its_source(desk: Desk) -> None:
    ticket = desk.create_ticket(Actor("channel", "support-inbox"), "0", "New", "Help",
                                source="email")
    assert ticket.source == "email"


@pytest.mark.parametrize("subject", ["", "   ", "\t\n"])
def test_t1_a_subject_is_required(desk: Desk, subject: str) -> None:
    before = stored(desk)
    with refusal("A ticket needs a subject"):
        desk.create_ticket(ADMIN, "0", "New", subject)
    assert stored(desk) == before
    assert desk.tickets(ADMIN) == []


def test_t1_unknown_pipeline_or_stage_is_refused(desk: Desk) -> None:
    with refusal("No pipeline 'Sales'"):
        desk.create_ticket(ADMIN, "Sales", "New", "Hello")
    with refusal("No stage 'Triage' in 'Support pipeline'"):
        desk.create_ticket(ADMIN, "0", "Triage", "Hello")
    assert desk.tickets(ADMIN) == []


def test_t1_values_given_at_creation_are_checked_and_kept(desk: Desk) -> None:
    ticket = new_ticket(desk, priority="high", owner="Administrator", content="Line 1\nLine 2")
    assert (ticket.priority, ticket.owner, ticket.content) == ("HIGH", "admin", "Line 1\nLine 2")
    with refusal("Priority must be one of Low, Medium, High, Urgent"):
        new_ticket(desk, priority="whenever")
    assert len(desk.tickets(ADMIN)) == 1


def test_t1_a_batch_is_refused_whole_if_one_ticket_is_wrong(desk: Desk) -> None:
    drafts = [TicketDraft("0", "New", "Fine"), TicketDraft("0", "New", "")]
    with refusal("A ticket needs a subject"):
        desk.create_tickets(drafts, ADMIN)
    assert desk.tickets(ADMIN) == []
    assert new_ticket(desk).id == "1"


# -- S7 ----------------------------------------------------------------------------


@pytest.fixture
def order_desk(desk: Desk) -> Desk:
    """'Waiting on us' asks for a required order number and an optional
    priority; 'Closed' asks for a required resolution."""
    desk.create_property("order_number", "number", ADMIN, label="Order number")
    desk.create_property("resolution", "choice", ADMIN, options=["Fixed", "Won't fix"])
    stage_properties(desk, "3", ("order_number", True), ("priority", False))
    stage_properties(desk, "4", ("resolution", True))
    return desk


def test_s7_asking_again_for_a_required_property_keeps_it_required(order_desk: Desk) -> None:
    """Issue 11: adding a property the stage asks for already left it
    optional; without a flag it stays as it is, and nothing is written."""
    before = stored(order_desk)
    stage = order_desk.set_stage_property("Waiting on us", "order_number", ADMIN)
    assert [(sp.name, sp.required) for sp in stage.properties] == [
        ("order_number", True), ("priority", False)]
    assert stored(order_desk) == before
    order_desk.set_stage_property("Waiting on us", "order_number", ADMIN, required=False)
    order_desk.set_stage_property("Waiting on us", "priority", ADMIN, required=True)
    order_desk.set_stage_property("Waiting on us", "owner", ADMIN)
    _, stage = reopen(order_desk).stage("Waiting on us", ADMIN)
    assert [(sp.name, sp.required) for sp in stage.properties] == [
        ("order_number", False), ("priority", True), ("owner", False)]


def test_s7_a_user_s_create_without_a_required_property_is_refused(order_desk: Desk) -> None:
    before = stored(order_desk)
    with refusal("Stage 'Waiting on us' requires Order number; give a value to go on"):
        new_ticket(order_desk, stage="Waiting on us")
    with refusal("requires Order number"):
        new_ticket(order_desk, stage="Waiting on us", order_number="")
    assert stored(order_desk) == before
    ticket = new_ticket(order_desk, stage="Waiting on us", order_number="1042")
    assert ticket.props == {"order_number": 1042}
    assert ticket.id == "1"  # the refused ones took no id


def test_s7_an_optional_stage_property_may_be_left_out(order_desk: Desk) -> None:
    ticket = new_ticket(order_desk, stage="Waiting on us", order_number=7)
    assert ticket.priority is None


def test_s7_several_missing_required_properties_are_all_named(order_desk: Desk) -> None:
    stage_properties(order_desk, "1", ("order_number", True), ("resolution", True))
    with refusal("Stage 'New' requires Order number and Resolution"):
        new_ticket(order_desk)


def test_s7_automation_and_channels_are_not_asked(order_desk: Desk) -> None:
    by_engine = order_desk.create_ticket(AUTOMATION, "0", "Waiting on us", "From a workflow")
    by_mail = order_desk.create_ticket(Actor("channel", "inbox"), "0", "Closed", "From mail")
    assert (by_engine.stage, by_mail.stage) == ("3", "4")
    moved = order_desk.move_ticket(new_ticket(order_desk).id, "Closed", AUTOMATION)
    assert moved.stage == "4"


def test_s7_a_user_s_move_into_the_stage_asks_for_it_too(order_desk: Desk) -> None:
    ticket = new_ticket(order_desk)
    with refusal("Stage 'Closed' requires Resolution"):
        order_desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert order_desk.ticket(ticket.id, ADMIN).stage == "1"
    order_desk.move_ticket(ticket.id, "Closed", ADMIN, values={"resolution": "won't FIX"})
    moved = order_desk.ticket(ticket.id, ADMIN)
    assert (moved.stage, moved.props["resolution"]) == ("4", "Won't fix")


def test_s7_a_value_already_on_the_ticket_counts(order_desk: Desk) -> None:
    ticket = new_ticket(order_desk, order_number=5)
    assert order_desk.move_ticket(ticket.id, "Waiting on us", ADMIN).stage == "3"


def test_s7_a_required_value_cannot_be_emptied_while_in_the_stage(order_desk: Desk) -> None:
    ticket = new_ticket(order_desk, stage="Waiting on us", order_number=5)
    with refusal("Stage 'Waiting on us' requires Order number; it cannot be emptied"):
        order_desk.edit_ticket(ticket.id, {"order_number": ""}, ADMIN)
    assert order_desk.ticket(ticket.id, ADMIN).props["order_number"] == 5


def test_s7_a_required_builtin_property(desk: Desk) -> None:
    stage_properties(desk, "2", ("owner", True))
    with refusal("Stage 'Waiting on contact' requires Owner"):
        new_ticket(desk, stage="Waiting on contact")
    assert new_ticket(desk, stage="Waiting on contact", owner="admin").owner == "admin"


# -- T2 ----------------------------------------------------------------------------


def test_t2_move_within_the_pipeline_by_label_or_id(desk: Desk, clock: MutableClock) -> None:
    ticket = new_ticket(desk)
    moved_at = clock.advance(hours=1)
    desk.move_ticket(ticket.id, "waiting on CONTACT", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).stage == "2"
    desk.move_ticket(f"#{ticket.id}", "3", ADMIN)
    moved = desk.ticket(ticket.id, ADMIN)
    assert (moved.pipeline, moved.stage, moved.last_activity) == ("0", "3", moved_at)
    assert reopen(desk).ticket(ticket.id, ADMIN).stage == "3"


def test_t2_move_to_another_pipeline_and_stage(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk, stage="Waiting on us")
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN, pipeline="Billing")
    moved = desk.ticket(ticket.id, ADMIN)
    assert (moved.pipeline, moved.stage) == (billing.id, billing.stages[1].id)
    assert [t.id for t in desk.tickets(ADMIN, pipeline="0")] == []
    # A stage id names its pipeline, so the id alone moves it back.
    desk.move_ticket(ticket.id, "1", ADMIN)
    assert (desk.ticket(ticket.id, ADMIN).pipeline, desk.ticket(ticket.id, ADMIN).stage) == (
        "0", "1")
    again = reopen(desk)
    assert again.stage_counts("0", ADMIN)["1"] == 1


def test_t2_a_stage_not_in_the_named_pipeline_is_refused(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk)
    with refusal("Stage 4 ('Closed') is in 'Support pipeline', not in 'Billing'"):
        desk.move_ticket(ticket.id, "4", ADMIN, pipeline=billing.id)
    with refusal("No stage 'Escalated' in 'Billing'"):
        desk.move_ticket(ticket.id, "Escalated", ADMIN, pipeline="Billing")
    assert desk.ticket(ticket.id, ADMIN).pipeline == "0"


def test_t2_a_label_without_a_pipeline_is_looked_for_in_the_ticket_s_own(desk: Desk) -> None:
    desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Closed", ADMIN)  # "Closed" is in both pipelines
    assert desk.ticket(ticket.id, ADMIN).pipeline == "0"


def test_t2_moving_to_the_stage_it_is_in_records_nothing(desk: Desk) -> None:
    ticket = new_ticket(desk)
    lines = stored(desk)
    desk.move_ticket(ticket.id, "New", ADMIN)
    assert stored(desk) == lines


def test_t2_an_unknown_ticket_is_refused(desk: Desk) -> None:
    with refusal("No ticket #9"):
        desk.move_ticket("9", "Closed", ADMIN)


# -- T3 ----------------------------------------------------------------------------


def test_t3_into_closed_sets_closed_to_closed_keeps_to_open_clears(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_stage("0", "Won't fix", "closed", ADMIN)
    ticket = new_ticket(desk)
    closed_at = clock.advance(hours=3)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date == closed_at
    clock.advance(hours=3)
    desk.move_ticket(ticket.id, "Won't fix", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date == closed_at
    assert reopen(desk).ticket(ticket.id, ADMIN).close_date == closed_at
    clock.advance(hours=3)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date is None
    assert reopen(desk).ticket(ticket.id, ADMIN).close_date is None
    reclosed_at = clock.advance(days=1)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date == reclosed_at


def test_t3_open_to_open_leaves_no_close_date(desk: Desk) -> None:
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date is None


def test_t3_created_in_a_closed_stage_has_a_close_date(desk: Desk) -> None:
    assert new_ticket(desk, stage="Closed").close_date == START


def test_t3_with_the_switch_off_moves_leave_the_close_date_alone(
        desk: Desk, clock: MutableClock) -> None:
    kept = new_ticket(desk, "Closed before the switch", stage="Closed")
    assert desk.set_close_date_rule("Support pipeline", False, ADMIN).automation.close_date is False
    assert reopen(desk).pipeline("0", ADMIN).automation.close_date is False
    clock.advance(days=1)
    fresh = new_ticket(desk)
    desk.move_ticket(fresh.id, "Closed", ADMIN)
    desk.move_ticket(kept.id, "New", ADMIN)
    assert desk.ticket(fresh.id, ADMIN).close_date is None
    assert desk.ticket(kept.id, ADMIN).close_date == START
    assert new_ticket(desk, stage="Closed").close_date is None
    desk.set_close_date_rule("0", True, ADMIN)
    desk.move_ticket(fresh.id, "New", ADMIN)
    closed_at = clock.advance(hours=1)
    desk.move_ticket(fresh.id, "Closed", ADMIN)
    assert desk.ticket(fresh.id, ADMIN).close_date == closed_at


def test_t3_the_switch_is_per_pipeline(desk: Desk) -> None:
    desk.create_pipeline("Billing", ADMIN)
    desk.set_close_date_rule("Billing", False, ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).close_date == START


# -- T5 ----------------------------------------------------------------------------


def test_t5_delete_removes_the_ticket_for_good(desk: Desk) -> None:
    keep, drop = new_ticket(desk, "Keep"), new_ticket(desk, "Drop")
    assert desk.delete_ticket(drop.id, ADMIN).subject == "Drop"
    assert [t.id for t in desk.tickets(ADMIN)] == [keep.id]
    with refusal(f"No ticket #{drop.id}"):
        desk.ticket(drop.id, ADMIN)
    with refusal(f"No ticket #{drop.id}"):
        desk.delete_ticket(drop.id, ADMIN)
    assert desk.stage_counts("0", ADMIN)["1"] == 1
    assert [t.id for t in reopen(desk).tickets(ADMIN)] == [keep.id]


def test_t5_ids_are_never_reused_after_deleting_the_newest(desk: Desk) -> None:
    for n in range(3):
        new_ticket(desk, f"Ticket {n}")
    desk.delete_ticket("3", ADMIN)
    assert new_ticket(desk).id == "4"
    desk.delete_ticket("4", ADMIN)
    assert new_ticket(reopen(desk)).id == "5"  # replayed from the journal
    desk.refresh()
    desk.delete_ticket("5", ADMIN)
    desk.compact()
    assert new_ticket(reopen(desk)).id == "6"  # read from the snapshot


# -- T7 ----------------------------------------------------------------------------


def test_t7_the_timeline_says_when_who_and_what_from_what_to_what(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_stage("0", "Escalated", "open", ADMIN)
    ticket = new_ticket(desk)
    moved_at = clock.advance(hours=1)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    clock.advance(hours=1)
    desk.edit_ticket(ticket.id, {"priority": "urgent"}, AUTOMATION)
    desk.move_ticket(ticket.id, "Escalated", ADMIN)
    assert desk.timeline(ticket.id, ADMIN)[-1].changes == (
        ("Stage", "Closed", "Escalated"), ("Close date", "2026-11-23 10:00", "(empty)"))
    deleted_at = clock.advance(hours=1)
    desk.delete_stage("Escalated", ADMIN, move_to="New")

    items = desk.timeline(ticket.id, ADMIN)
    assert [(i.what, i.actor) for i in items] == [
        ("Created in Support pipeline / New", "user:admin"),
        ("Moved", "user:admin"),
        ("Edited", "automation:engine"),
        ("Moved", "user:admin"),
        ("Moved: stage 'Escalated' was deleted", "user:admin"),
    ]
    assert [i.at for i in items] == [START, moved_at, moved_at + timedelta(hours=1),
                                     moved_at + timedelta(hours=1), deleted_at]
    assert items[1].changes == (("Stage", "New", "Closed"),
                                ("Close date", "(empty)", "2026-11-23 10:00"))
    assert items[2].changes == (("Priority", "(empty)", "Urgent"),)
    # The deleted stage's label is gone from desk.toml; the move says where to.
    assert [(p, after) for p, _, after in items[4].changes] == [("Stage", "New")]
    # The timeline is read back from the journal, so a reopened desk has it all.
    assert reopen(desk).timeline(ticket.id, ADMIN) == items


def test_t7_a_move_across_pipelines_names_both(desk: Desk) -> None:
    desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN, pipeline="Billing")
    assert desk.timeline(ticket.id, ADMIN)[-1].changes == (
        ("Pipeline", "Support pipeline", "Billing"), ("Stage", "New", "Waiting on us"))


def test_t7_the_timeline_keeps_the_deletion(desk: Desk) -> None:
    ticket = new_ticket(desk)
    new_ticket(desk, "Another")
    desk.delete_ticket(ticket.id, Actor.user("admin"))
    items = timeline_items(desk.config, desk.store.newest_entries(ticket=ticket.id), ticket.id)
    assert [(i.what, i.actor) for i in items] == [
        ("Created in Support pipeline / New", "user:admin"), ("Deleted", "user:admin")]


def test_t7_a_ticket_s_timeline_has_only_its_own_entries(desk: Desk) -> None:
    first = new_ticket(desk, "First")
    for n in range(10):  # ids 2..11: "1" is inside "11"
        new_ticket(desk, f"Other {n}")
    desk.edit_ticket("11", {"priority": "low"}, ADMIN)
    assert [i.what for i in desk.timeline(first.id, ADMIN)] == [
        "Created in Support pipeline / New"]


# -- each rule in one pass, as a quick read of what it says ------------------------


def test_t1_create_sets_create_date_and_source(desk: Desk) -> None:
    ticket = desk.create_ticket(ADMIN, "Support pipeline", "New", "  Printer on fire ")
    assert (ticket.subject, ticket.source, ticket.create_date) == (
        "Printer on fire", "manual", START)
    assert reopen(desk).ticket(ticket.id, ADMIN).subject == "Printer on fire"
    with refusal("needs a subject"):
        desk.create_ticket(ADMIN, "0", "New", "  ")


def test_s7_required_stage_properties_on_create_and_move(desk: Desk) -> None:
    desk.create_property("resolution", "text", ADMIN)
    desk.set_stage_property("Closed", "resolution", ADMIN, required=True)
    with refusal("'Closed' requires Resolution"):
        desk.create_ticket(ADMIN, "0", "Closed", "Done already")
    tid = new_ticket(desk).id
    with refusal("'Closed' requires Resolution"):
        desk.move_ticket(tid, "Closed", ADMIN)
    assert desk.ticket(tid, ADMIN).stage == "1"  # nothing happened
    desk.move_ticket(tid, "Closed", ADMIN, values={"resolution": "Replaced toner"})
    assert desk.ticket(tid, ADMIN).props == {"resolution": "Replaced toner"}
    # Automation is not asked (S7 is about a user's manual moves).
    other = desk.create_ticket(AUTOMATION, "0", "New", "From a rule")
    desk.move_ticket(other.id, "Closed", AUTOMATION)
    with refusal("cannot be emptied"):
        desk.edit_ticket(tid, {"resolution": ""}, ADMIN)


def test_t2_move_within_and_across_pipelines(desk: Desk) -> None:
    tid = new_ticket(desk).id
    desk.move_ticket(tid, "Waiting on us", ADMIN)
    assert desk.ticket(tid, ADMIN).stage == "3"
    sales = desk.create_pipeline("Sales", ADMIN)
    desk.move_ticket(tid, "Waiting on contact", ADMIN, pipeline="Sales")
    moved = reopen(desk).ticket(tid, ADMIN)
    assert (moved.pipeline, moved.stage) == (sales.id, sales.stages[1].id)
    desk.move_ticket(tid, "4", ADMIN)  # an id of another pipeline's stage moves it there
    assert (desk.ticket(tid, ADMIN).pipeline, desk.ticket(tid, ADMIN).stage) == ("0", "4")
    with refusal("is in 'Support pipeline', not in 'Sales'"):
        desk.move_ticket(tid, "1", ADMIN, pipeline="Sales")


def test_t3_close_date(desk: Desk, clock: MutableClock) -> None:
    tid = new_ticket(desk).id
    closed_at = clock.advance(hours=2)
    desk.move_ticket(tid, "Closed", ADMIN)
    assert desk.ticket(tid, ADMIN).close_date == closed_at
    desk.add_stage("0", "Archived", "closed", ADMIN)
    clock.advance(hours=1)
    desk.move_ticket(tid, "Archived", ADMIN)  # Closed -> Closed keeps it
    assert desk.ticket(tid, ADMIN).close_date == closed_at
    desk.move_ticket(tid, "New", ADMIN)  # Closed -> Open clears it
    assert desk.ticket(tid, ADMIN).close_date is None
    desk.set_close_date_rule("0", False, ADMIN)
    desk.move_ticket(tid, "Closed", ADMIN)
    assert desk.ticket(tid, ADMIN).close_date is None
    assert reopen(desk).pipeline("0", ADMIN).automation.close_date is False


def test_t3_created_in_a_closed_stage_gets_a_close_date(desk: Desk) -> None:
    ticket = desk.create_ticket(ADMIN, "0", "Closed", "Solved on the phone")
    assert ticket.close_date == START


def test_t5_delete_and_ids_are_never_reused(desk: Desk) -> None:
    first = new_ticket(desk, "One").id
    second = new_ticket(desk, "Two").id
    desk.delete_ticket(second, ADMIN)
    with refusal(f"No ticket #{second}"):
        desk.ticket(second, ADMIN)
    third = reopen(desk).create_ticket(ADMIN, "0", "New", "Three").id
    assert (first, second, third) == ("1", "2", "3")


def test_t7_timeline_records_who_what_from_what_to_what(desk: Desk, clock: MutableClock) -> None:
    tid = new_ticket(desk).id
    clock.advance(minutes=5)
    desk.edit_ticket(tid, {"priority": "urgent"}, ADMIN)
    clock.advance(minutes=5)
    desk.move_ticket(tid, "Closed", AUTOMATION)
    items = reopen(desk).timeline(tid, ADMIN)
    assert [(i.what, i.actor) for i in items] == [
        ("Created in Support pipeline / New", "user:admin"),
        ("Edited", "user:admin"),
        ("Moved", "automation:engine"),
    ]
    assert items[1].changes == (("Priority", "(empty)", "Urgent"),)
    assert ("Stage", "New", "Closed") in items[2].changes
    assert items[2].at == clock.now
