"""The command palette (`:` or Ctrl+P, C2; issue 12 item 6): pipedesk's
own commands (tui/commands.py) — each pipeline's board, a ticket by its
number, contacts, notifications, the board's screens, keys help, quit —
driven by keys alone at 80x24, in the real app. Its picture is in
snapshots/test_tui_palette/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_tui_contacts import (
    SIZE,
    A,
    listed,
    open_desk,
    screen_text,
    snapshot_desk,
    three_contacts,
)
from textual.command import CommandPalette
from textual.widgets import Input

from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.contacts import ContactsScreen
from tui.screens.ticket_detail import TicketDetailScreen
from tui.screens.ticket_form import CreateTicketDialog


@pytest.mark.anyio
@pytest.mark.parametrize("key", ["colon", "ctrl+p"])
async def test_the_palette_opens_contacts(tmp_path: Path, key: str) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"cont")
        await pilot.pause(0.3)  # the palette searches in a worker
        assert "List, find, add and edit contacts" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        assert len(listed(app)) == 3


@pytest.mark.anyio
async def test_the_palette_lists_its_commands_and_the_keys_help_lists_the_palette(
        tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert "Contacts" in screen_text(app)
        # The app's keys come after the board's, past the first 80x24.
        await pilot.press(*"jjjjjjjj")
        await pilot.pause()
        text = screen_text(app)
        assert ": / Ctrl+P" in text and "Commands" in text
        await pilot.press("escape", "colon")
        await pilot.pause(0.3)
        text = screen_text(app)
        for name in ("Board: Support pipeline", "Contacts", "Notifications"):
            assert name in text
        # The list is longer than the palette at 80x24: the rest by name.
        await pilot.press(*"quit")
        await pilot.pause(0.3)
        assert "Leave pipedesk" in screen_text(app)


@pytest.mark.anyio
async def test_the_palette_opens_a_ticket_by_its_number_c2(tmp_path: Path) -> None:
    """Issue 12 item 6: Ctrl+P, the ticket's number, Enter: its detail."""
    desk = open_desk(tmp_path)
    for subject in ("Printer on fire", "VPN down"):
        desk.create_ticket(A, "0", "New", subject)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"#2")
        await pilot.pause(0.3)  # the palette searches in a worker
        assert "Open ticket #2: VPN down" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        assert "VPN down" in screen_text(app)
        # A number no ticket has offers nothing to open.
        await pilot.press("escape", "colon", *"99")
        await pilot.pause(0.3)
        assert "Open ticket" not in screen_text(app)


@pytest.mark.anyio
async def test_the_palette_opens_a_pipelines_board_c2(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    sales = desk.create_pipeline("Sales", A)
    desk.create_ticket(A, sales.id, "New", "Quote for 40 seats")
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")  # from another screen: back to the board
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("colon", *"board sales")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        text = screen_text(app)
        assert "Sales · 1 ticket" in text and "#1 Quote for" in text


@pytest.mark.anyio
@pytest.mark.parametrize(("typed", "shows"), [
    ("stage editor", "Stages of Support pipeline"),
    ("automate", "Automate"),
    ("property def", "Ticket properties"),
])
async def test_the_palette_opens_the_boards_screens_c2(tmp_path: Path, typed: str,
                                                      shows: str) -> None:
    """Issue 12 item 6: the stage editor, the Automate tab and the property
    definitions from the palette, from any screen, for the board's pipeline."""
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await pilot.pause()
        await pilot.press("colon", *typed)
        await pilot.pause(0.3)  # the palette searches in a worker
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, (ContactsScreen, BoardScreen, CommandPalette))
        assert shows in screen_text(app)


@pytest.mark.anyio
async def test_a_colon_typed_in_a_field_is_text(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"Re: invoice")
        await pilot.pause()
        assert isinstance(app.screen, CreateTicketDialog)
        assert app.screen.query_one("#property-subject", Input).value == "Re: invoice"
        await pilot.press("escape", "slash", *"a:b")
        await pilot.pause()
        assert not isinstance(app.screen, CommandPalette)
        assert app.screen.query_one("#board-filter", Input).value == "a:b"


# -- snapshots ---------------------------------------------------------------------------


def test_snapshot_command_palette(tmp_path: Path, snap_compare: Any) -> None:
    async def open_palette(pilot: Any) -> None:
        from textual.widgets import OptionList

        await pilot.press("colon", *"co")
        # The palette searches in a worker: wait until its list holds still
        # (a fixed pause was too short on a busy machine, two test processes).
        seen, steady = -1, 0
        for _ in range(100):
            await pilot.pause(0.1)
            count = pilot.app.screen.query_one(OptionList).option_count
            steady = steady + 1 if count == seen and count > 0 else 0
            seen = count
            if steady >= 3:
                break
        # Waited that long, the cursor would blink out of the picture.
        pilot.app.screen.query_one(Input).cursor_blink = False
        await pilot.pause()

    assert snap_compare(PipedeskApp(snapshot_desk(tmp_path)), run_before=open_palette,
                        terminal_size=SIZE)
