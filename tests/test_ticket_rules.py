"""The ticket rules as pure functions (core/tickets.py): T1's new ticket,
T2's and T3's move changes, T4's value changes, S7's required properties.
Settings are built in memory; no data dir, no Desk."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import pytest
from core_fixtures import refusal

from core import tickets
from core.model import DeskConfig, Pipeline, Stage, StageProperty, new_desk_config
from core.records import Contact, Ticket
from core.settings import pipelines, properties

CREATED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
CONTACTS = {"kari@example.no": Contact(email="Kari@example.no", name="Kari")}


@pytest.fixture
def config() -> DeskConfig:
    made = new_desk_config()
    properties.create(made, "tier", "choice", options=["Gold", "Silver"])
    return made


def stage(config: DeskConfig, label: str, pipeline: int = 0) -> tuple[Pipeline, Stage]:
    p = config.pipelines[pipeline]
    return p, next(s for s in p.stages if s.label == label)


def ticket(config: DeskConfig, label: str = "New", pipeline: int = 0,
           closed_at: datetime | None = None) -> Ticket:
    p, s = stage(config, label, pipeline)
    return Ticket(id="17", pipeline=p.id, stage=s.id, subject="Printer on fire",
                  create_date=CREATED, last_activity=CREATED, close_date=closed_at)


def changes_of(config: DeskConfig, t: Ticket, **values: object) -> dict[str, list[object]]:
    lookup = partial(properties.find_property, config)
    return dict(tickets.value_changes(config, lookup, CONTACTS, t, values))


# -- T1 ---------------------------------------------------------------------------------------


def test_t1_a_new_ticket_has_its_stage_subject_source_and_create_date(
        config: DeskConfig) -> None:
    p, s = stage(config, "Waiting on us")
    made = tickets.new_ticket("17", p, s, "  Printer on fire ", "email", CREATED, NOW)
    assert (made.id, made.pipeline, made.stage, made.subject, made.source) == (
        "17", "0", s.id, "Printer on fire", "email")
    assert (made.create_date, made.last_activity, made.close_date) == (CREATED, CREATED, None)


@pytest.mark.parametrize(("subject", "message"), [("   ", "A ticket needs a subject."),
                                                  ("two\nlines", "Subject")])
def test_t1_a_ticket_needs_a_one_line_subject(config: DeskConfig, subject: str,
                                              message: str) -> None:
    p, s = stage(config, "New")
    with refusal(message):
        tickets.new_ticket("17", p, s, subject, "manual", CREATED, NOW)


def test_t3_a_ticket_created_in_a_closed_stage_is_closed_now_if_the_rule_is_on(
        config: DeskConfig) -> None:
    p, s = stage(config, "Closed")
    assert tickets.new_ticket("17", p, s, "Old one", "manual", CREATED, NOW).close_date == NOW
    pipelines.set_close_date_rule(config, "0", False)
    assert tickets.new_ticket("18", p, s, "Old one", "manual", CREATED, NOW).close_date is None


# -- T2 and T3 -------------------------------------------------------------------------------


def test_t3_moving_into_closed_sets_the_close_date_to_now(config: DeskConfig) -> None:
    p, closed = stage(config, "Closed")
    assert tickets.move_changes(config, ticket(config), p, closed, NOW) == {
        "stage": ["1", closed.id], "close_date": [None, NOW.isoformat()]}


def test_t3_closed_to_open_clears_and_closed_to_closed_keeps_the_close_date(
        config: DeskConfig) -> None:
    p, s = stage(config, "Closed")
    config.pipelines[0].stages.append(Stage(id="99", label="Refunded", state=s.state))
    refunded = config.pipelines[0].stages[-1]
    was = ticket(config, "Closed", closed_at=CREATED)
    assert tickets.move_changes(config, was, p, stage(config, "New")[1], NOW) == {
        "stage": [s.id, "1"], "close_date": [CREATED.isoformat(), None]}
    assert tickets.move_changes(config, was, p, refunded, NOW) == {"stage": [s.id, "99"]}


def test_t3_with_the_rule_off_moves_leave_the_close_date_alone(config: DeskConfig) -> None:
    pipelines.set_close_date_rule(config, "0", False)
    p, closed = stage(config, "Closed")
    assert tickets.move_changes(config, ticket(config), p, closed, NOW) == {
        "stage": ["1", closed.id]}
    was = ticket(config, "Closed", closed_at=CREATED)
    assert tickets.move_changes(config, was, p, stage(config, "New")[1], NOW) == {
        "stage": [closed.id, "1"]}


def test_t2_a_move_to_another_pipeline_changes_pipeline_and_stage(config: DeskConfig) -> None:
    billing = pipelines.create(config, "Billing")
    new = billing.stages[0]
    assert tickets.move_changes(config, ticket(config), billing, new, NOW) == {
        "pipeline": ["0", billing.id], "stage": ["1", new.id]}


def test_t2_a_move_to_where_the_ticket_is_changes_nothing(config: DeskConfig) -> None:
    p, closed = stage(config, "Closed")
    assert tickets.move_changes(config, ticket(config, "Closed"), p, closed, NOW) == {}


# -- T4 ---------------------------------------------------------------------------------------


def test_t4_values_become_typed_changes_from_before_to_after(config: DeskConfig) -> None:
    t = ticket(config)
    t.props["tier"] = "Silver"
    assert changes_of(config, t, Priority="urgent", tier="gold", contact="KARI@example.no") == {
        "priority": [None, "URGENT"], "tier": ["Silver", "Gold"],
        "contact": [None, "Kari@example.no"]}


def test_t4_a_value_the_ticket_has_already_is_no_change(config: DeskConfig) -> None:
    t = ticket(config)
    assert changes_of(config, t, subject="Printer on fire", owner="") == {}


def test_t4_an_empty_value_clears(config: DeskConfig) -> None:
    t = ticket(config)
    t.props["tier"] = "Gold"
    t.priority = "HIGH"
    assert changes_of(config, t, tier="", priority=" ") == {
        "tier": ["Gold", None], "priority": ["HIGH", None]}


@pytest.mark.parametrize(("name", "value", "message"), [
    ("stage", "4", "Stage is read-only: pipedesk sets it. Move the ticket to change it."),
    ("close_date", "2026-01-01", "Close date is read-only: pipedesk sets it."),
    ("contact", "olga@example.no", "No contact 'olga@example.no'; add the contact first."),
    ("tier", "Bronze", "Tier must be one of Gold, Silver; got 'Bronze'."),
    ("mood", "glad", "No property 'mood'."),
])
def test_t4_a_value_that_does_not_fit_is_refused(config: DeskConfig, name: str, value: str,
                                                 message: str) -> None:
    with refusal(message) as info:
        changes_of(config, ticket(config), **{name: value})
    if name == "close_date":
        assert "Move the ticket" not in info.value.message


def test_t4_set_values_puts_fields_and_custom_properties_on_the_ticket(
        config: DeskConfig) -> None:
    t = ticket(config)
    t.props["tier"] = "Gold"
    tickets.set_values(t, {"owner": [None, "admin"], "tier": ["Gold", None],
                           "region": [None, "North"]})
    assert (t.owner, t.props) == ("admin", {"region": "North"})
    assert (tickets.value_of(t, "owner"), tickets.value_of(t, "region"),
            tickets.value_of(t, "create_date")) == ("admin", "North", CREATED.isoformat())


def test_t4_an_edit_may_not_empty_the_subject(config: DeskConfig) -> None:
    lookup = partial(properties.find_property, config)
    with refusal("A ticket needs a subject; it cannot be emptied."):
        tickets.check_edit(lookup, ticket(config), None, {"subject": ["Printer on fire", None]})


# -- S7 ---------------------------------------------------------------------------------------


def test_s7_a_stage_asks_for_its_required_properties_naming_them_all(
        config: DeskConfig) -> None:
    lookup = partial(properties.find_property, config)
    _, waiting = stage(config, "Waiting on us")
    waiting.properties = [StageProperty(name="owner", required=True),
                          StageProperty(name="team"),
                          StageProperty(name="tier", required=True),
                          StageProperty(name="priority", required=True)]
    t = ticket(config)
    t.priority = "LOW"
    with refusal("Stage 'Waiting on us' requires Owner and Tier; give a value to go on."):
        tickets.check_required(lookup, t, waiting)
    t.owner, t.props["tier"] = "admin", "Gold"
    tickets.check_required(lookup, t, waiting)  # all there: no refusal


def test_s7_an_edit_may_not_empty_a_property_the_stage_requires(config: DeskConfig) -> None:
    lookup = partial(properties.find_property, config)
    _, new = stage(config, "New")
    new.properties = [StageProperty(name="owner", required=True), StageProperty(name="team")]
    t = ticket(config)
    t.owner, t.team = "admin", "t1"
    with refusal("Stage 'New' requires Owner; it cannot be emptied."):
        tickets.check_edit(lookup, t, new, {"owner": ["admin", None]})
    tickets.check_edit(lookup, t, new, {"team": ["t1", None]})  # optional: may be emptied
    assert t.owner == "admin"
