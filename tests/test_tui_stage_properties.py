"""Conditional stage properties (S7) in the stage editor, and the issue's
"done when": a stage added, reordered, given a required property and
deleted in the editor behaves on the board as SPEC says."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Button, OptionList
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from core.model import StageProperty
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.move_dialog import MoveTicketDialog
from tui.screens.property_choice import PropertyPicker
from tui.screens.stage_editor import StageEditorScreen
from tui.screens.stage_properties import StagePropertiesDialog

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    CSS_PATH = SCREENS_CSS

    def __init__(self, desk: Desk, chosen: list[StageProperty] | None = None,
                 stage_label: str = "Waiting on us") -> None:
        super().__init__()
        self.desk = desk
        self.chosen = chosen or []
        self.stage_label = stage_label
        self.results: list[list[StageProperty] | None] = []

    def on_mount(self) -> None:
        self.push_screen(StagePropertiesDialog(self.desk, A, self.stage_label, self.chosen),
                         self.results.append)


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def offered(app: App[Any]) -> list[str]:
    picker = app.screen
    assert isinstance(picker, PropertyPicker)
    options = picker.query_one(OptionList)
    return [str(options.get_option_at_index(n).prompt).split("  (")[0]
            for n in range(options.option_count)]


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


@pytest.mark.anyio
async def test_s7_build_an_ordered_list_with_a_required_property(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "No properties" in screen_text(app)
        await pilot.press("a")
        await settle(pilot)
        # Subject is first of the offered ones; pick Priority and Seats.
        names = offered(app)
        await pilot.press(*["down"] * names.index("Priority"), "enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*["down"] * offered(app).index("Seats"), "enter")
        await settle(pilot)
        await pilot.press("r", "K")  # Seats required, then first
        await settle(pilot)
        text = screen_text(app)
        assert "1. Seats" in text and "✱ required" in text and "2. Priority" in text
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("enter")  # Subject, then removed again
        await settle(pilot)
        await pilot.press("d", "w")
        await settle(pilot)
    assert app.results == [[StageProperty(name="seats", required=True),
                            StageProperty(name="priority", required=False)]]


@pytest.mark.anyio
async def test_s7_read_only_archived_and_chosen_ones_are_never_offered(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    desk.create_property("legacy", "text", A)
    desk.archive_property("legacy", A)
    app = Host(desk, [StageProperty(name="priority")])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        names = offered(app)
        assert names == ["Subject", "Description", "Owner", "Team", "Contact", "Seats"]
        for never in ("Create date", "Close date", "Age", "Stage", "Pipeline", "Source",
                      "Priority", "Legacy"):
            assert never not in names


@pytest.mark.anyio
async def test_s7_nothing_left_to_add_says_so(desk: Desk) -> None:
    everything = [StageProperty(name=n)
                  for n in ("subject", "content", "priority", "owner", "team", "contact")]
    app = Host(desk, everything)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, StagePropertiesDialog)
        assert "on the list already" in app.screen.error_text


@pytest.mark.anyio
async def test_s7_escape_hands_back_nothing(desk: Desk) -> None:
    app = Host(desk, [StageProperty(name="priority", required=True)])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d", "escape")
        await settle(pilot)
    assert app.results == [None]


@pytest.mark.anyio
async def test_s7_space_shift_arrows_and_ctrl_s(desk: Desk) -> None:
    """The other keys for the same actions: Space toggles, Shift+arrows
    move, Ctrl+S finishes."""
    chosen = [StageProperty(name=n) for n in ("subject", "priority", "owner")]
    app = Host(desk, chosen)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("space", "shift+down", "shift+down")  # Subject: required, last
        await settle(pilot)
        text = screen_text(app)
        assert "1. Priority" in text and "3. Subject" in text
        await pilot.press("shift+up", "space", "space")  # Subject second, toggled twice
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert app.results == [[StageProperty(name="priority"),
                            StageProperty(name="subject", required=True),
                            StageProperty(name="owner")]]


@pytest.mark.anyio
async def test_s7_enter_on_done_finishes_and_cancel_hands_back_nothing(desk: Desk) -> None:
    app = Host(desk, [StageProperty(name="priority")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("r", "tab")
        await settle(pilot)
        focused = app.focused
        assert isinstance(focused, Button) and str(focused.label) == "Done"
        await pilot.press("enter")
        await settle(pilot)
    assert app.results == [[StageProperty(name="priority", required=True)]]

    app = Host(desk, [StageProperty(name="priority")])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d", "tab", "tab", "enter")  # Cancel
        await settle(pilot)
    assert app.results == [None]


@pytest.mark.anyio
async def test_s7_removed_and_added_again_comes_back_optional(desk: Desk) -> None:
    app = Host(desk, [StageProperty(name="priority", required=True)])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d", "a")
        await settle(pilot)
        await pilot.press(*["down"] * offered(app).index("Priority"), "enter")
        await settle(pilot)
        assert "✱ required" not in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
    assert app.results == [[StageProperty(name="priority", required=False)]]


@pytest.mark.anyio
async def test_s7_a_long_list_keeps_the_keys_and_buttons_on_an_80x24_screen(
        desk: Desk) -> None:
    for n in range(1, 7):
        desk.create_property(f"extra{n}", "text", A)
    names = ["subject", "content", "priority", "owner", "team", "contact",
             *(f"extra{n}" for n in range(1, 7))]
    app = Host(desk, [StageProperty(name=n, required=n == "team") for n in names])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")  # nothing left: the refusal takes two more rows
        await settle(pilot)
        text = screen_text(app)
        for seen in ("Properties asked for in", "on the list already", "Esc cancel",
                     "Done", "Cancel", "1. Subject", "✱ required"):
            assert seen in text, seen


@pytest.mark.anyio
async def test_a_stage_label_with_brackets_reads_as_typed(desk: Desk) -> None:
    app = Host(desk, stage_label="[b]Urgent[/b]")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Properties asked for in '[b]Urgent[/b]'" in screen_text(app)


# -- the "done when", on the real app ----------------------------------------------


def board(app: App[Any]) -> BoardScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, BoardScreen)
    return screen


@pytest.mark.anyio
async def test_done_when_a_stage_made_in_the_editor_behaves_on_the_board(desk: Desk) -> None:
    """Add *Escalated*, move it up to second place, make it ask for a
    required Priority, save: the board shows it second, and moving a ticket
    there asks for Priority (S7). Then delete it in the editor, moving its
    ticket to Waiting on us: the column goes and the ticket moved (S6)."""
    ticket = desk.create_ticket(A, "0", "New", "Printer on fire")
    app = PipedeskApp(desk)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, StageEditorScreen)
        await pilot.press("a", *"Escalated", "enter", "K", "K", "K", "p", "a")
        await settle(pilot)
        await pilot.press(*["down"] * offered(app).index("Priority"), "enter")
        await settle(pilot)
        await pilot.press("r", "w")
        await settle(pilot)
        assert isinstance(app.screen, StageEditorScreen)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        labels = [c.stage.label for c in board(app).columns]
        assert labels == ["New", "Escalated", "Waiting on contact", "Waiting on us", "Closed"]
        # A manual move into Escalated asks for Priority, and needs it.
        await pilot.press(">")
        await settle(pilot)
        assert isinstance(app.screen, MoveTicketDialog)
        assert "Priority" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, MoveTicketDialog)  # refused: Priority is required
        assert "requires Priority" in app.screen.error_text
        assert desk.ticket(ticket.id, A).stage == "1"
        await pilot.press("escape")
        await settle(pilot)
        desk.move_ticket(ticket.id, "Escalated", A, values={"priority": "High"})
        await settle(pilot)
        assert board(app).index.total(desk.pipeline("0", A).stages[1].id) == 1
        # Delete it in the editor: its ticket must go somewhere first.
        await pilot.press("e", "j", "d")
        await settle(pilot)
        await pilot.press(*["down"] * 2, "enter")  # New, Waiting on contact, Waiting on us
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        labels = [c.stage.label for c in board(app).columns]
        assert labels == ["New", "Waiting on contact", "Waiting on us", "Closed"]
        assert desk.ticket(ticket.id, A).stage == "3"
        assert board(app).index.total("3") == 1


# -- snapshot ---------------------------------------------------------------------------


def test_snapshot_conditional_properties_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.create_property("seats", "number", A, label="Seats bought")
    chosen = [StageProperty(name="seats", required=True), StageProperty(name="priority")]
    assert snap_compare(Host(desk, chosen), terminal_size=SIZE)
