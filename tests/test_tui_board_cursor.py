"""The cursor stays on its ticket while other terminals change the desk (C2;
the README's promise "the cursor stays on its ticket").

A second `open_desk` on the same data dir is the other terminal: it writes to
the files, and the app takes its changes in with `follow_desk`, as its timer
does twice a second. Each test asserts what the user sees: the ticket under
the highlighted card, and the line that says where a ticket went.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import core
from core import LOCAL_ADMIN, Desk
from core.clock import fixed_clock
from core.demo import add_demo_tickets
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.widgets.stage_column import StageColumn

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN


def open_desk(path: Path) -> Desk:
    return core.open_desk(path, clock=fixed_clock(NOW))


def demo_desk(path: Path, count: int) -> Desk:
    desk = open_desk(path)
    add_demo_tickets(desk, A, count, seed=1)
    return desk


def screen_text(app: PipedeskApp) -> str:
    """The terminal's text, notifications included."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def board(app: PipedeskApp) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def column(app: PipedeskApp, label: str) -> StageColumn:
    return next(c for c in board(app).columns if c.stage.label == label)


def cursor(app: PipedeskApp) -> tuple[str, str | None]:
    """(stage label, ticket id) of the highlighted card."""
    screen = board(app)
    here = screen.columns[screen.column]
    return here.stage.label, here.selected.id if here.selected else None


def ids(col: StageColumn) -> list[str]:
    return [t.id for t in col.tickets]


async def take_in(app: PipedeskApp, pilot: object) -> None:
    """What the app's timer does: read what the other terminal wrote."""
    assert app.follow_desk()
    await pilot.pause()  # type: ignore[attr-defined]


async def go_to(pilot: object, app: PipedeskApp, stage_column: int, row: int) -> str:
    """Put the cursor on a row of a column; the ticket id under it."""
    screen = board(app)
    await pilot.press(*["l"] * stage_column)  # type: ignore[attr-defined]
    screen.columns[screen.column].move_cursor(row)
    await pilot.pause()  # type: ignore[attr-defined]
    label, ticket_id = cursor(app)
    assert ticket_id == ids(screen.columns[stage_column])[row]
    return ticket_id


@pytest.mark.anyio
async def test_moved_elsewhere_to_a_column_on_screen_the_cursor_follows(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 0, 2)
        open_desk(tmp_path).move_ticket(mine, "Waiting on us", A)
        await take_in(app, pilot)
        assert cursor(app) == ("Waiting on us", mine)
        assert mine not in ids(column(app, "New"))
        text = screen_text(app)
        assert f"#{mine} " in text  # in view
        # The jump to another column is explained, in words.
        assert f"#{mine} moved to Waiting on us" in text


@pytest.mark.anyio
async def test_tickets_added_and_removed_above_keep_the_cursor_on_its_ticket(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 0, 3)
        above = ids(column(app, "New"))[:2]
        other = open_desk(tmp_path)
        other.delete_ticket(above[0], A)
        other.move_ticket(above[1], "Closed", A)
        made = [other.create_ticket(A, "0", "New", f"Arrived {n}").id for n in range(4)]
        await take_in(app, pilot)
        assert cursor(app) == ("New", mine)
        new = column(app, "New")
        assert ids(new)[:4] == made[::-1]  # newest first, above the cursor
        assert new.top <= new.cursor < new.top + new.cards_in_view  # still in view
        assert f"#{mine} " in screen_text(app)
        # Nothing said: the cursor's ticket did not go anywhere.
        assert "moved to" not in screen_text(app)


@pytest.mark.anyio
async def test_deleted_elsewhere_the_cursor_goes_to_the_neighbour_and_says_so(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 0, 1)
        before = ids(column(app, "New"))
        neighbour = before[2]  # the card below it
        other = open_desk(tmp_path)
        other.delete_ticket(mine, A)
        other.delete_ticket(before[0], A)  # and one above it, in the same read
        await take_in(app, pilot)
        assert cursor(app) == ("New", neighbour)
        assert f"#{mine} was deleted in another terminal" in screen_text(app)


