"""The search screen (issue 17 item 1; docs/search.md): `s` on the board or
"Search" in the palette; one query across every pipeline the user sees,
results as you type, a mistake said under the field, Enter opens. Pilot
tests at 80x24, and a snapshot (fixed clock, seeded tickets)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_tui_board import screen_text

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.search import SearchScreen
from tui.screens.ticket_detail import TicketDetailScreen

SIZE = (80, 24)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN


def seeded(tmp_path: Path) -> Desk:
    clock = [NOW - timedelta(days=3)]
    desk = open_desk(tmp_path / "desk", clock=lambda: clock[0])
    billing = desk.create_pipeline("Billing", A)
    for n, (pipeline, stage, subject, priority) in enumerate([
            ("0", "New", "Printer on fire", "urgent"),
            ("0", "Waiting on us", "Screen flickers", "high"),
            (billing.id, "New", "Invoice twice", "urgent"),
            ("0", "Closed", "VPN down", None)]):
        clock[0] = NOW - timedelta(hours=10 - n)
        desk.create_ticket(A, pipeline, stage, subject,
                           values={"priority": priority} if priority else {})
    return open_desk(tmp_path / "desk", clock=fixed_clock(NOW))


def rows(app: PipedeskApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, SearchScreen)
    return [t.id for t in screen.found]


@pytest.mark.anyio
async def test_s_searches_every_pipeline_as_you_type_and_enter_opens(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert rows(app) == ["4", "3", "2", "1"]  # everything, newest activity first
        await pilot.press(*"priority:urgent")
        await pilot.pause()
        assert rows(app) == ["3", "1"]  # across pipelines
        text = screen_text(app)
        assert "Search · 2 tickets found" in text and "Billing" in text
        await pilot.press(*" printer")
        await pilot.pause()
        assert rows(app) == ["1"]
        await pilot.press("enter", "enter")  # to the list, then open
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)


@pytest.mark.anyio
async def test_a_mistake_is_said_under_the_field_and_the_results_stay(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"stage:open ")
        await pilot.pause()
        assert rows(app) == ["3", "2", "1"]
        await pilot.press('"')  # a quote left open
        await pilot.pause()
        assert "✗ column 12: a quote is not closed" in screen_text(app)
        assert rows(app) == ["3", "2", "1"]  # the last results stay
        await pilot.press("backspace", *"prio:")
        await pilot.pause()
        assert "✗ column 12: no field 'prio'" in screen_text(app)
        await pilot.press(*["backspace"] * 5)
        await pilot.pause()
        assert "✗" not in screen_text(app) and rows(app) == ["3", "2", "1"]


@pytest.mark.anyio
async def test_g_is_a_letter_of_the_query_not_the_first_row(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"flG")
        await pilot.pause()
        assert app.screen.query_one("#search-query").value == "flG"  # type: ignore[attr-defined]


def test_snapshot_search(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        pilot.app.action_search()
        await pilot.pause()
        await pilot.press(*"-stage:closed")
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


# -- saved views (issue 17 item 2: a named query in the person's own config) ------------


def test_a_saved_view_that_does_not_read_is_left_out_and_said_with_its_line(
        tmp_path: Path) -> None:
    from core.user_config import load_user_config

    path = tmp_path / "config.toml"
    path.write_text('[keymap]\n"board.new" = "f2"\n\n[views]\n'
                    '"Urgent, nobody\'s" = "priority:urgent owner:none"\n'
                    'Broken = "prio:urgent"\n', encoding="utf-8")
    loaded = load_user_config(path)
    assert loaded.config.views == {"Urgent, nobody's": "priority:urgent owner:none"}
    assert loaded.config.keymap == {"board.new": "f2"}  # the rest stays in force
    [problem] = loaded.problems
    assert problem.startswith(f"{path}, line 6: ") and "views: 'Broken': no field 'prio'" in problem
    assert "the view is left out" in problem


@pytest.mark.anyio
async def test_a_saved_view_is_on_the_palette_and_opens_the_search_on_its_query(
        tmp_path: Path) -> None:
    from textual.command import CommandPalette

    from core.user_config import LoadedConfig, UserConfig

    mine = LoadedConfig(UserConfig(views={"Urgent": "priority:urgent"}))
    app = PipedeskApp(seeded(tmp_path), mine=mine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("colon")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"view: urg")
        await pilot.pause(0.3)  # the palette searches in a worker
        assert "priority:urgent" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        assert app.screen.query_text == "priority:urgent" and rows(app) == ["3", "1"]


# -- hand-over: y and Y copy to the clipboard over OSC 52 (issue 17 item 5) ------------


def osc52(written: list[str]) -> list[str]:
    """What the app told the terminal to put on the clipboard (OSC 52)."""
    import base64
    import re

    return [base64.b64decode(m).decode() for chunk in written
            for m in re.findall(r"\x1b\]52;c;([A-Za-z0-9+/=]*)\x07", chunk)]


@pytest.mark.anyio
async def test_y_copies_the_ticket_and_Y_the_board_as_osc_52(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        driver = app._driver
        assert driver is not None
        real_write = driver.write

        def write(data: str) -> None:  # what reaches the terminal, kept
            written.append(data)
            real_write(data)

        driver.write = write  # type: ignore[method-assign]
        await pilot.press("y")  # the card under the cursor
        await pilot.pause()
        await pilot.press("Y")
        await pilot.pause()
    ticket, board = osc52(written)
    assert ticket == "#1 Printer on fire · Support pipeline / New · Urgent\n"
    assert board.splitlines() == [
        "Support pipeline: 3 tickets",
        "- #1 Printer on fire · Support pipeline / New · Urgent",
        "- #2 Screen flickers · Support pipeline / Waiting on us · High",
        "- #4 VPN down · Support pipeline / Closed"]


@pytest.mark.anyio
async def test_Y_on_the_search_screen_copies_what_was_found(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"priority:urgent", "enter")  # to the list
        await pilot.pause()
        await pilot.press("Y")
        await pilot.pause()
        assert app.clipboard.splitlines() == [
            "Search “priority:urgent”: 2 tickets",
            "- #3 Invoice twice · Billing / New · Urgent",
            "- #1 Printer on fire · Support pipeline / New · Urgent"]
        assert [n.message for n in app._notifications] == [
            "Copied 2 tickets to the clipboard."]
