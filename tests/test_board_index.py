"""The board's index on its own (no Textual): kept current from the desk's
notices, with and without a filter, it holds what a fresh index of the same
desk holds, and finds a ticket's row by bisection (ties of one create date
included)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import core
from core import LOCAL_ADMIN, Desk
from core.clock import fixed_clock
from core.demo import add_demo_tickets
from core.events import Notice
from core.records import Ticket
from tui.board_index import BoardIndex, find

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN


def open_desk(path: Path) -> Desk:
    return core.open_desk(path, clock=fixed_clock(NOW))


def shown(index: BoardIndex) -> dict[str, list[str]]:
    return {s.id: [t.id for t in index.tickets(s.id)] for s in index.pipeline.stages}


def followed(desk: Desk, text: str = "") -> BoardIndex:
    index = BoardIndex(desk, A, desk.pipelines(A)[0])
    index.set_filter(text)
    def follow(notice: Notice) -> None:
        index.apply(notice)  # what changed is for the board to repaint; not needed here

    desk.subscribe(follow)
    return index


def fresh(desk: Desk, text: str = "") -> BoardIndex:
    index = BoardIndex(desk, A, desk.pipelines(A)[0])
    index.set_filter(text)
    return index


def test_a_followed_index_holds_what_a_fresh_one_holds(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    add_demo_tickets(desk, A, 200, seed=3)
    plain, filtered = followed(desk), followed(desk, "printer")
    other = open_desk(tmp_path)
    tickets = sorted(other.state.tickets.values(), key=lambda t: int(t.id))
    for n, ticket in enumerate(tickets[:60]):
        match n % 4:
            case 0:
                other.move_ticket(ticket.id, ["1", "2", "3", "4"][n % 3 + 1], A)
            case 1:
                other.delete_ticket(ticket.id, A)
            case 2:  # a subject that comes to match the filter, or stops
                subject = "Printer on fire" if "printer" not in ticket.subject.casefold() \
                    else "Paper jam"
                other.edit_ticket(ticket.id, {"subject": subject}, A)
            case 3:
                other.create_ticket(A, "0", "New", f"Printer {n} arrived")
    desk.refresh()
    assert shown(plain) == shown(fresh(desk))
    assert shown(filtered) == shown(fresh(desk, "printer"))
    assert any(shown(filtered).values())


def test_tickets_of_one_second_are_found_by_bisection(tmp_path: Path) -> None:
    """A fixed clock: every ticket has the same create date, so the id
    orders them."""
    desk = open_desk(tmp_path)
    for n in range(30):
        desk.create_ticket(A, "0", "New", f"Ticket {n}")
    index = fresh(desk)
    column = index.tickets("1")
    assert [t.id for t in column] == [str(n) for n in range(30, 0, -1)]
    for row, ticket in enumerate(column):
        assert index.position(ticket.id) == ("1", row)
    # A list whose ties came in another order (a snapshot written so) is
    # still searched among the tickets of that second only.
    shuffled: list[Ticket] = column[::-1]
    assert all(find(shuffled, t) == n for n, t in enumerate(shuffled))


def test_the_neighbour_is_the_card_that_came_after(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    add_demo_tickets(desk, A, 40, seed=1)
    index = followed(desk)
    column = list(index.tickets("1"))
    gone = column[2]
    open_desk(tmp_path).delete_ticket(gone.id, A)
    desk.refresh()
    assert index.position(gone.id) is None
    assert index.tickets("1")[index.neighbour("1", gone) or 0].id == column[3].id
    last = column[-1]
    open_desk(tmp_path).delete_ticket(last.id, A)
    desk.refresh()
    assert index.tickets("1")[index.neighbour("1", last) or 0].id == column[-2].id
