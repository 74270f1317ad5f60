"""The pipeline settings as pure functions on a DeskConfig built in memory
(core/settings/pipelines.py): P2-P5, P7, P8's id counter, and the T3 / A2
and A5 switches. No data dir: each test gets a new desk's settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from core_fixtures import refusal

from core.model import DeskConfig, StageState, new_desk_config
from core.records import Ticket
from core.settings import pipelines

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def config() -> DeskConfig:
    return new_desk_config()


def ticket_in(pipeline: str, ticket_id: str = "1") -> Ticket:
    return Ticket(id=ticket_id, pipeline=pipeline, stage="1", subject="Printer on fire",
                  create_date=AT, last_activity=AT)


def labels(config: DeskConfig) -> list[str]:
    return [p.label for p in config.pipelines]


def test_p8_ids_come_from_one_counter_that_never_goes_back(config: DeskConfig) -> None:
    first = config.next_id
    assert [pipelines.take_id(config) for _ in range(3)] == [str(first), str(first + 1),
                                                             str(first + 2)]
    assert config.next_id == first + 3


def test_p2_a_new_pipeline_comes_last_with_the_four_default_stages(config: DeskConfig) -> None:
    before = config.next_id
    made = pipelines.create(config, "  Billing\tdesk ")
    assert labels(config) == ["Support pipeline", "Billing desk"]
    assert config.pipelines[-1] is made
    assert [(s.label, s.state) for s in made.stages] == [
        ("New", StageState.OPEN), ("Waiting on contact", StageState.OPEN),
        ("Waiting on us", StageState.OPEN), ("Closed", StageState.CLOSED)]
    # The pipeline and its stages take fresh ids, none of the first pipeline's.
    assert [made.id, *(s.id for s in made.stages)] == [str(n) for n in range(before, before + 5)]
    assert config.next_id == before + 5


def test_p2_a_pipeline_label_is_unique_whatever_the_case(config: DeskConfig) -> None:
    with refusal("A pipeline labelled 'Support pipeline' exists already (id 0)"):
        pipelines.create(config, "SUPPORT pipeline")
    assert labels(config) == ["Support pipeline"]


def test_p2_a_pipeline_needs_a_label(config: DeskConfig) -> None:
    with refusal("A pipeline needs a label"):
        pipelines.create(config, " \n ")


def test_p3_rename_keeps_the_id_and_may_change_only_the_case(config: DeskConfig) -> None:
    renamed = pipelines.rename(config, "Support pipeline", "SUPPORT PIPELINE")
    assert (renamed.id, renamed.label) == ("0", "SUPPORT PIPELINE")
    pipelines.create(config, "Billing")
    with refusal("A pipeline labelled 'Billing' exists already"):
        pipelines.rename(config, "0", "billing")
    assert labels(config) == ["SUPPORT PIPELINE", "Billing"]


def test_p4_reorder_moves_a_pipeline_to_a_position_counted_from_one(
        config: DeskConfig) -> None:
    pipelines.create(config, "Billing")
    pipelines.create(config, "Sales")
    moved = pipelines.reorder(config, "Sales", 1)
    assert moved.label == "Sales"
    assert labels(config) == ["Sales", "Support pipeline", "Billing"]
    with refusal("Position 4 is out of range: there are 3 pipelines (1 to 3)"):
        pipelines.reorder(config, "Sales", 4)
    assert labels(config) == ["Sales", "Support pipeline", "Billing"]


def test_p5_a_pipeline_holding_tickets_is_not_deleted(config: DeskConfig) -> None:
    billing = pipelines.create(config, "Billing")
    held = {"1": ticket_in(billing.id, "1"), "2": ticket_in(billing.id, "2")}
    with refusal("Pipeline 'Billing' holds 2 tickets; move them to another pipeline or "
                 "delete them first"):
        pipelines.delete(config, "Billing", held)
    with refusal("holds 1 ticket; move it to another pipeline or delete it first"):
        pipelines.deletable(config, "Billing", {"1": held["1"]})
    assert labels(config) == ["Support pipeline", "Billing"]


def test_p5_the_last_pipeline_is_not_deleted(config: DeskConfig) -> None:
    with refusal("Pipeline 'Support pipeline' is the last pipeline; a desk needs at least one"):
        pipelines.delete(config, "0", {})
    assert labels(config) == ["Support pipeline"]


def test_p5_an_empty_pipeline_is_deleted_while_others_hold_tickets(config: DeskConfig) -> None:
    billing = pipelines.create(config, "Billing")
    gone = pipelines.delete(config, billing.id, {"1": ticket_in("0")})
    assert gone.label == "Billing"
    assert labels(config) == ["Support pipeline"]


def test_p7_card_properties_are_kept_by_name_in_the_given_order(config: DeskConfig) -> None:
    pipeline = pipelines.set_card_properties(config, "0", [" Team", "subject", "OWNER"])
    assert pipeline.card_properties == ["team", "subject", "owner"]
    assert config.pipelines[0].card_properties == ["team", "subject", "owner"]


@pytest.mark.parametrize(("names", "message"), [
    (["priority", "owner"], "The subject heads every card"),
    (["subject", "owner", "Owner"], "A property can be shown on a card only once"),
    (["subject", "mood"], "No property 'mood'. Properties you can set: subject"),
])
def test_p7_cards_keep_the_subject_show_a_property_once_and_only_known_ones(
        config: DeskConfig, names: list[str], message: str) -> None:
    with refusal(message):
        pipelines.set_card_properties(config, "0", names)
    assert config.pipelines[0].card_properties == ["subject", "priority", "owner", "age"]


def test_t3_a2_the_close_date_rule_is_switched_per_pipeline(config: DeskConfig) -> None:
    billing = pipelines.create(config, "Billing")
    assert pipelines.set_close_date_rule(config, "Billing", False) is billing
    assert (billing.automation.close_date, config.pipelines[0].automation.close_date) == (
        False, True)
    pipelines.set_close_date_rule(config, billing.id, True)
    assert billing.automation.close_date is True


def test_a5_the_chat_rule_is_switched_and_leaves_the_close_date_rule(config: DeskConfig) -> None:
    support = config.pipelines[0]
    pipelines.set_close_date_rule(config, "0", False)
    pipelines.set_chat_rule(config, "0", True)
    assert (support.automation.include_chat, support.automation.close_date) == (True, False)


def test_p8_an_unknown_pipeline_is_refused_naming_the_known_ones(config: DeskConfig) -> None:
    with refusal("No pipeline '7'. Pipelines: 0 (Support pipeline)"):
        pipelines.rename(config, "7", "Billing")
