"""The reaction loop (core/reactions.py; issue 12 item 3): a registered
reaction runs after a command, level by level, through the host, and stops
at the depth limit (A4) like the stage actions do."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import pytest
from core_fixtures import ADMIN, MutableClock, new_ticket, reopen

from core import Desk
from core.automation.actions import SetProperty
from core.automation.host import MAX_DEPTH, Host
from core.events import Entry, TicketChanged, TicketCreated
from core.reactions import Reaction, register


class Echo:
    """A reaction's handler that answers each ticket it is shown by writing
    the level it ran at into the ticket's content, and remembers what it
    was shown at which level."""

    def __init__(self, host: Host, seen: list[tuple[int, list[str]]],
                 clock: MutableClock) -> None:
        self.host = host
        self.seen = seen
        self.clock = clock

    def react(self, picked: Sequence[str], depth: int) -> None:
        self.seen.append((depth, list(picked)))
        if depth > 2 * MAX_DEPTH:
            return  # a loop that knows no limit fails these tests, and ends
        for ticket_id in picked:
            self.clock.advance(minutes=1)  # the reactions' entries keep the batch's time
            self.host.edit_ticket(ticket_id, {"content": f"level {depth}"})


def echoed(entries: Sequence[Entry]) -> list[str]:
    """Tickets created with a subject starting 'Echo', or whose content changed."""
    picked = []
    for entry in entries:
        event = entry.event
        if isinstance(event, TicketCreated) and event.ticket.subject.startswith("Echo"):
            picked.append(event.ticket.id)
        elif isinstance(event, TicketChanged) and "content" in event.changes:
            picked.append(event.ticket)
    return picked


@pytest.fixture
def seen(clock: MutableClock) -> Iterator[list[tuple[int, list[str]]]]:
    """Register the echo reaction for one test: what it was shown, by level."""
    shown: list[tuple[int, list[str]]] = []
    remove = register(Reaction("echo", echoed, lambda host: Echo(host, shown, clock)))
    try:
        yield shown
    finally:
        remove()


def contents(desk: Desk, ticket_id: str) -> list[str]:
    """The ticket's content (its Description) after each edit, oldest first (T7)."""
    return [after for item in desk.timeline(ticket_id, ADMIN) if item.what == "Edited"
            for label, _, after in item.changes if label == "Description"]


def test_a4_registered_reaction_runs_level_by_level_and_stops_at_the_depth_limit(
        desk: Desk, seen: list[tuple[int, list[str]]]) -> None:
    ticket = new_ticket(desk, "Echo me")
    # Each level sees only what the level before it made, one level deeper
    # each time, and the last level is MAX_DEPTH: what it made is not looked at.
    assert seen == [(depth, [ticket.id]) for depth in range(MAX_DEPTH + 1)]
    assert desk.ticket(ticket.id, ADMIN).content == f"level {MAX_DEPTH}"
    assert contents(desk, ticket.id) == [f"level {d}" for d in range(MAX_DEPTH + 1)]
    actors = {item.actor for item in desk.timeline(ticket.id, ADMIN) if item.what == "Edited"}
    assert actors == {"automation:engine"}  # through the host, as automation
    # Written for good: the next start of the program reads the same, and
    # catching up runs nothing again.
    assert reopen(desk).ticket(ticket.id, ADMIN).content == f"level {MAX_DEPTH}"
    desk.refresh()
    assert len(seen) == MAX_DEPTH + 1


def test_a4_reactions_entries_share_one_time_after_the_commands_own(
        desk: Desk, clock: MutableClock, seen: list[tuple[int, list[str]]]) -> None:
    created_at = clock.now
    ticket = new_ticket(desk, "Echo the time")
    assert clock.now > created_at  # the handler moved the clock on at every level
    times = {item.at for item in desk.timeline(ticket.id, ADMIN)}
    assert times == {created_at}  # one clock read for the command, one for its reactions


def test_a4_reaction_sees_what_the_stage_actions_did_one_level_deeper(
        desk: Desk, seen: list[tuple[int, list[str]]]) -> None:
    """The stage actions are a reaction like any: their entries are shown
    to every reaction at the next level, and an edit made by another
    reaction can set them off in turn (here it does not: no stage entered)."""
    desk.add_action("0", "New", SetProperty(property="content", value="triaged"), ADMIN)
    ticket = new_ticket(desk, "Not an echo")
    assert seen[0] == (1, [ticket.id])  # nothing at level 0: the stage action's edit at 1
    assert [depth for depth, _ in seen] == list(range(1, MAX_DEPTH + 1))
    assert contents(desk, ticket.id) == ["triaged", *(f"level {d}" for d in
                                                      range(1, MAX_DEPTH + 1))]
    log = [(item.kind, item.result) for item in desk.automation_log(ADMIN)]
    assert log == [("set-property", "done")]  # the stage ran once, at the move in


def test_a4_reaction_taken_away_runs_no_more(desk: Desk, clock: MutableClock) -> None:
    shown: list[tuple[int, list[str]]] = []
    make: Callable[[Host], Echo] = lambda host: Echo(host, shown, clock)  # noqa: E731
    remove = register(Reaction("echo", echoed, make))
    remove()
    ticket = new_ticket(desk, "Echo nobody")
    assert shown == []
    assert desk.ticket(ticket.id, ADMIN).content == ""
