"""The triage queue (issue 17 item 2): `T` on the board or "Triage queue"
in the palette, or the first screen with `start = "triage"` in the
person's config; every open ticket the user sees across pipelines, most
urgent first, unassigned ones said; Enter opens, m moves, A assigns to me,
r replies. Pilot tests at 80x24 and a snapshot (fixed clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_tui_board import screen_text

from core import LOCAL_ADMIN, Actor, Desk, open_desk
from core.clock import fixed_clock
from core.model import User
from core.user_config import LoadedConfig, UserConfig
from tui.app import PipedeskApp
from tui.screens.move_dialog import MoveTicketDialog
from tui.screens.reply_dialog import ReplyDialog
from tui.screens.ticket_detail import TicketDetailScreen
from tui.screens.triage import TriageScreen

SIZE = (80, 24)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN
INGRID = Actor.user("ingrid")


def seeded(tmp_path: Path) -> Desk:
    clock = [NOW - timedelta(days=3)]
    desk = open_desk(tmp_path / "desk", clock=lambda: clock[0])
    desk.add_users([User(id="ingrid", name="Ingrid Berg", email="ingrid@pipedesk.example")], A)
    billing = desk.create_pipeline("Billing", A)
    desk.add_contact("kari@customer.example", A, name="Kari Nordmann")
    for hours, (pipeline, stage, subject, values) in zip((50, 30, 20, 10, 5), [
            ("0", "New", "Printer on fire", {"priority": "urgent", "owner": "ingrid"}),
            ("0", "Waiting on us", "Screen flickers", {"priority": "low"}),
            (billing.id, "New", "Invoice twice", {"priority": "urgent"}),
            ("0", "Closed", "VPN down", {"priority": "urgent"}),  # closed: not in the queue
            ("0", "New", "Mouse missing", {})], strict=True):
        clock[0] = NOW - timedelta(hours=hours)
        desk.create_ticket(A, pipeline, stage, subject, contact="kari@customer.example",
                           values=values)
    return open_desk(tmp_path / "desk", clock=fixed_clock(NOW))


def queue(app: PipedeskApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, TriageScreen)
    return [t.id for t in screen.queue]


@pytest.mark.anyio
async def test_T_lists_every_open_ticket_most_urgent_then_oldest_first(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        assert queue(app) == ["1", "3", "2", "5"]  # urgent (oldest first), low, none
        text = screen_text(app)
        assert "Triage · 4 open tickets · 3 unassigned · Enter opens" in text
        [row] = [r for r in text.splitlines() if "#3 " in r]
        assert "Urgent" in row and "Billing" in row and "unassigned" in row and "20 h" in row


@pytest.mark.anyio
async def test_A_assigns_to_me_and_the_queue_follows(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk, INGRID)
    async with app.run_test(size=SIZE) as pilot:
        app.action_triage()
        await pilot.pause()
        await pilot.press("j", "A")  # the second: #3, nobody's
        await pilot.pause()
        assert desk.ticket("3", A).owner == "ingrid"
        assert "Triage · 4 open tickets · 2 unassigned" in screen_text(app)
        screen = app.screen
        assert isinstance(screen, TriageScreen) and screen.highlighted == "3"


@pytest.mark.anyio
async def test_enter_opens_m_moves_r_replies(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.action_triage()
        await pilot.pause()
        for key, kind in (("enter", TicketDetailScreen), ("m", MoveTicketDialog),
                          ("r", ReplyDialog)):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, kind), key
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, TriageScreen), key


@pytest.mark.anyio
async def test_start_triage_in_the_config_opens_on_the_queue_over_the_board(
        tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path), mine=LoadedConfig(UserConfig(start="triage")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert "Support pipeline" in screen_text(app).splitlines()[0]  # the board


def test_snapshot_triage(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        pilot.app.action_triage()
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


@pytest.mark.anyio
async def test_sla_breached_first_and_the_due_column_in_place_of_age(tmp_path: Path) -> None:
    """Issue 17 items 2 and 3: with SLA targets the queue puts the breached
    clock first, says it with "!" (not colour alone, C3) in the Due column,
    and the board's card and the ticket's detail say the clock too."""
    desk = seeded(tmp_path)
    desk.set_sla_target("0", "low", A, resolve="1d")  # #2: 30 h old, breached 6 h
    desk.set_sla_target("0", "urgent", A, resolve="3d")  # #1: 50 h old, 22 h left
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        board = screen_text(app)
        assert "! breached 6 h" in board and "due in 22 h" in board
        await pilot.press("T")
        await pilot.pause()
        assert queue(app) == ["2", "1", "3", "5"]
        text = screen_text(app)
        assert "Due" in text and "Age" not in text
        [row] = [r for r in text.splitlines() if "#2 " in r]
        assert "! 6 h" in row and "Low" in row
        [row] = [r for r in text.splitlines() if "#1 " in r]
        assert "22 h" in row
        await pilot.press("enter")
        await pilot.pause()
        assert "(Open) · ! resolve breached 6 h, due 03:00" in screen_text(app)


@pytest.mark.anyio
async def test_sla_search_says_due_and_a_long_id_is_never_cut(tmp_path: Path) -> None:
    """Issue 17: the search screen's Due column where a pipeline sets SLA
    targets; at 100,000 tickets an id has six digits, and the # column
    widens to hold them (people read ids out to each other)."""
    desk = seeded(tmp_path)
    desk.set_sla_target("0", "low", A, resolve="1d")
    desk.state.last_ticket_id = 123455  # as on a desk that has made that many
    desk.create_ticket(A, "0", "New", "Six digits", values={"priority": "low"})
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", *"priority:low")
        await pilot.pause()
        text = screen_text(app)
        [header] = [r for r in text.splitlines() if "Subject" in r]
        assert "Due" in header
        [row] = [r for r in text.splitlines() if "Six digits" in r]
        assert "#123456 " in row and "24 h" in row
        [row] = [r for r in text.splitlines() if "#2 " in r]
        assert "! 6 h" in row


@pytest.mark.anyio
async def test_s_from_the_queue_searches_and_escape_comes_back(tmp_path: Path) -> None:
    """C2: from the queue to a query of one's own and back, by keys."""
    from tui.screens.search import SearchScreen

    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await pilot.pause()
        await pilot.press("s", *"priority:urgent owner:none")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert "Search · 2 tickets found" in screen_text(app)  # #3, and #4 (closed)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)


