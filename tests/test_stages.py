"""Stages: S1-S4 and S6 (S7 is with the tickets, in test_tickets.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import new_desk
from core_fixtures import (
    ADMIN,
    START,
    MutableClock,
    data_dir,
    email_triggers_off,
    last_entry,
    new_ticket,
    refusal,
    reopen,
    stored,
)

from core import Desk
from core.events import Entry, StagesEdited
from core.model import StageState
from core.store import LocalStore


def stage_labels(desk: Desk, pipeline: str = "0") -> list[str]:
    return [s.label for s in desk.pipeline(pipeline, ADMIN).stages]


# -- S1 ----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "state"), [
    ("open", StageState.OPEN), ("closed", StageState.CLOSED), (" Closed ", StageState.CLOSED),
    (StageState.OPEN, StageState.OPEN),
])
def test_s1_add_a_stage_open_or_closed_at_the_end(desk: Desk, given: str,
                                                  state: StageState) -> None:
    stage = desk.add_stage("0", "Escalated", given, ADMIN)
    assert stage.state is state
    assert stage_labels(desk)[-1] == "Escalated"
    assert stage.id not in {"0", "1", "2", "3", "4"}
    assert reopen(desk).stage(stage.id, ADMIN)[1] == stage


@pytest.mark.parametrize("state", ["opne", "", "pending"])
def test_s1_a_state_other_than_open_or_closed_is_refused(desk: Desk, state: str) -> None:
    with refusal("A stage is open or closed", repr(state)):
        desk.add_stage("0", "Escalated", state, ADMIN)
    assert len(stage_labels(desk)) == 4


def test_s1_a_stage_label_is_unique_within_its_pipeline_only(desk: Desk) -> None:
    with refusal("'Support pipeline' has a stage labelled 'New' already (id 1)"):
        desk.add_stage("0", "NEW", "open", ADMIN)
    with refusal("A stage needs a label"):
        desk.add_stage("0", "  ", "open", ADMIN)
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.add_stage(billing.id, "Escalated", "open", ADMIN)
    assert desk.add_stage("0", "Escalated", "open", ADMIN).label == "Escalated"


# -- S2 ----------------------------------------------------------------------------


def test_s2_deleting_the_last_closed_stage_is_refused_saying_why(desk: Desk) -> None:
    with refusal("Cannot delete 'Closed'",
                 "Pipeline 'Support pipeline' must keep at least one Closed stage"):
        desk.delete_stage("Closed", ADMIN)
    assert "Closed" in stage_labels(desk)


def test_s2_deleting_the_last_open_stage_is_refused(desk: Desk) -> None:
    email_triggers_off(desk)
    desk.delete_stage("Waiting on contact", ADMIN)
    desk.delete_stage("Waiting on us", ADMIN)
    with refusal("Cannot delete 'New'", "must keep at least one Open stage"):
        desk.delete_stage("New", ADMIN)
    assert stage_labels(desk) == ["New", "Closed"]


def test_s2_a_second_closed_stage_makes_the_first_deletable(desk: Desk) -> None:
    desk.add_stage("0", "Won't fix", "closed", ADMIN)
    desk.delete_stage("Closed", ADMIN)
    assert stage_labels(desk) == ["New", "Waiting on contact", "Waiting on us", "Won't fix"]


def test_s2_changing_the_state_of_the_last_closed_stage_is_refused(desk: Desk) -> None:
    with refusal("Cannot make 'Closed' open", "must keep at least one Closed stage"):
        desk.set_stage_state("Closed", "open", ADMIN)
    assert desk.stage("Closed", ADMIN)[1].state is StageState.CLOSED


def test_s2_closing_the_last_open_stage_is_refused(desk: Desk) -> None:
    desk.set_stage_state("New", "closed", ADMIN)
    desk.set_stage_state("Waiting on contact", StageState.CLOSED, ADMIN)
    with refusal("Cannot make 'Waiting on us' closed", "must keep at least one Open stage"):
        desk.set_stage_state("Waiting on us", "closed", ADMIN)
    states = [s.state for s in reopen(desk).pipeline("0", ADMIN).stages]
    assert states == [StageState.CLOSED, StageState.CLOSED, StageState.OPEN, StageState.CLOSED]


# -- S3 / S4 -------------------------------------------------------------------------


def test_s3_rename_keeps_the_id_and_the_tickets(desk: Desk) -> None:
    ticket = new_ticket(desk, stage="Waiting on us")
    renamed = desk.rename_stage("Waiting on us", "Our turn", ADMIN)
    assert renamed.id == "3"
    assert stage_labels(desk)[2] == "Our turn"
    assert [t.id for t in desk.tickets(ADMIN, stage="Our turn")] == [ticket.id]
    assert reopen(desk).stage("3", ADMIN)[1].label == "Our turn"


def test_s3_rename_to_another_stage_s_label_is_refused(desk: Desk) -> None:
    with refusal("has a stage labelled 'Closed' already (id 4)"):
        desk.rename_stage("New", "closed", ADMIN)
    assert desk.rename_stage("New", "NEW", ADMIN).label == "NEW"  # itself, other case


def test_s4_reorder_stages_is_one_based_and_keeps_ids(desk: Desk) -> None:
    desk.reorder_stage("Closed", 1, ADMIN)
    desk.reorder_stage("New", 4, ADMIN)
    expected = ["Closed", "Waiting on contact", "Waiting on us", "New"]
    assert stage_labels(desk) == expected
    assert [s.id for s in desk.pipeline("0", ADMIN).stages] == ["4", "2", "3", "1"]
    assert stage_labels(reopen(desk)) == expected


@pytest.mark.parametrize("position", [0, 5])
def test_s4_a_position_out_of_range_is_refused(desk: Desk, position: int) -> None:
    with refusal(f"Position {position} is out of range",
                 "there are 4 stages in 'Support pipeline' (1 to 4)"):
        desk.reorder_stage("New", position, ADMIN)
    assert stage_labels(desk)[0] == "New"


# -- S6 ----------------------------------------------------------------------------


def test_s6_an_empty_stage_is_deleted_without_a_target(desk: Desk) -> None:
    email_triggers_off(desk)
    desk.delete_stage("Waiting on contact", ADMIN)
    assert stage_labels(desk) == ["New", "Waiting on us", "Closed"]
    with refusal("No stage 'Waiting on contact'"):
        desk.stage("Waiting on contact", ADMIN)
    assert stage_labels(reopen(desk)) == ["New", "Waiting on us", "Closed"]


def test_s6_deleting_a_stage_that_holds_tickets_needs_a_target(desk: Desk) -> None:
    for n in range(3):
        new_ticket(desk, f"Ticket {n}", stage="Waiting on us")
    with refusal("Stage 'Waiting on us' holds 3 tickets",
                 "pick a stage of 'Support pipeline' to move them to"):
        desk.delete_stage("Waiting on us", ADMIN)
    assert desk.stage_counts("0", ADMIN)["3"] == 3


def test_s6_delete_moves_every_ticket_to_the_target(desk: Desk) -> None:
    email_triggers_off(desk)
    held = [new_ticket(desk, f"Ticket {n}", stage="Waiting on us").id for n in range(5)]
    other = new_ticket(desk, "Stays", stage="New")
    desk.delete_stage("Waiting on us", ADMIN, move_to="Waiting on contact")
    assert desk.stage_counts("0", ADMIN) == {"1": 1, "2": 5, "4": 0}
    assert {desk.ticket(t, ADMIN).stage for t in held} == {"2"}
    assert desk.ticket(other.id, ADMIN).stage == "1"
    # One journal line for the deletion and all its moves (S6: whole or not at all).
    last = last_entry(desk)
    assert last["event"]["type"] == "stages.edited"
    assert sorted(last["event"]["moved"]) == sorted(held)
    again = reopen(desk)
    assert {again.ticket(t, ADMIN).stage for t in held} == {"2"}
    assert "Waiting on us" not in stage_labels(again)


def test_s6_t3_moving_open_tickets_into_a_closed_stage_sets_the_close_date(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_stage("0", "Escalated", "open", ADMIN)
    ticket = new_ticket(desk, stage="Escalated")
    deleted_at = clock.advance(hours=2)
    desk.delete_stage("Escalated", ADMIN, move_to="Closed")
    assert desk.ticket(ticket.id, ADMIN).close_date == deleted_at
    assert reopen(desk).ticket(ticket.id, ADMIN).close_date == deleted_at


def test_s6_t3_moving_closed_tickets_into_an_open_stage_clears_the_close_date(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_stage("0", "Won't fix", "closed", ADMIN)
    ticket = new_ticket(desk, stage="Won't fix")
    assert ticket.close_date == START
    clock.advance(hours=2)
    desk.delete_stage("Won't fix", ADMIN, move_to="New")
    assert desk.ticket(ticket.id, ADMIN).close_date is None
    assert reopen(desk).ticket(ticket.id, ADMIN).close_date is None


def test_s6_t3_moving_closed_tickets_into_a_closed_stage_keeps_the_close_date(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_stage("0", "Won't fix", "closed", ADMIN)
    ticket = new_ticket(desk, stage="Won't fix")
    clock.advance(days=3)
    desk.delete_stage("Won't fix", ADMIN, move_to="Closed")
    assert desk.ticket(ticket.id, ADMIN).close_date == START


def test_s6_the_target_must_be_in_the_same_pipeline(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk, stage="Waiting on us")
    target = billing.stages[0].id
    with refusal(f"Stage {target} ('New') is in 'Billing', not in 'Support pipeline'"):
        desk.delete_stage("3", ADMIN, move_to=target)
    with refusal("No stage 'Invoiced' in 'Support pipeline'"):
        desk.delete_stage("3", ADMIN, move_to="Invoiced")
    assert desk.ticket(ticket.id, ADMIN).stage == "3"
    assert "Waiting on us" in stage_labels(desk)


def test_s6_a_label_target_is_looked_for_in_the_stage_s_own_pipeline(desk: Desk) -> None:
    email_triggers_off(desk)
    desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk, stage="Waiting on us")
    desk.delete_stage("3", ADMIN, move_to="New")  # "New" is in both pipelines
    assert desk.ticket(ticket.id, ADMIN).stage == "1"


def test_s6_the_target_cannot_be_the_stage_itself(desk: Desk) -> None:
    new_ticket(desk, stage="Waiting on us")
    with refusal("Cannot move the tickets of 'Waiting on us' into itself"):
        desk.delete_stage("Waiting on us", ADMIN, move_to="Waiting on us")


@pytest.mark.files
def test_s6_a_crash_between_journal_and_desk_toml_is_finished_on_open(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """S6 whole or not at all: the journal line is written, then the process
    dies before desk.toml is saved. The next open finishes the deletion."""
    email_triggers_off(desk)
    held = [new_ticket(desk, f"Ticket {n}", stage="Waiting on us").id for n in range(3)]
    toml_before = (data_dir(desk) / "desk.toml").read_bytes()

    def crash(self: LocalStore, config: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(LocalStore, "save_settings", crash)
    with pytest.raises(KeyboardInterrupt):
        desk.delete_stage("Waiting on us", ADMIN, move_to="Closed")
    monkeypatch.undo()
    # The crash left the journal line and the old desk.toml.
    assert last_entry(desk)["event"]["type"] == "stages.edited"
    assert (data_dir(desk) / "desk.toml").read_bytes() == toml_before

    again = reopen(desk)
    assert stage_labels(again) == ["New", "Waiting on contact", "Closed"]
    assert {again.ticket(t, ADMIN).stage for t in held} == {"4"}
    # desk.toml itself is finished, not only the loaded copy.
    assert "Waiting on us" not in (data_dir(desk) / "desk.toml").read_text()
    assert stage_labels(reopen(desk)) == ["New", "Waiting on contact", "Closed"]
    assert again.warnings == []


@pytest.mark.files
def test_s6_a_desk_left_open_finishes_another_process_s_broken_deletion(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    other = reopen(desk)

    def crash(self: LocalStore, config: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(LocalStore, "save_settings", crash)
    with pytest.raises(KeyboardInterrupt):
        desk.delete_stage("Waiting on us", ADMIN, move_to="New")
    monkeypatch.undo()
    other.refresh()
    assert stage_labels(other) == ["New", "Waiting on contact", "Closed"]
    assert other.ticket(ticket.id, ADMIN).stage == "1"
    assert stage_labels(reopen(desk)) == ["New", "Waiting on contact", "Closed"]


@pytest.mark.files
def test_s6_a_journal_line_written_by_hand_is_finished_on_open(desk: Desk) -> None:
    """The same crash, made by appending the StagesEdited entry through the
    store without touching desk.toml."""
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on contact")
    store = LocalStore(data_dir(desk))
    _, state = store.load()
    with store.locked():
        store.append([Entry(seq=state.seq + 1, at=START, actor=str(ADMIN), event=StagesEdited(
            pipeline="0", deleted={"2": "Waiting on contact"},
            moved={ticket.id: {"stage": ["2", "3"]}},
            stages=[{"id": "1", "label": "New", "state": "open"},
                    {"id": "3", "label": "Waiting on us", "state": "open"},
                    {"id": "4", "label": "Closed", "state": "closed"}],
            next_id=5))])
    assert "Waiting on contact" in (data_dir(desk) / "desk.toml").read_text()
    again = reopen(desk)
    assert stage_labels(again) == ["New", "Waiting on us", "Closed"]
    assert again.ticket(ticket.id, ADMIN).stage == "3"


def test_s6_a_live_desk_sees_another_desk_s_stage_deletion(desk: Desk) -> None:
    email_triggers_off(desk)
    other = reopen(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    other.refresh()
    desk.delete_stage("Waiting on us", ADMIN, move_to="New")
    other.refresh()
    assert stage_labels(other) == ["New", "Waiting on contact", "Closed"]
    assert other.ticket(ticket.id, ADMIN).stage == "1"


def test_s6_a_refused_deletion_writes_nothing(desk: Desk) -> None:
    new_ticket(desk, stage="Waiting on us")
    before = stored(desk)
    with refusal("holds 1 ticket"):
        desk.delete_stage("Waiting on us", ADMIN)
    assert stored(desk) == before


# -- each rule in one pass, as a quick read of what it says ------------------------


def test_s1_s3_s4_add_rename_reorder(desk: Desk) -> None:
    added = desk.add_stage("0", "Escalated", "open", ADMIN)
    assert stage_labels(desk)[-1] == "Escalated"
    renamed = desk.rename_stage(added.id, "Escalated to L2", ADMIN)
    assert renamed.id == added.id
    desk.reorder_stage(added.id, 2, ADMIN)
    assert stage_labels(desk)[:2] == ["New", "Escalated to L2"]
    with refusal("has a stage labelled 'New' already"):
        desk.rename_stage(added.id, "new", ADMIN)
    with refusal("open or closed"):
        desk.add_stage("0", "Odd", "maybe", ADMIN)


def test_s2_keeps_one_open_and_one_closed_stage(desk: Desk) -> None:
    email_triggers_off(desk)
    with refusal("at least one Closed stage"):
        desk.delete_stage("Closed", ADMIN)
    with refusal("at least one Closed stage"):
        desk.set_stage_state("Closed", "open", ADMIN)
    desk.delete_stage("Waiting on contact", ADMIN)
    desk.delete_stage("Waiting on us", ADMIN)
    with refusal("at least one Open stage"):
        desk.delete_stage("New", ADMIN)
    with refusal("at least one Open stage"):
        desk.set_stage_state("New", "closed", ADMIN)
    assert stage_labels(reopen(desk)) == ["New", "Closed"]


def test_s6_t3_delete_moves_tickets_in_the_same_step(desk: Desk, clock: MutableClock) -> None:
    email_triggers_off(desk)
    ids = [new_ticket(desk, f"T{n}", stage="Waiting on us").id for n in range(3)]
    with refusal("'Waiting on us' holds 3 tickets; pick a stage"):
        desk.delete_stage("Waiting on us", ADMIN)
    sales = desk.create_pipeline("Sales", ADMIN)
    with refusal("is in 'Sales', not in 'Support pipeline'"):
        desk.delete_stage("3", ADMIN, move_to=sales.stages[0].id)
    with refusal("into itself"):
        desk.delete_stage("3", ADMIN, move_to="3")
    clock.advance(hours=1)
    desk.delete_stage("3", ADMIN, move_to="Closed")
    again = reopen(desk)
    assert "Waiting on us" not in stage_labels(again)
    for tid in ids:
        ticket = again.ticket(tid, ADMIN)
        assert ticket.stage == "4"
        assert ticket.close_date == clock.now  # T3 applies to the moves of S6
    [*_, last] = again.timeline(ids[0], ADMIN)
    assert last.what == "Moved: stage 'Waiting on us' was deleted"


@pytest.mark.files
def test_s6_a_crash_before_desk_toml_is_saved_is_finished_on_open(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the crash test above, with an OSError (a full disk, a power cut)
    instead of an interrupt."""
    email_triggers_off(desk)
    tid = new_ticket(desk, stage="Waiting on us").id

    def crash(self: LocalStore, config: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(LocalStore, "save_settings", crash)
    with pytest.raises(OSError):
        desk.delete_stage("Waiting on us", ADMIN, move_to="New")
    monkeypatch.undo()
    again = reopen(desk)
    assert "Waiting on us" not in stage_labels(again)
    assert again.ticket(tid, ADMIN).stage == "1"
    assert "Waiting on us" not in (data_dir(again) / "desk.toml").read_text()


# -- S6 and the email triggers (A3a, A3b) and channels (A1) ------------------------

A3A = "An email is sent to a customer (A3a)"


def test_s6_a3a_deleting_the_stage_a_trigger_that_is_on_moves_into_is_refused(
        desk: Desk) -> None:
    before = stored(desk)
    with refusal("Cannot delete 'Waiting on contact'", f"the email trigger '{A3A}' moves "
                 "tickets into it", "choose another stage for it first"):
        desk.delete_stage("Waiting on contact", ADMIN)
    assert stored(desk) == before
    assert "Waiting on contact" in stage_labels(reopen(desk))
    with refusal("Cannot delete 'Waiting on us'",
                 "the email trigger 'A customer replies to an email (A3b)'"):
        desk.delete_stage("Waiting on us", ADMIN)
    assert stored(desk) == before


def test_s6_a3a_a_trigger_that_is_off_lets_go_of_its_deleted_stage(desk: Desk) -> None:
    desk.set_email_trigger("0", "email-sent", ADMIN, on=False)
    desk.delete_stage("Waiting on contact", ADMIN)
    assert stage_labels(desk) == ["New", "Waiting on us", "Closed"]
    for seen in (desk, reopen(desk)):
        automation = seen.pipeline("0", ADMIN).automation
        assert (automation.email_sent.on, automation.email_sent.stage) == (False, None)
        # The other trigger is on and keeps its stage.
        assert (automation.customer_replied.on, automation.customer_replied.stage) == (True, "3")


def test_s6_a3b_a_trigger_moved_to_another_stage_lets_its_old_one_be_deleted(
        desk: Desk) -> None:
    trigger = desk.set_email_trigger("0", "customer-replied", ADMIN, stage="New")
    assert (trigger.on, trigger.stage) == (True, "1")
    desk.delete_stage("Waiting on us", ADMIN)
    assert stage_labels(desk) == ["New", "Waiting on contact", "Closed"]
    replied = reopen(desk).pipeline("0", ADMIN).automation.customer_replied
    assert (replied.on, replied.stage) == (True, "1")


def test_s6_a1_deleting_the_stage_a_channel_puts_new_tickets_into_is_refused(
        desk: Desk) -> None:
    email_triggers_off(desk)
    desk.add_channel("support@example.com", "0", ADMIN, stage="Waiting on us")
    before = stored(desk)
    with refusal("Cannot delete 'Waiting on us'",
                 "the channel support@example.com moves tickets into it"):
        desk.delete_stage("Waiting on us", ADMIN)
    assert stored(desk) == before
    assert reopen(desk).config.channels[0].stage == "3"


def test_p5_a1_deleting_the_pipeline_a_channel_puts_tickets_into_is_refused(
        desk: Desk) -> None:
    sales = desk.create_pipeline("Sales", ADMIN)
    desk.add_channel("support@example.com", sales.id, ADMIN)
    before = stored(desk)
    for attempt in (desk.check_delete_pipeline, desk.delete_pipeline):
        # The screen asks before deleting (check_delete_pipeline): it says the same.
        with refusal("Pipeline 'Sales' gets the mail of the channel support@example.com",
                     "remove the channel"):
            attempt(sales.id, ADMIN)
    assert stored(desk) == before
    assert [p.label for p in reopen(desk).config.pipelines] == ["Support pipeline", "Sales"]
    desk.remove_channel("support@example.com", ADMIN)
    desk.delete_pipeline(sales.id, ADMIN)
    assert [p.label for p in reopen(desk).config.pipelines] == ["Support pipeline"]


def test_s6_a3_stage_delete_on_the_command_line_waits_for_the_trigger(run: Any, home: Path) -> None:
    new_desk(home)
    refused = run("stage", "delete", "Waiting on contact")
    assert refused.code == 1
    assert "Traceback" not in refused.err
    assert refused.err.startswith("pipedesk: Cannot delete 'Waiting on contact': the email "
                                  f"trigger '{A3A}' moves tickets into it"), refused.err
    assert "pipedesk automation set" in refused.err
    assert run("automation", "set", "0", "email-sent", "off").code == 0
    deleted = run("stage", "delete", "Waiting on contact")
    assert (deleted.code, deleted.out) == (0, "Deleted stage 2 'Waiting on contact'.\n")
    moved = run("automation", "set", "0", "customer-replied", "--stage", "New")
    assert (moved.code, moved.out) == (
        0, "Support pipeline: customer-replied on, moves tickets to 'New'.\n")
    assert run("stage", "delete", "Waiting on us").code == 0
    assert [s["label"] for s in run("stage", "list", "0", "--json").json()] == ["New", "Closed"]
