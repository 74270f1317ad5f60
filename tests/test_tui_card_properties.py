"""Card properties (P7) from the board: choose and order what the cards
show; the board follows at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Desk, DeskError, open_desk
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.card_properties import CardPropertiesDialog
from tui.screens.property_choice import PropertyPicker

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    CSS_PATH = SCREENS_CSS

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk
        self.results: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(CardPropertiesDialog(self.desk, A, "0"), self.results.append)


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


async def pick(pilot: Any, app: App[Any], label: str) -> None:
    """`a`, then the property labelled `label` in the picker."""
    await pilot.press("a")
    await settle(pilot)
    picker = app.screen
    assert isinstance(picker, PropertyPicker)
    labels = [p.label for p in picker.offered]
    await pilot.press(*["down"] * labels.index(label), "enter")
    await settle(pilot)


@pytest.mark.anyio
async def test_p7_add_remove_reorder_and_save(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "1. Subject" in text and "4. Age" in text
        await pick(pilot, app, "Seats")
        await pilot.press("K", "K", "K")  # Seats up to second place
        await pilot.press("down", "down", "d")  # Owner goes
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    assert app.results == [True]
    assert desk.pipeline("0", A).card_properties == ["subject", "seats", "priority", "age"]


@pytest.mark.anyio
async def test_j_and_k_move_in_the_list_so_d_removes_the_row_in_view(desk: Desk) -> None:
    """`j j d` removes the third row (Owner), as the highlight shows."""
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j", "k", "d")
        await settle(pilot)
        assert "3. Age" in screen_text(app) and "Owner" not in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
    assert desk.pipeline("0", A).card_properties == ["subject", "priority", "age"]


@pytest.mark.anyio
async def test_p7_the_subject_cannot_be_removed(desk: Desk) -> None:
    """The dialog says the subject heads every card: `d` on it is refused
    there and then, in the desk's words, and the list keeps it."""
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        text = screen_text(app)
        assert "✗ The subject heads every card; it cannot be taken off" in text
        assert "1. Subject" in text
        await pilot.press("j", "d")  # another row goes, and the refusal with it
        await settle(pilot)
        assert "cannot be taken off" not in screen_text(app)
        await pilot.press("w")
        await settle(pilot)
    assert app.results == [True]
    assert desk.pipeline("0", A).card_properties == ["subject", "owner", "age"]


def test_p7_the_desk_refuses_cards_without_the_subject(desk: Desk) -> None:
    with pytest.raises(DeskError, match="The subject heads every card"):
        desk.set_card_properties("0", ["priority", "age"], A)
    assert desk.pipeline("0", A).card_properties == ["subject", "priority", "owner", "age"]


@pytest.mark.anyio
async def test_j_and_k_choose_in_the_property_picker(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PropertyPicker)
        second = picker.offered[1].name
        await pilot.press("j", "j", "k", "enter")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    assert desk.pipeline("0", A).card_properties[-1] == second


@pytest.mark.anyio
async def test_p7_escape_changes_nothing(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d", "d", "escape")
        await settle(pilot)
    assert app.results == [False]
    assert desk.pipeline("0", A).card_properties == ["subject", "priority", "owner", "age"]


@pytest.mark.anyio
async def test_p7_archived_properties_are_not_offered(desk: Desk) -> None:
    desk.create_property("legacy", "text", A)
    desk.archive_property("legacy", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, PropertyPicker)
        labels = [p.label for p in picker.offered]
        assert "Legacy" not in labels and "Create date" in labels and "Priority" not in labels


@pytest.mark.anyio
async def test_p7_the_board_follows_at_once(desk: Desk) -> None:
    desk.create_property("seats", "number", A, label="Seats bought")
    desk.create_ticket(A, "0", "New", "Printer on fire", values={"priority": "Urgent",
                                                                "seats": "40"})
    app = PipedeskApp(desk)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "Urgent" in screen_text(app) and "40" not in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CardPropertiesDialog)
        await pick(pilot, app, "Seats bought")
        await pilot.press("up", "up", "up", "d")  # Priority goes
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, BoardScreen)
        card = next(line for line in screen_text(app).splitlines() if "40" in line)
        assert "Urgent" not in screen_text(app)
        assert "40" in card


def test_snapshot_card_properties_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.create_property("seats", "number", A, label="Seats bought")
    desk.set_card_properties("0", ["subject", "seats", "priority", "age"], A)
    assert snap_compare(Host(desk), terminal_size=SIZE)
