"""The change feed's core (core/feed.py): what changed for one user after
a position, with the user's sight at each change (U2, P6), rights changes
sending removals and tickets come into sight (U3), and a reset where the
recent changes cannot answer. Over HTTP: tests/test_server_feed.py."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from core_fixtures import ADMIN, add_agent, new_ticket, refusal, reopen

from core import Actor, Desk
from core.feed import ChangeLog
from core.records import Ticket
from core.settings_view import settings_version, visible_settings

AGENT = Actor.user("ingrid")


@pytest.fixture(autouse=True)
def agent(desk: Desk) -> None:
    add_agent(desk)


def private_pipeline(desk: Desk) -> str:
    """A pipeline only administrators view (P6)."""
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.set_pipeline_access(billing.id, ADMIN, view=[], edit=[])
    return billing.id


def ids(tickets: Sequence[Ticket]) -> list[str]:
    return [t.id for t in tickets]


def test_a_created_moved_and_deleted_ticket_each_show_after_the_position(desk: Desk) -> None:
    log = ChangeLog(desk)
    start = desk.state.seq
    ticket = new_ticket(desk, "Printer on fire")
    created = log.since(start, AGENT)
    assert not created.reset and ids(created.tickets) == [ticket.id] and created.removed == []
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    moved = log.since(created.seq, AGENT)
    assert [t.stage for t in moved.tickets] == [desk.ticket(ticket.id, ADMIN).stage]
    desk.delete_ticket(ticket.id, ADMIN)
    deleted = log.since(moved.seq, AGENT)
    assert deleted.tickets == [] and deleted.removed == [ticket.id]
    assert log.since(deleted.seq, AGENT).empty


def test_resuming_after_n_gets_exactly_what_came_after_n(desk: Desk) -> None:
    log = ChangeLog(desk)
    first = new_ticket(desk, "One")
    middle = log.since(None, AGENT).seq
    second = new_ticket(desk, "Two")
    third = new_ticket(desk, "Three")
    assert ids(log.since(middle, AGENT).tickets) == [second.id, third.id]
    assert first.id in ids(log.since(None, AGENT).tickets)


def test_a_ticket_of_a_pipeline_the_agent_may_not_view_is_never_named(desk: Desk) -> None:
    """P6: not as a ticket, not as a removal, not in a reset."""
    log = ChangeLog(desk)
    billing = private_pipeline(desk)
    start = log.since(None, AGENT)
    hidden = desk.create_ticket(ADMIN, billing, "New", "Invoice wrong")
    desk.edit_ticket(hidden.id, {"subject": "Invoice very wrong"}, ADMIN)
    desk.delete_ticket(hidden.id, ADMIN)
    answer = log.since(start.seq, AGENT, start.settings)
    assert answer.tickets == [] and answer.removed == [] and answer.empty
    kept = desk.create_ticket(ADMIN, billing, "New", "Second invoice")
    assert kept.id not in ids(log.since(None, AGENT).tickets)
    assert kept.id in ids(log.since(start.seq, ADMIN).tickets)


def test_a_ticket_moved_out_of_sight_is_a_removal_and_back_in_is_sent(desk: Desk) -> None:
    log = ChangeLog(desk)
    billing = private_pipeline(desk)
    ticket = new_ticket(desk)
    start = log.since(None, AGENT).seq
    stage = desk.pipeline(billing, ADMIN).stages[0].id
    desk.move_ticket(ticket.id, stage, ADMIN)
    gone = log.since(start, AGENT)
    assert gone.removed == [ticket.id] and gone.tickets == []
    desk.move_ticket(ticket.id, desk.pipeline("0", ADMIN).stages[0].id, ADMIN)
    back = log.since(gone.seq, AGENT)
    assert ids(back.tickets) == [ticket.id] and back.removed == []


def test_a_rights_change_sends_removals_and_then_the_tickets_come_back(desk: Desk) -> None:
    """U3: the admin takes the agent off the pipeline's access, then back."""
    log = ChangeLog(desk)
    tickets = [new_ticket(desk, "One"), new_ticket(desk, "Two")]
    before = log.since(None, AGENT)
    desk.set_pipeline_access("0", ADMIN, view=[], edit=[])
    revoked = log.since(before.seq, AGENT, before.settings)
    assert sorted(revoked.removed) == sorted(ids(tickets)) and revoked.tickets == []
    assert revoked.settings_changed and revoked.settings != before.settings
    desk.set_pipeline_access("0", ADMIN, view=None, edit=None)
    granted = log.since(revoked.seq, AGENT, revoked.settings)
    assert sorted(ids(granted.tickets)) == sorted(ids(tickets)) and granted.removed == []


