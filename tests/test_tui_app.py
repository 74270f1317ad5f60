"""The terminal client's first screen: the board of the first pipeline.

Pilot tests drive the app at 80x24 (C3) on a desk in a temporary dir;
snapshot tests keep pictures of it in snapshots/test_tui_app/. Every desk
here has a fixed clock, so demo data and pictures are the same on each run.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core import LOCAL_ADMIN, Desk, DeskError
from core.clock import fixed_clock
from core.demo import add_demo_tickets
from tui.app import FOLLOW_INTERVAL, PipedeskApp
from tui.screens.board import EMPTY_DESK_HINT, EMPTY_PIPELINE_HINT
from tui.screens.board_view import board_view
from tui.widgets.stage_column import StageColumn, ticket_line

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STAGES = ["New", "Waiting on contact", "Waiting on us", "Closed"]


def open_desk(path: Path) -> Desk:
    return Desk.open(path, clock=fixed_clock(NOW))


def demo_desk(path: Path, count: int = 300) -> Desk:
    desk = open_desk(path)
    add_demo_tickets(desk, LOCAL_ADMIN, count, seed=1)
    return desk


def screen_lines(app: PipedeskApp) -> list[str]:
    """The text on the terminal, row by row: what a user reads.

    Textual has no public call for this; the compositor is what
    export_screenshot draws from.
    """
    return [strip.text for strip in app.screen._compositor.render_strips()]


def column_headings(app: PipedeskApp) -> list[tuple[str, str]]:
    """(label, "Open · 12") for each stage column, left to right."""
    headings = []
    for column in app.screen.query(StageColumn):
        label, state = column.heading()
        headings.append((label.plain, state.plain))
    return headings


@pytest.mark.anyio
async def test_opens_on_a_new_desk_with_the_support_pipeline(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path / "desk"))
    async with app.run_test(size=(80, 24)):
        text = "\n".join(screen_lines(app))
        assert "Support pipeline" in text
        assert EMPTY_DESK_HINT in text
        assert column_headings(app) == [
            ("New", "Open · 0"),
            ("Waiting on contact", "Open · 0"),
            ("Waiting on us", "Open · 0"),
            ("Closed", "Closed · 0"),
        ]
        # Every stage label is whole on screen at 80 columns, not cut short.
        heading_row = screen_lines(app)[3]
        assert [cell.strip() for cell in heading_row.split("│")] == STAGES


@pytest.mark.anyio
async def test_an_empty_pipeline_beside_full_ones_does_not_offer_demo_data(
    tmp_path: Path,
) -> None:
    desk = open_desk(tmp_path)
    desk.create_pipeline("Billing", LOCAL_ADMIN)
    desk.reorder_pipeline("Billing", 1, LOCAL_ADMIN)
    desk.create_ticket(LOCAL_ADMIN, "Support pipeline", "New", "Printer on fire")
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)):
        text = "\n".join(screen_lines(app))
        assert "Billing · 0 tickets" in text
        assert EMPTY_PIPELINE_HINT in text
        assert EMPTY_DESK_HINT not in text


@pytest.mark.anyio
async def test_counts_are_the_desks_stage_counts(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    pipeline = desk.pipelines(LOCAL_ADMIN)[0]
    counts = desk.stage_counts(pipeline.id, LOCAL_ADMIN)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)):
        expected = [
            (s.label, f"{'Open' if s.is_open else 'Closed'} · {counts[s.id]}")
            for s in pipeline.stages
        ]
        assert column_headings(app) == expected
        assert sum(counts.values()) == 300
        text = "\n".join(screen_lines(app))
        assert "Support pipeline · 300 tickets" in text
        assert EMPTY_DESK_HINT not in text


@pytest.mark.anyio
async def test_columns_show_the_newest_tickets_first_and_say_how_many_more(
    tmp_path: Path,
) -> None:
    desk = demo_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)):
        first = app.screen.query(StageColumn).first()
        stage = first.column.stage
        newest = sorted(desk.tickets(LOCAL_ADMIN, stage=stage.id),
                        key=lambda t: (t.create_date, int(t.id)), reverse=True)
        lines = first.render().plain.splitlines()
        shown = lines[3:-1]  # label, state, rule ... "+ N more"
        assert shown, "no ticket lines fit"
        assert [line.split()[0] for line in shown] == [f"#{t.id}" for t in newest[:len(shown)]]
        assert lines[-1] == f"+ {len(newest) - len(shown)} more"


@pytest.mark.anyio
async def test_a_ticket_made_in_another_process_shows_up_without_a_key(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        assert column_headings(app)[0] == ("New", "Open · 0")
        # A second Desk on the same dir stands for another terminal.
        other = open_desk(tmp_path)
        other.create_ticket(LOCAL_ADMIN, "Support pipeline", "New", "Printer on fire")
        await pilot.pause(FOLLOW_INTERVAL + 0.2)
        assert column_headings(app)[0] == ("New", "Open · 1")
        text = "\n".join(screen_lines(app))
        assert "#1 Printer on fire" in text
        assert "Support pipeline · 1 ticket" in text
        assert EMPTY_DESK_HINT not in text


@pytest.mark.anyio
async def test_a_stage_added_in_another_process_gets_a_column(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        other = open_desk(tmp_path)
        other.add_stage("Support pipeline", "Escalated", "open", LOCAL_ADMIN)
        await pilot.pause(FOLLOW_INTERVAL + 0.2)
        assert [label for label, _ in column_headings(app)] == [*STAGES, "Escalated"]


@pytest.mark.anyio
async def test_more_stages_than_fit_keep_their_width_and_scroll_sideways(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    desk.add_stage("Support pipeline", "Escalated to engineering", "open", LOCAL_ADMIN)
    desk.add_stage("Support pipeline", "Spam", "closed", LOCAL_ADMIN)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert {column.outer_size.width for column in app.screen.query(StageColumn)} == {20}
        assert screen_lines(app)[3].split("│")[0].strip() == "New"
        await pilot.press("ctrl+pagedown")  # a page to the right
        await pilot.pause()
        assert screen_lines(app)[3].split("│")[-1].strip() == "Spam"


@pytest.mark.anyio
async def test_a_desk_that_cannot_be_read_is_said_once_and_r_tries_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    desk = open_desk(tmp_path)
    looks: list[str] = []

    def broken_refresh() -> None:
        looks.append("look")
        raise DeskError("tickets.jsonl, line 7: not JSON")

    monkeypatch.setattr(desk, "refresh", broken_refresh)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause(3 * FOLLOW_INTERVAL)
        assert looks == ["look"]  # the timer stopped after the first failure
        [notification] = app._notifications
        assert "tickets.jsonl, line 7: not JSON" in notification.message
        assert "Press r to try again" in notification.message
        await pilot.press("r")
        assert looks == ["look", "look"]


@pytest.mark.anyio
async def test_r_reads_the_desk_at_once(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        other = open_desk(tmp_path)
        other.create_ticket(LOCAL_ADMIN, "Support pipeline", "Closed", "Done already")
        await pilot.press("r")
        assert column_headings(app)[3] == ("Closed", "Closed · 1")


@pytest.mark.anyio
async def test_q_quits(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_code == 0


@pytest.mark.anyio
async def test_footer_shows_the_keys_and_every_binding_has_an_id(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # the footer gathers the keys after the first frame
        footer = screen_lines(app)[-1]
        assert "q Quit" in footer
        assert "r Refresh" in footer
    assert all(binding.id for binding in PipedeskApp.BINDINGS if not isinstance(binding, tuple))


def test_a_subject_with_line_breaks_takes_one_row(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    ticket = desk.create_ticket(LOCAL_ADMIN, "Support pipeline", "New", "Printer\non  fire")
    assert ticket_line(ticket).plain == f"#{ticket.id} Printer on fire"


def test_board_view_orders_tickets_newest_first(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, count=50)
    view = board_view(desk, LOCAL_ADMIN)
    for column in view.columns:
        dates = [t.create_date for t in column.newest]
        assert dates == sorted(dates, reverse=True)
        assert column.count == len(column.newest)
    assert view.total == 50


# -- snapshots: look at them as pictures before accepting a change ------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_board_with_demo_tickets(tmp_path: Path, snap_compare: Any,
                                          size: tuple[int, int]) -> None:
    assert snap_compare(PipedeskApp(demo_desk(tmp_path)), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_empty_desk(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(PipedeskApp(open_desk(tmp_path)), terminal_size=size)
