"""A client's command applied once (issue 16 item 4: "replayed in order on
reconnect, each once (the server skips a command id it has already
applied)"), over every store: `Desk.run_once` keeps the command's id on
its own entries, so it is known to every process of the desk and after a
restart, and a command sent twice changes the desk once."""

from __future__ import annotations

from functools import partial

import pytest
from core_fixtures import ADMIN, add_agent, new_ticket, refusal, reopen

from core import Desk
from core.access import Actor
from core.desk import Applied
from core.errors import ChangedSince
from core.events import CommandApplied


def stage_label(desk: Desk, ticket_id: str) -> str:
    return desk.stage(desk.ticket(ticket_id, ADMIN).stage, ADMIN)[1].label


def test_a_command_sent_twice_moves_the_ticket_once(desk: Desk) -> None:
    ticket = new_ticket(desk)
    move = partial(desk.move_ticket, ticket.id, "Waiting on contact", ADMIN)
    first = desk.run_once("c-1", ADMIN, "move_ticket", move)
    assert not first.replayed and first.result is not None
    assert stage_label(desk, ticket.id) == "Waiting on contact"
    desk.move_ticket(ticket.id, "Closed", ADMIN)  # someone moves it on meanwhile
    assert desk.run_once("c-1", ADMIN, "move_ticket", move) == Applied(None, True, ticket.id)
    assert stage_label(desk, ticket.id) == "Closed"  # the replay did not move it back


def test_the_id_outlives_a_restart_and_is_known_to_another_process(desk: Desk) -> None:
    ticket = new_ticket(desk)
    desk.run_once("c-7", ADMIN, "move_ticket",
                  partial(desk.move_ticket, ticket.id, "Closed", ADMIN))
    other = reopen(desk)  # another server process, or the same one restarted
    other.move_ticket(ticket.id, "New", ADMIN)
    again = other.run_once("c-7", ADMIN, "move_ticket",
                           partial(other.move_ticket, ticket.id, "Closed", ADMIN))
    assert again.replayed and stage_label(other, ticket.id) == "New"


def test_a_command_that_changed_only_settings_is_applied_once(desk: Desk) -> None:
    add = partial(desk.add_stage, "0", "Escalated", "open", ADMIN)
    desk.run_once("s-1", ADMIN, "add_stage", add)
    assert desk.run_once("s-1", ADMIN, "add_stage", add) == Applied(None, True, "")
    labels = [s.label for s in reopen(desk).pipeline("0", ADMIN).stages]
    assert labels.count("Escalated") == 1
    # The id went with the settings, in an entry of the same unit.
    [mark, *_] = desk.store.newest_entries(kind=CommandApplied)
    assert (mark.command, mark.event) == ("s-1", CommandApplied(name="add_stage"))


def test_a_command_that_changed_nothing_is_not_done_later_on_a_replay(desk: Desk) -> None:
    """A move to the stage the ticket is in changes nothing; replayed after
    someone moved the ticket, it must not move it back."""
    ticket = new_ticket(desk)
    stay = partial(desk.move_ticket, ticket.id, "New", ADMIN)
    desk.run_once("n-1", ADMIN, "move_ticket", stay)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert desk.run_once("n-1", ADMIN, "move_ticket", stay).replayed
    assert stage_label(desk, ticket.id) == "Closed"


def test_a_refused_command_is_not_marked_applied_and_may_be_sent_again(desk: Desk) -> None:
    ticket = new_ticket(desk)
    with refusal("No stage"):
        desk.run_once("r-1", ADMIN, "move_ticket",
                      partial(desk.move_ticket, ticket.id, "Nowhere", ADMIN))
    sent = desk.run_once("r-1", ADMIN, "move_ticket",
                         partial(desk.move_ticket, ticket.id, "Closed", ADMIN))
    assert not sent.replayed and stage_label(reopen(desk), ticket.id) == "Closed"


def test_a_create_sent_twice_makes_one_ticket_and_the_replay_names_it(desk: Desk) -> None:
    create = partial(desk.create_ticket, ADMIN, "0", "New", "Printer on fire")
    made = desk.run_once("k-1", ADMIN, "create_ticket", create).result
    assert made is not None
    assert desk.run_once("k-1", ADMIN, "create_ticket", create) == Applied(None, True, made.id)
    assert [t.subject for t in reopen(desk).tickets(ADMIN)] == ["Printer on fire"]


def test_another_users_command_id_is_refused_not_skipped(desk: Desk) -> None:
    ticket = new_ticket(desk)
    agent = Actor.user(add_agent(desk).id)
    desk.run_once("shared", ADMIN, "move_ticket",
                  partial(desk.move_ticket, ticket.id, "Closed", ADMIN))
    with refusal("was used by another user's command"):
        desk.run_once("shared", agent, "move_ticket",
                      partial(desk.move_ticket, ticket.id, "New", agent))


@pytest.mark.parametrize("bad", ["", "x" * 101, "a b", "id\x1b[2J", "ünïcode"])
def test_a_command_id_that_is_not_one_is_said(desk: Desk, bad: str) -> None:
    ticket = new_ticket(desk)
    with refusal("is not a command id"):
        desk.run_once(bad, ADMIN, "move_ticket",
                      partial(desk.move_ticket, ticket.id, "Closed", ADMIN))
    assert stage_label(desk, ticket.id) == "New"


def test_a_change_made_against_a_value_changed_since_is_refused_409(desk: Desk) -> None:
    """Issue 16: a client's change sent later names the values it was made
    against; one changed since refuses it (the server answers 409), a
    change to another field of the ticket does not."""
    ticket = new_ticket(desk)
    desk.edit_ticket(ticket.id, {"subject": "Printer on fire (2nd floor)"}, ADMIN)
    with refusal("Subject of #1 was changed since", "'Printer on fire (2nd floor)'",
                 "not 'Printer on fire'"):
        desk.edit_ticket(ticket.id, {"subject": "Mine"}, ADMIN,
                         based={"subject": "Printer on fire"})
    # Said as people read them: a stage by its label, a priority as Low.
    with refusal("Stage of #1 was changed since", "it is now 'New', not 'Closed'") as info:
        desk.move_ticket(ticket.id, "Closed", ADMIN, based={"stage": "4"})
    assert isinstance(info.value, ChangedSince)  # the server's 409
    desk.edit_ticket(ticket.id, {"priority": "high"}, ADMIN)  # another field meanwhile
    with refusal("Priority of #1 was changed since", "it is now 'High', not 'Low'"):
        desk.edit_ticket(ticket.id, {"priority": "urgent"}, ADMIN, based={"priority": "LOW"})
    desk.edit_ticket(ticket.id, {"subject": "Mine"}, ADMIN,
                     based={"subject": "Printer on fire (2nd floor)"})
    moved = desk.move_ticket(ticket.id, "Closed", ADMIN, based={"stage": ticket.stage})
    assert (moved.subject, moved.priority, stage_label(desk, ticket.id)) == (
        "Mine", "HIGH", "Closed")