@pytest.mark.anyio
async def test_sla_the_clocks_on_screen_move_on_with_the_time(tmp_path: Path) -> None:
    """Issue 17: with no change on the desk, the time left on a card, in
    the queue and in the detail moves on (tui/clocks.py), and a clock that
    runs out shows breached."""
    clock = [NOW]
    desk = open_desk(tmp_path / "desk", clock=lambda: clock[0])
    desk.set_sla_target("0", "urgent", A, respond="30m")
    made = desk.create_ticket(A, "0", "New", "Site down", values={"priority": "urgent"})
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "due in 30 min" in screen_text(app)
        clock[0] = NOW + timedelta(minutes=40)
        board = app.screen
        board.times_moved()  # type: ignore[attr-defined]
        await pilot.pause()
        assert "! breached 10 min" in screen_text(app)
        await pilot.press("T")
        await pilot.pause()
        clock[0] = NOW + timedelta(minutes=50)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        screen.show_queue()  # what its timer calls
        await pilot.pause()
        [row] = [r for r in screen_text(app).splitlines() if f"#{made.id} " in r]
        assert "! 20 min" in row
        await pilot.press("enter")
        await pilot.pause()
        clock[0] = NOW + timedelta(minutes=65)
        detail = app.screen
        assert isinstance(detail, TicketDetailScreen)
        detail._show_where()
        await pilot.pause()
        assert "! respond breached 35 min" in screen_text(app)