@pytest.mark.anyio
async def test_the_last_card_deleted_elsewhere_leaves_the_cursor_on_the_one_above(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        last = len(ids(board(app).columns[0])) - 1
        mine = await go_to(pilot, app, 0, last)
        above = ids(column(app, "New"))[last - 1]
        open_desk(tmp_path).delete_ticket(mine, A)
        await take_in(app, pilot)
        assert cursor(app) == ("New", above)


@pytest.mark.anyio
async def test_moved_to_a_column_off_screen_the_cursor_stays_and_says_where(
        tmp_path: Path) -> None:
    """Seven stages at 80 columns: the last three are off screen to the right."""
    desk = demo_desk(tmp_path, 24)
    for label in ("Escalated", "Billing", "On hold"):
        desk.add_stage("0", label, "open", A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 0, 1)
        neighbour = ids(column(app, "New"))[2]
        assert "On hold" not in screen_text(app)
        open_desk(tmp_path).move_ticket(mine, "On hold", A)
        await take_in(app, pilot)
        assert cursor(app) == ("New", neighbour)
        assert mine in ids(column(app, "On hold"))
        assert f"#{mine} moved to On hold" in screen_text(app)


@pytest.mark.anyio
async def test_moved_to_another_pipeline_the_cursor_stays_and_says_where(
        tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    other_pipeline = desk.create_pipeline("Billing", A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 3, 0)
        neighbour = ids(column(app, "Closed"))[1]
        target = other_pipeline.stages[0].id
        open_desk(tmp_path).move_ticket(mine, target, A, pipeline=other_pipeline.id)
        await take_in(app, pilot)
        assert cursor(app) == ("Closed", neighbour)
        assert f"#{mine} moved to Billing / New" in screen_text(app)


@pytest.mark.anyio
async def test_a_filtered_board_follows_a_ticket_that_still_matches(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 24)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        mine = await go_to(pilot, app, 0, 0)
        await pilot.press("slash", *f"#{mine} ", "enter")
        assert cursor(app) == ("New", mine)
        open_desk(tmp_path).move_ticket(mine, "Closed", A)
        await take_in(app, pilot)
        assert cursor(app) == ("Closed", mine)


@pytest.mark.anyio
async def test_a_big_column_keeps_the_cursor_on_its_ticket(tmp_path: Path) -> None:
    """A few thousand tickets, the cursor deep in a column (the 50,000-ticket
    report, at a scale that keeps the suite quick)."""
    desk = demo_desk(tmp_path, 2000)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        row = 400
        mine = await go_to(pilot, app, 0, row)
        before = ids(column(app, "New"))
        other = open_desk(tmp_path)
        for gone in before[10:20]:  # ten above it leave
            other.move_ticket(gone, "Closed", A)
        for n in range(5):  # five arrive
            other.create_ticket(A, "0", "New", f"Arrived {n}")
        await take_in(app, pilot)
        assert cursor(app) == ("New", mine)
        new = column(app, "New")
        assert new.cursor == row - 10 + 5
        assert new.top <= new.cursor < new.top + new.cards_in_view
        # Then the ticket itself moves: the cursor goes with it.
        other.move_ticket(mine, "Waiting on contact", A)
        await take_in(app, pilot)
        assert cursor(app) == ("Waiting on contact", mine)
        # And back from there, deleted: the neighbour, in its column.
        waiting = ids(column(app, "Waiting on contact"))
        neighbour = waiting[waiting.index(mine) + 1]
        other.delete_ticket(mine, A)
        await take_in(app, pilot)
        assert cursor(app) == ("Waiting on contact", neighbour)
        assert f"#{mine} was deleted in another terminal" in screen_text(app)
