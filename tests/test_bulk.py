"""Bulk actions (issue 17 item 4, T6): one command through `Desk` for many
tickets: all or nothing when a rule refuses any (S7's required properties
given once for the lot), one journal write, one timeline entry per ticket,
automation for each ticket that entered a stage. Over every store."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, add_agent, journal_lines, refusal, stage_properties

from core import Actor, Desk
from core.automation.actions import Notify

INGRID = Actor.user("ingrid")


@pytest.fixture
def five(desk: Desk) -> Desk:
    add_agent(desk)
    for n in range(1, 6):
        desk.create_ticket(ADMIN, "0", "New", f"Ticket {n}")
    return desk


def stages(desk: Desk, *ids: str) -> list[str]:
    return [desk.stage(desk.ticket(t, ADMIN).stage, ADMIN)[1].label for t in ids]


def test_t6_a_bulk_move_moves_every_ticket_with_a_timeline_entry_each(five: Desk) -> None:
    moved = five.bulk_move(["1", "#2", "3", "3"], "Waiting on us", INGRID)
    assert [t.id for t in moved] == ["1", "2", "3"]  # once each
    assert stages(five, "1", "2", "3", "4") == ["Waiting on us"] * 3 + ["New"]
    for ticket_id in ("1", "2", "3"):
        [move] = [i for i in five.timeline(ticket_id, ADMIN) if i.what.startswith("Moved")]
        assert move.who == "Ingrid Berg"


def test_t6_a_bulk_change_is_one_journal_write(five: Desk, request: pytest.FixtureRequest
                                               ) -> None:
    if "local" not in request.node.name:
        pytest.skip("the journal's lines are the local store's")
    from core_fixtures import data_dir

    before = len(journal_lines(data_dir(five)))
    five.bulk_edit(["1", "2", "3", "4"], {"owner": "ingrid", "priority": "urgent"}, ADMIN)
    lines = journal_lines(data_dir(five))[before:]
    assert len(lines) == 4  # an entry per ticket …
    assert len({line["at"] for line in lines}) == 1  # … written as one command
    assert {five.ticket(t, ADMIN).owner for t in "1234"} == {"ingrid"}


def test_t6_s7_a_refusal_of_one_refuses_the_lot_and_names_it(five: Desk) -> None:
    stage = five.stage("Closed", ADMIN)[1]
    five.create_property("resolution", "text", ADMIN)
    stage_properties(five, stage.id, ("resolution", True))
    with refusal("None of the 3 tickets was changed", "Resolution"):
        five.bulk_move(["1", "2", "3"], "Closed", INGRID)
    assert stages(five, "1", "2", "3") == ["New"] * 3
    # Asked once, for the lot:
    five.bulk_move(["1", "2", "3"], "Closed", INGRID, values={"resolution": "Fixed"})
    assert stages(five, "1", "2", "3") == ["Closed"] * 3
    assert {five.ticket(t, ADMIN).props["resolution"] for t in "123"} == {"Fixed"}


def test_t6_an_unknown_ticket_in_the_lot_is_said_and_nothing_changes(five: Desk) -> None:
    with refusal("No ticket #99.", "None of the 2 tickets was changed."):
        five.bulk_edit(["1", "99"], {"priority": "high"}, ADMIN)
    assert five.ticket("1", ADMIN).priority is None
    with refusal("#1: ", "must be one of"):
        five.bulk_edit(["1", "2"], {"priority": "whenever"}, ADMIN)
    with refusal("No tickets to change"):
        five.bulk_delete([], ADMIN)


def test_t6_a_bulk_delete_deletes_them_all(five: Desk) -> None:
    gone = five.bulk_delete(["2", "4"], ADMIN)
    assert [t.subject for t in gone] == ["Ticket 2", "Ticket 4"]
    assert [t.id for t in five.tickets(ADMIN)] == ["1", "3", "5"]


def test_t6_a4_automation_runs_for_each_ticket_that_entered_the_stage(five: Desk) -> None:
    five.add_action("0", "Waiting on us", Notify(user="ingrid"), ADMIN)
    five.bulk_move(["1", "2", "3"], "Waiting on us", ADMIN)
    notified = sorted(n.ticket or "" for n in five.notifications(INGRID))
    assert notified == ["1", "2", "3"]
