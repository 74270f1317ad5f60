"""Pipelines: P1-P5 and P8, naming things by label or id, and the rule that
a refused settings change leaves desk.toml as it was."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from core_fixtures import (
    ADMIN,
    add_agent,
    data_dir,
    new_ticket,
    refusal,
    reopen,
    stored,
)

from core import Actor, Desk, DeskError
from core.model import StageState


def labels(desk: Desk) -> list[str]:
    return [p.label for p in desk.pipelines(ADMIN)]


def stage_labels(desk: Desk, pipeline: str) -> list[str]:
    return [s.label for s in desk.pipeline(pipeline, ADMIN).stages]


# -- P1 ----------------------------------------------------------------------------


@pytest.mark.files
def test_p1_first_start_has_support_pipeline_with_four_stages_in_order(desk: Desk) -> None:
    [support] = desk.pipelines(ADMIN)
    assert support.label == "Support pipeline"
    assert [(s.label, s.state) for s in support.stages] == [
        ("New", StageState.OPEN),
        ("Waiting on contact", StageState.OPEN),
        ("Waiting on us", StageState.OPEN),
        ("Closed", StageState.CLOSED),
    ]
    assert (data_dir(desk) / "desk.toml").exists()


def test_p1_the_default_pipeline_is_written_once_not_on_every_start(desk: Desk) -> None:
    desk.rename_pipeline("Support pipeline", "Helpdesk", ADMIN)
    assert labels(reopen(desk)) == ["Helpdesk"]


# -- P2 ----------------------------------------------------------------------------


def test_p2_create_gives_the_four_default_stages_with_ids_of_their_own(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    assert labels(desk) == ["Support pipeline", "Billing"]
    assert [(s.label, s.state) for s in billing.stages] == [
        (s.label, s.state) for s in desk.pipeline("0", ADMIN).stages]
    # P8: one id names one thing in the whole desk.
    every_id = [billing.id, "0"] + [s.id for p in desk.pipelines(ADMIN) for s in p.stages]
    assert len(set(every_id)) == len(every_id) == 10
    assert labels(reopen(desk)) == ["Support pipeline", "Billing"]


def test_p2_new_pipeline_stages_can_be_edited_on_their_own(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.rename_stage(billing.stages[0].id, "Received", ADMIN)
    assert [s.label for s in desk.pipeline("Billing", ADMIN).stages][0] == "Received"
    assert [s.label for s in desk.pipeline("0", ADMIN).stages][0] == "New"


@pytest.mark.parametrize("label", ["Support pipeline", "support PIPELINE", "  Support   pipeline "])
def test_p2_a_label_in_use_is_refused_case_insensitively(desk: Desk, label: str) -> None:
    with refusal("A pipeline labelled 'Support pipeline' exists already (id 0)"):
        desk.create_pipeline(label, ADMIN)
    assert labels(desk) == ["Support pipeline"]


@pytest.mark.parametrize("label", ["", "   "])
def test_p2_an_empty_label_is_refused(desk: Desk, label: str) -> None:
    with refusal("A pipeline needs a label"):
        desk.create_pipeline(label, ADMIN)


def test_p2_label_whitespace_is_tidied(desk: Desk) -> None:
    assert desk.create_pipeline("  Billing \t team ", ADMIN).label == "Billing team"


# -- P3 / P8 -----------------------------------------------------------------------


def test_p3_p8_rename_keeps_the_id_and_the_tickets(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    ticket = new_ticket(desk, pipeline=billing.id)
    renamed = desk.rename_pipeline("Billing", "Invoices", ADMIN)
    assert renamed.id == billing.id
    assert desk.pipeline(billing.id, ADMIN).label == "Invoices"
    assert [t.id for t in desk.tickets(ADMIN, pipeline="Invoices")] == [ticket.id]
    with refusal("No pipeline 'Billing'"):
        desk.pipeline("Billing", ADMIN)
    assert reopen(desk).pipeline(billing.id, ADMIN).label == "Invoices"


def test_p3_rename_to_another_pipeline_s_label_is_refused(desk: Desk) -> None:
    desk.create_pipeline("Billing", ADMIN)
    with refusal("A pipeline labelled 'Billing' exists already"):
        desk.rename_pipeline("0", "BILLING", ADMIN)


def test_p3_rename_to_its_own_label_in_other_case_is_allowed(desk: Desk) -> None:
    assert desk.rename_pipeline("0", "SUPPORT pipeline", ADMIN).label == "SUPPORT pipeline"


# -- P4 ----------------------------------------------------------------------------


def test_p4_reorder_is_one_based_and_every_list_follows_it(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    sales = desk.create_pipeline("Sales", ADMIN)
    desk.reorder_pipeline("Sales", 1, ADMIN)
    assert labels(desk) == ["Sales", "Support pipeline", "Billing"]
    desk.reorder_pipeline("0", 3, ADMIN)
    assert labels(desk) == ["Sales", "Billing", "Support pipeline"]
    # P8: ids do not change with the order.
    assert [p.id for p in desk.pipelines(ADMIN)] == [sales.id, billing.id, "0"]
    assert labels(reopen(desk)) == ["Sales", "Billing", "Support pipeline"]


@pytest.mark.parametrize("position", [0, -1, 3, 99])
def test_p4_a_position_out_of_range_is_refused(desk: Desk, position: int) -> None:
    desk.create_pipeline("Billing", ADMIN)
    with refusal(f"Position {position} is out of range: there are 2 pipelines (1 to 2)"):
        desk.reorder_pipeline("Billing", position, ADMIN)
    assert labels(desk) == ["Support pipeline", "Billing"]


# -- P5 ----------------------------------------------------------------------------


def test_p5_delete_refused_while_it_holds_tickets_saying_how_many(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    for n in range(12):
        new_ticket(desk, f"Invoice {n}", pipeline=billing.id)
    with refusal("Pipeline 'Billing' holds 12 tickets",
                 "move them to another pipeline or delete them first"):
        desk.delete_pipeline("Billing", ADMIN)
    assert labels(desk) == ["Support pipeline", "Billing"]


def test_p5_one_ticket_is_said_in_the_singular(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    new_ticket(desk, pipeline=billing.id)
    with refusal("holds 1 ticket;", "move it to another pipeline or delete it first"):
        desk.delete_pipeline(billing.id, ADMIN)


def test_p5_a_delete_can_be_checked_first_deleting_nothing(desk: Desk) -> None:
    """Issue 11: the pipelines screen asked "cannot be undone?" and only then
    was refused; it now asks the desk first, with the very rules of the
    delete."""
    billing = desk.create_pipeline("Billing", ADMIN)
    agent = add_agent(desk)
    new_ticket(desk, pipeline=billing.id)
    before = stored(desk)
    with refusal("Pipeline 'Billing' holds 1 ticket; move it to another pipeline"):
        desk.check_delete_pipeline("Billing", ADMIN)
    with refusal("No pipeline 'Sales'"):
        desk.check_delete_pipeline("Sales", ADMIN)
    with refusal("Only administrators may delete pipelines"):
        desk.check_delete_pipeline("0", Actor.user(agent.id))
    assert stored(desk) == before
    desk.delete_ticket("1", ADMIN)
    before = stored(desk)
    assert desk.check_delete_pipeline("Billing", ADMIN).id == billing.id
    assert stored(desk) == before
    assert labels(desk) == ["Support pipeline", "Billing"]
    desk.delete_pipeline("Billing", ADMIN)
    with refusal("'Support pipeline' is the last pipeline"):
        desk.check_delete_pipeline("0", ADMIN)


def test_p5_delete_goes_once_its_tickets_are_moved_or_deleted(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    moved = new_ticket(desk, "Move me", pipeline=billing.id)
    gone = new_ticket(desk, "Delete me", pipeline=billing.id)
    desk.move_ticket(moved.id, "New", ADMIN, pipeline="0")
    desk.delete_ticket(gone.id, ADMIN)
    desk.delete_pipeline("Billing", ADMIN)
    assert labels(desk) == ["Support pipeline"]
    assert desk.ticket(moved.id, ADMIN).pipeline == "0"
    assert labels(reopen(desk)) == ["Support pipeline"]


def test_p5_the_last_pipeline_cannot_be_deleted(desk: Desk) -> None:
    with refusal("'Support pipeline' is the last pipeline", "at least one"):
        desk.delete_pipeline("0", ADMIN)
    assert labels(desk) == ["Support pipeline"]


def test_p5_p8_ids_of_a_deleted_pipeline_are_not_given_out_again(desk: Desk) -> None:
    old = desk.create_pipeline("Billing", ADMIN)
    desk.delete_pipeline("Billing", ADMIN)
    new = desk.create_pipeline("Billing", ADMIN)
    old_ids = {old.id, *(s.id for s in old.stages)}
    assert old_ids.isdisjoint({new.id, *(s.id for s in new.stages)})


# -- naming a pipeline or stage by id or label (P8) ------------------------------------


def test_p8_a_pipeline_is_found_by_id_or_by_label_in_any_case(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    assert desk.pipeline(billing.id, ADMIN) == desk.pipeline("bILLING", ADMIN) == billing


@pytest.mark.parametrize("ref", ["99", "Sales"])
def test_p8_an_unknown_pipeline_is_refused_listing_the_known_ones(desk: Desk, ref: str) -> None:
    with refusal(f"No pipeline '{ref}'", "Pipelines: 0 (Support pipeline)"):
        desk.pipeline(ref, ADMIN)
    with refusal(f"No pipeline '{ref}'"):
        desk.rename_pipeline(ref, "Anything", ADMIN)


def test_p8_an_unknown_stage_is_refused_listing_the_stages(desk: Desk) -> None:
    with refusal("No stage '42'", "Stages: 1 (New), 2 (Waiting on contact)"):
        desk.stage("42", ADMIN)


def test_p8_a_stage_label_in_two_pipelines_is_refused_naming_both(desk: Desk) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    billing_new = billing.stages[0].id
    with refusal("'new' fits 2 stages", f"1 in 'Support pipeline', {billing_new} in 'Billing'",
                 "Name it by its id"):
        desk.stage("new", ADMIN)
    with refusal("fits 2 stages"):
        desk.rename_stage("New", "Fresh", ADMIN)
    # Within a pipeline, or by id, it is one stage.
    assert desk.stage("new", ADMIN, within="Billing")[1].id == billing_new
    assert desk.stage(billing_new, ADMIN)[1].label == "New"


def test_p8_a_stage_id_of_another_pipeline_is_refused_within_a_pipeline(desk: Desk) -> None:
    desk.create_pipeline("Billing", ADMIN)
    with refusal("Stage 1 ('New') is in 'Support pipeline', not in 'Billing'"):
        desk.stage("1", ADMIN, within="Billing")


# -- who may change settings --------------------------------------------------------


def test_u1_only_administrators_change_pipelines(desk: Desk) -> None:
    add_agent(desk)
    agent = Actor.user("ingrid")
    with refusal("Only administrators may create pipelines"):
        desk.create_pipeline("Billing", agent)
    with refusal("Only administrators may change stages"):
        desk.delete_stage("Waiting on us", agent)
    # An agent still works tickets.
    assert desk.create_ticket(agent, "0", "New", "Agent's ticket").subject == "Agent's ticket"


def test_u1_a_user_the_desk_does_not_know_cannot_act(desk: Desk) -> None:
    with refusal("No user 'ghost' on this desk"):
        desk.create_pipeline("Billing", Actor.user("ghost"))
    with refusal("No user 'ghost' on this desk"):
        desk.create_ticket(Actor.user("ghost"), "0", "New", "Hello")


# -- refused settings changes leave every file as it was ------------------------------


REFUSED_CHANGES: dict[str, Callable[[Desk], object]] = {
    "P2 label in use": lambda d: d.create_pipeline("billing", ADMIN),
    "P3 label in use": lambda d: d.rename_pipeline("0", "Billing", ADMIN),
    "P4 out of range": lambda d: d.reorder_pipeline("0", 5, ADMIN),
    "P5 holds tickets": lambda d: d.delete_pipeline("0", ADMIN),
    "P8 unknown pipeline": lambda d: d.rename_pipeline("77", "X", ADMIN),
    "S1 bad state": lambda d: d.add_stage("0", "Triage", "opne", ADMIN),
    "S1 label in use": lambda d: d.add_stage("0", "closed", "closed", ADMIN),
    "S2 last closed": lambda d: d.delete_stage("4", ADMIN),
    "S2 state change": lambda d: d.set_stage_state("4", "open", ADMIN),
    "S3 label in use": lambda d: d.rename_stage("1", "Closed", ADMIN),
    "S4 out of range": lambda d: d.reorder_stage("1", 0, ADMIN),
    "S6 holds tickets": lambda d: d.delete_stage("1", ADMIN),
    "S6 other pipeline": lambda d: d.delete_stage("1", ADMIN, move_to="7"),
    "S6 into itself": lambda d: d.delete_stage("1", ADMIN, move_to="1"),
    "agent": lambda d: d.create_pipeline("Sales", Actor.user("ingrid")),
    "property exists": lambda d: d.create_property("subject", "text", ADMIN),
}


@pytest.mark.parametrize("change", REFUSED_CHANGES.values(), ids=REFUSED_CHANGES.keys())
def test_a_refused_settings_change_leaves_every_file_byte_for_byte(
        desk: Desk, change: Callable[[Desk], object]) -> None:
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.rename_stage(billing.stages[0].id, "Received", ADMIN)
    add_agent(desk)
    new_ticket(desk)
    before = stored(desk)
    config = desk.config.model_copy(deep=True)
    with pytest.raises(DeskError):
        change(desk)
    assert stored(desk) == before
    assert desk.config == config
    assert reopen(desk).config == config


# -- each rule in one pass, as a quick read of what it says ------------------------


def test_p1_a_new_desk_has_support_pipeline_with_four_stages(desk: Desk) -> None:
    [support] = desk.pipelines(ADMIN)
    assert support.label == "Support pipeline"
    assert [(s.label, s.state.value) for s in support.stages] == [
        ("New", "open"), ("Waiting on contact", "open"), ("Waiting on us", "open"),
        ("Closed", "closed")]


def test_p2_create_starts_with_default_stages_and_labels_are_unique(desk: Desk) -> None:
    sales = desk.create_pipeline("  Sales  ", ADMIN)
    assert sales.label == "Sales"
    assert stage_labels(desk, sales.id) == stage_labels(desk, "0")
    assert {s.id for s in sales.stages}.isdisjoint(
        s.id for s in desk.pipeline("0", ADMIN).stages)
    with pytest.raises(DeskError, match="exists already"):
        desk.create_pipeline("SALES", ADMIN)
    with pytest.raises(DeskError, match="needs a label"):
        desk.create_pipeline("   ", ADMIN)


def test_p3_p8_rename_keeps_the_id(desk: Desk) -> None:
    sales = desk.create_pipeline("Sales", ADMIN)
    renamed = desk.rename_pipeline("Sales", "Billing", ADMIN)
    assert (renamed.id, renamed.label) == (sales.id, "Billing")
    with pytest.raises(DeskError, match="exists already"):
        desk.rename_pipeline(sales.id, "support PIPELINE", ADMIN)


def test_p4_reorder_changes_every_list(desk: Desk) -> None:
    a = desk.create_pipeline("A", ADMIN)
    desk.create_pipeline("B", ADMIN)
    desk.reorder_pipeline(a.id, 1, ADMIN)
    assert labels(desk) == ["A", "Support pipeline", "B"]
    assert labels(reopen(desk)) == ["A", "Support pipeline", "B"]
    with pytest.raises(DeskError, match=r"out of range.*1 to 3"):
        desk.reorder_pipeline(a.id, 4, ADMIN)


def test_p5_delete_refused_while_holding_tickets_and_for_the_last(desk: Desk) -> None:
    sales = desk.create_pipeline("Sales", ADMIN)
    for n in range(12):
        new_ticket(desk, f"Quote {n}", pipeline=sales.id)
    before = stored(desk)
    with pytest.raises(DeskError, match="'Sales' holds 12 tickets; move them to another "
                                        "pipeline or delete them first"):
        desk.delete_pipeline("Sales", ADMIN)
    assert stored(desk) == before
    for t in desk.tickets(ADMIN, pipeline=sales.id):
        desk.delete_ticket(t.id, ADMIN)
    desk.delete_pipeline("Sales", ADMIN)
    assert labels(desk) == ["Support pipeline"]
    with pytest.raises(DeskError, match="last pipeline"):
        desk.delete_pipeline("0", ADMIN)


def test_p8_names_by_id_or_unambiguous_label(desk: Desk) -> None:
    sales = desk.create_pipeline("Sales", ADMIN)
    assert desk.pipeline("sales", ADMIN).id == sales.id
    with pytest.raises(DeskError, match=r"No pipeline 'Nope'. Pipelines: 0 \(Support"):
        desk.pipeline("Nope", ADMIN)
    with pytest.raises(DeskError, match="'New' fits 2 stages"):
        desk.stage("New", ADMIN)
    assert desk.stage("New", ADMIN, within=sales.id)[1].id == sales.stages[0].id


def test_p2_p4_s2_s6_refused_settings_changes_leave_every_file_alone(desk: Desk) -> None:
    new_ticket(desk)
    before = stored(desk)
    refusals: list[Callable[[], object]] = [
        lambda: desk.delete_stage("Closed", ADMIN),
        lambda: desk.create_pipeline("support pipeline", ADMIN),
        lambda: desk.reorder_stage("New", 9, ADMIN),
        lambda: desk.delete_stage("New", ADMIN),
    ]
    for refused in refusals:
        with pytest.raises(DeskError):
            refused()
    assert stored(desk) == before


def test_u1_an_unknown_user_cannot_create_a_ticket(desk: Desk) -> None:
    with pytest.raises(DeskError, match="No user 'mallory'"):
        desk.create_ticket(Actor.user("mallory"), "0", "New", "Hi")