def test_a_settings_change_the_agent_does_not_see_leaves_the_answer_empty(desk: Desk) -> None:
    log = ChangeLog(desk)
    before = log.since(None, AGENT)
    private_pipeline(desk)  # a pipeline the agent never sees
    after = log.since(before.seq, AGENT, before.settings)
    assert after.empty and after.settings == before.settings


def test_no_position_or_one_older_than_the_ring_is_a_reset(desk: Desk) -> None:
    log = ChangeLog(desk, keep=2)
    start = desk.state.seq
    made = [new_ticket(desk, f"T{n}") for n in range(4)]
    reset = log.since(start, AGENT)
    assert reset.reset and ids(reset.tickets) == ids(made)
    assert log.since(None, AGENT).reset
    assert not log.since(log.floor, AGENT).reset


def test_a_position_ahead_of_the_desk_is_refused(desk: Desk) -> None:
    log = ChangeLog(desk)
    with refusal("after=99", "ahead of this desk's newest change"):
        log.since(99, AGENT)


def test_a_settings_change_at_the_client_s_position_counts_only_if_it_came_after(
        desk: Desk) -> None:
    """Settings changes are not numbered: two at one position are told
    apart by the settings version the client holds."""
    log = ChangeLog(desk)
    ticket = new_ticket(desk)
    desk.set_pipeline_access("0", ADMIN, view=[], edit=[])
    held = log.since(None, AGENT)  # after the rights change: sees nothing
    assert held.tickets == []
    desk.set_pipeline_access("0", ADMIN, view=None, edit=None)
    back = log.since(held.seq, AGENT, held.settings)
    assert ids(back.tickets) == [ticket.id] and back.removed == []
    again = log.since(back.seq, AGENT, back.settings)
    assert again.empty


def test_a_settings_version_the_ring_never_heard_of_is_a_reset(desk: Desk) -> None:
    """A settings change the client missed through another server process."""
    log = ChangeLog(desk)
    ticket = new_ticket(desk)
    answer = log.since(desk.state.seq, AGENT, "a-version-from-elsewhere")
    assert answer.reset and ids(answer.tickets) == [ticket.id]


def test_a_change_of_a_second_desk_over_the_same_store_shows_after_refresh(desk: Desk) -> None:
    log = ChangeLog(desk)
    start = log.since(None, AGENT).seq
    other = reopen(desk)
    made = other.create_ticket(ADMIN, "0", "New", "From the other process")
    desk.refresh()
    seen = log.since(start, AGENT)
    assert ids(seen.tickets) == [made.id]
    other.set_pipeline_access("0", ADMIN, view=[], edit=[])
    desk.refresh()
    assert log.since(seen.seq, AGENT, seen.settings).removed == [made.id]
    # Made and gone again since `start`: the client never had it, so it is not named.
    assert log.since(start, AGENT).removed == []


def test_the_settings_version_changes_with_what_the_user_sees(desk: Desk) -> None:
    def version(actor: Actor) -> str:
        return settings_version(visible_settings(desk.config, actor))

    agent, admin = version(AGENT), version(ADMIN)
    private_pipeline(desk)
    assert version(AGENT) == agent and version(ADMIN) != admin
    view = visible_settings(desk.config, AGENT)
    assert [p["label"] for p in view["pipelines"]] == ["Support pipeline"]
    assert "tokens" not in view and "mail" not in view

