"""SLA clocks (issue 17 item 3): targets per pipeline and priority, the time
left or breached, clocks that stop in waiting stages and at the first
reply, the breach as an event automation reacts to, `due:` and the triage
order. A fixed clock moved by hand; over every store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_fixtures import ADMIN, MutableClock, add_agent, add_team, email_triggers_off, refusal

from core import Actor, Desk
from core.automation.actions import Notify
from core.records import Ticket

INGRID = Actor.user("ingrid")


@pytest.fixture
def sla_desk(desk: Desk) -> Desk:
    add_agent(desk)
    email_triggers_off(desk)
    desk.set_sla_target("0", "urgent", ADMIN, respond="30m", resolve="4h")
    desk.set_sla_target("0", "low", ADMIN, resolve="2d")
    return desk


def urgent(desk: Desk, subject: str = "Site down") -> Ticket:
    return desk.create_ticket(ADMIN, "0", "New", subject, values={"priority": "urgent"})


def shown(desk: Desk, ticket_id: str) -> str:
    clock = desk.sla_clocks()(desk.ticket(ticket_id, ADMIN))
    return clock.said() if clock is not None else ""


def test_sla_an_open_ticket_shows_the_time_left_then_how_long_breached(
        sla_desk: Desk, clock: MutableClock) -> None:
    t = urgent(sla_desk)
    assert shown(sla_desk, t.id) == "respond in 30 min"
    clock.advance(minutes=20)
    assert shown(sla_desk, t.id) == "respond in 10 min"
    clock.advance(minutes=25)
    assert shown(sla_desk, t.id) == "respond breached 15 min"


def test_sla_no_target_for_the_priority_no_clock(sla_desk: Desk) -> None:
    t = sla_desk.create_ticket(ADMIN, "0", "New", "No hurry", values={"priority": "medium"})
    none = sla_desk.create_ticket(ADMIN, "0", "New", "No priority")
    assert shown(sla_desk, t.id) == "" and shown(sla_desk, none.id) == ""


def test_sla_the_first_reply_stops_the_respond_clock_the_resolve_clock_runs_on(
        sla_desk: Desk, clock: MutableClock) -> None:
    sla_desk.add_contact("kari@example.com", ADMIN)
    t = sla_desk.create_ticket(ADMIN, "0", "New", "Site down", contact="kari@example.com",
                               values={"priority": "urgent"})
    clock.advance(minutes=10)
    sla_desk.reply(t.id, "Looking at it", INGRID)
    assert shown(sla_desk, t.id) == "resolve in 3 h"
    clock.advance(hours=4)
    assert shown(sla_desk, t.id) == "resolve breached 10 min"


def test_sla_the_clock_stops_in_a_waiting_stage(sla_desk: Desk, clock: MutableClock) -> None:
    t = sla_desk.create_ticket(ADMIN, "0", "New", "Cannot log in", values={"priority": "low"})
    clock.advance(hours=10)
    sla_desk.move_ticket(t.id, "Waiting on contact", INGRID)
    clock.advance(hours=30)  # the customer takes their time
    assert shown(sla_desk, t.id) == "resolve in 38 h, paused"
    sla_desk.move_ticket(t.id, "Waiting on us", INGRID)
    clock.advance(hours=2)
    assert shown(sla_desk, t.id) == "resolve in 36 h"


def test_sla_the_waiting_stages_are_the_pipelines_to_choose(
        sla_desk: Desk, clock: MutableClock) -> None:
    sla_desk.set_sla_waiting("0", ["Waiting on us"], ADMIN)
    t = sla_desk.create_ticket(ADMIN, "0", "New", "Cannot log in", values={"priority": "low"})
    sla_desk.move_ticket(t.id, "Waiting on contact", INGRID)
    clock.advance(hours=10)
    assert shown(sla_desk, t.id) == "resolve in 38 h"
    with refusal("Closed stage"):
        sla_desk.set_sla_waiting("0", ["Closed"], ADMIN)


def test_sla_a_closed_ticket_shows_no_clock(sla_desk: Desk, clock: MutableClock) -> None:
    t = urgent(sla_desk)
    clock.advance(hours=5)
    sla_desk.move_ticket(t.id, "Closed", INGRID)
    assert shown(sla_desk, t.id) == ""


def test_sla_bad_targets_are_refused_and_nothing_changes(sla_desk: Desk) -> None:
    with refusal("not a duration"):
        sla_desk.set_sla_target("0", "high", ADMIN, respond="soon")
    with refusal("A priority is low, medium, high, urgent"):
        sla_desk.set_sla_target("0", "critical", ADMIN, respond="1h")
    with refusal("no time at all"):
        sla_desk.set_sla_target("0", "high", ADMIN, resolve="0m")
    with refusal("administrator"):
        sla_desk.set_sla_target("0", "high", INGRID, resolve="1h")
    assert set(sla_desk.pipeline("0", ADMIN).sla.targets) == {"urgent", "low"}
    sla_desk.set_sla_target("0", "low", ADMIN, resolve="none")
    assert set(sla_desk.pipeline("0", ADMIN).sla.targets) == {"urgent"}


def test_sla_a_breach_is_recorded_once_and_runs_the_breach_actions(
        sla_desk: Desk, clock: MutableClock) -> None:
    add_team(sla_desk, "oncall", "On call", ["ingrid"])
    sla_desk.add_action("0", "sla-breach", Notify(team="oncall"), ADMIN)
    t = urgent(sla_desk)
    assert sla_desk.record_breaches() == 0
    clock.advance(minutes=31)
    assert sla_desk.record_breaches() == 1
    assert sla_desk.record_breaches() == 0  # once
    [told] = sla_desk.notifications(INGRID)
    assert told.text == f"Ticket #{t.id} \u201cSite down\u201d breached its first response target."
    timeline = [i.what for i in sla_desk.timeline(t.id, ADMIN)]
    assert any(w.startswith("SLA breached: first response was due") for w in timeline)
    clock.advance(hours=4)
    assert sla_desk.record_breaches() == 1  # the resolve clock, in its turn
    assert len(sla_desk.notifications(INGRID)) == 2


def test_sla_due_in_the_query_language(sla_desk: Desk, clock: MutableClock) -> None:
    late = urgent(sla_desk, "Late")
    clock.advance(minutes=40)
    soon = urgent(sla_desk, "Soon")
    clock.advance(minutes=15)
    later = sla_desk.create_ticket(ADMIN, "0", "New", "Later", values={"priority": "low"})
    sla_desk.create_ticket(ADMIN, "0", "New", "None")

    def found(query: str) -> list[str]:
        return [t.subject for t in sla_desk.find_tickets(query, ADMIN)]

    assert found("due:breached") == ["Late"]
    assert found("due:<30m") == ["Late", "Soon"]
    assert found("due:>1d") == ["Later"]
    assert found("due:none") == ["None"]
    assert found("due:<30m -due:breached") == ["Soon"]
    with refusal("due takes the time left", "column 1"):
        sla_desk.find_tickets("due:soon", ADMIN)
    assert {late.id, soon.id, later.id} <= {t.id for t in sla_desk.find_tickets("", ADMIN)}


def test_sla_triage_order_breached_then_soon_due_then_priority_then_age(
        sla_desk: Desk, clock: MutableClock) -> None:
    sla_desk.create_ticket(ADMIN, "0", "New", "Old high", values={"priority": "high"})
    urgent(sla_desk, "Breached")
    clock.advance(minutes=20)
    urgent(sla_desk, "Soon due")
    clock.advance(minutes=15)
    urgent(sla_desk, "Fresh urgent")
    order = [t.subject for t in sla_desk.find_tickets("stage:open", ADMIN, sort="urgency")]
    assert order == ["Breached", "Soon due", "Fresh urgent", "Old high"]


def test_sla_clocks_survive_a_reopened_desk(sla_desk: Desk, clock: MutableClock) -> None:
    from core_fixtures import reopen

    t = sla_desk.create_ticket(ADMIN, "0", "New", "Cannot log in", values={"priority": "low"})
    clock.advance(hours=1)
    sla_desk.move_ticket(t.id, "Waiting on contact", INGRID)
    clock.advance(hours=5)
    again = reopen(sla_desk, clock)
    clock.advance(minutes=1)
    assert shown(again, t.id) == "resolve in 47 h, paused"
    assert timedelta(0) < again.sla_clocks()(again.ticket(t.id, ADMIN)).left  # type: ignore[union-attr]



def test_sla_the_hand_over_says_each_clock(sla_desk: Desk, clock: MutableClock) -> None:
    """Issue 17 item 5: a copied ticket or summary says its SLA clock."""
    from core.handover import summary, ticket_line

    t = urgent(sla_desk)
    clock.advance(minutes=45)
    line = ticket_line(sla_desk.config, t, clock=sla_desk.sla_clocks())
    assert line == f"#{t.id} Site down · Support pipeline / New · Urgent · " \
                   "! respond breached 15 min"
    quiet = sla_desk.create_ticket(ADMIN, "0", "New", "No target")
    said = summary(sla_desk.config, "Queue", [t, quiet], clock=sla_desk.sla_clocks())
    assert said.splitlines()[2] == f"- #{quiet.id} No target · Support pipeline / New"


def test_sla_the_clock_shown_is_the_first_of_those_running(
        sla_desk: Desk, clock: MutableClock) -> None:
    """What a card shows (`Policy.first`, made alone for speed) is the
    clock due first of those the breach watch reads (`Policy.clocks`), in
    every case: replied or not, waiting or not, one target or two."""
    from core.sla import Policy, clock_reader

    sla_desk.add_contact("kari@example.com", ADMIN)
    sla_desk.set_sla_target("0", "high", ADMIN, respond="4h", resolve="2h")  # resolve first
    made = [sla_desk.create_ticket(ADMIN, "0", "New", f"T{n}", contact="kari@example.com",
                                   values={"priority": level})
            for n, level in enumerate(("urgent", "low", "high", "urgent", "medium"))]
    clock.advance(minutes=20)
    sla_desk.reply(made[3].id, "On it", INGRID)
    sla_desk.move_ticket(made[0].id, "Waiting on contact", INGRID)
    clock.advance(hours=3)
    policy = Policy(sla_desk.pipeline("0", ADMIN))
    read = clock_reader(sla_desk.config, clock.now)
    for t in made:
        ticket = sla_desk.ticket(t.id, ADMIN)
        running = policy.clocks(ticket, clock.now)
        assert read(ticket) == (running[0] if running else None), t.subject
    assert [read(sla_desk.ticket(t.id, ADMIN)) is None for t in made] == [
        False, False, False, False, True]
    assert read(sla_desk.ticket(made[2].id, ADMIN)).kind == "resolve"  # type: ignore[union-attr]
