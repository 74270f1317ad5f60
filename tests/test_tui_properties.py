"""Property definitions (issue 4 item 4) from the terminal: the list of
built-in and custom properties; create, edit, archive; the desk's refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from tui.screens.dialogs import ConfirmDialog, MessageDialog
from tui.screens.properties import CreatePropertyDialog, EditPropertyDialog, PropertiesScreen

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    """Pushes the screen at start, as the board does with P."""

    CSS_PATH = SCREENS_CSS

    TITLE = "pipedesk"
    # As in the app (tui/app.py): the palette's footer entry would take room.
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, desk: Desk) -> None:
        super().__init__()
        self.desk = desk

    def on_mount(self) -> None:
        self.push_screen(PropertiesScreen(self.desk, A))


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def listed(app: App[Any]) -> dict[str, list[str]]:
    """Name -> [label, type, kind, options], as the table shows them."""
    screen = next(s for s in app.screen_stack if isinstance(s, PropertiesScreen))
    table = screen.query_one(DataTable)
    rows = [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]
    return {r[0]: r[1:] for r in rows}


def go_to(app: App[Any], name: str) -> None:
    screen = next(s for s in app.screen_stack if isinstance(s, PropertiesScreen))
    screen.table.move_cursor(row=list(listed(app)).index(name))


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


def custom(desk: Desk) -> dict[str, Any]:
    return {p.name: p for p in desk.properties(A, archived=True) if not p.builtin}


@pytest.mark.anyio
async def test_lists_built_in_and_custom_properties(desk: Desk) -> None:
    desk.create_property("tier", "choice", A, label="Customer tier", options=["Gold", "Silver"])
    app = Host(desk)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rows = listed(app)
        assert rows["priority"] == ["Priority", "choice", "built-in",
                                    "Low, Medium, High, Urgent"]  # T4, issue 11
        assert rows["close_date"][2] == "built-in, read-only"
        assert rows["tier"] == ["Customer tier", "choice", "custom", "Gold, Silver"]
        assert "14 built-in, 1 custom" in screen_text(app)


@pytest.mark.anyio
async def test_create_a_choice_property_in_the_dialog(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, CreatePropertyDialog)
        await pilot.press(*"tier", "tab", *"Customer tier", "tab", "enter")
        await settle(pilot)
        await pilot.press(*["down"] * 3, "enter")  # text, long-text, number, choice
        await settle(pilot)
        await pilot.press("tab", *"Gold, Silver", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PropertiesScreen)
        assert listed(app)["tier"] == ["Customer tier", "choice", "custom", "Gold, Silver"]
    tier = custom(desk)["tier"]
    assert (tier.type.value, tier.options) == ("choice", ["Gold", "Silver"])


@pytest.mark.anyio
@pytest.mark.parametrize(("typed", "downs", "options", "message"), [
    ("Bad Name", 0, "", "must start with a letter"),
    ("priority", 0, "", "exists already"),
    ("tier", 3, "", "A choice property needs at least one option."),
    ("seats", 2, "1, 2", "Only a choice property has options"),
])
async def test_a_wrong_property_is_refused_in_the_dialog(desk: Desk, typed: str, downs: int,
                                                         options: str, message: str) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        # Name, Label (left empty), Type (downs from "text"), Options.
        await pilot.press(*typed, "tab", "tab", "enter")
        await settle(pilot)
        await pilot.press(*["down"] * downs, "enter")
        await settle(pilot)
        await pilot.press("tab", *options, "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CreatePropertyDialog)
        assert message in dialog.error_text
        # In view, not only in the widget: the form fits 24 rows with it.
        assert "✗ " + dialog.error_text[:40] in " ".join(screen_text(app).split())
        # Escape leaves without a property.
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PropertiesScreen)
    assert custom(desk) == {}


@pytest.mark.anyio
async def test_edit_a_label_and_the_options(desk: Desk) -> None:
    desk.create_property("tier", "choice", A, options=["Gold"])
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_to(app, "tier")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditPropertyDialog)
        await pilot.press("ctrl+u", *"Customer tier", "tab", "end", *", Platinum", "enter")
        await settle(pilot)
        assert listed(app)["tier"][0::3] == ["Customer tier", "Gold, Platinum"]
    assert custom(desk)["tier"].options == ["Gold", "Platinum"]


@pytest.mark.anyio
async def test_edit_a_number_property_has_no_options_field(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_to(app, "seats")
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "Property seats (number)" in text
        assert "integrations use it" in text and "Options (" not in text
        await pilot.press("ctrl+u", *"Seats bought", "enter")
        await settle(pilot)
        assert listed(app)["seats"][:3] == ["Seats bought", "number", "custom"]
    assert custom(desk)["seats"].label == "Seats bought"


@pytest.mark.anyio
async def test_cancelling_the_confirmation_archives_nothing(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_to(app, "seats")
        await pilot.press("d")
        await settle(pilot)
        assert "Archive property?" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert "seats" in listed(app)
    assert not custom(desk)["seats"].archived


@pytest.mark.anyio
async def test_archive_after_confirming_then_shown_only_on_request(desk: Desk) -> None:
    desk.create_property("seats", "number", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_to(app, "seats")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert "seats" not in listed(app)
        await pilot.press("A")
        await settle(pilot)
        assert listed(app)["seats"][2] == "archived"
        assert "(archived ones shown)" in screen_text(app)
        await pilot.press("A")
        await settle(pilot)
        assert "seats" not in listed(app)
        assert "(archived ones shown)" not in screen_text(app)
    assert custom(desk)["seats"].archived


@pytest.mark.anyio
async def test_a_property_made_elsewhere_shows_up(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "tier" not in listed(app)
        # Another part of the app (or `desk.refresh()` after another
        # process) changes the settings; the notice redraws the list.
        desk.create_property("tier", "choice", A, options=["Gold"])
        await settle(pilot)
        assert listed(app)["tier"][1:] == ["choice", "custom", "Gold"]
        assert "14 built-in, 1 custom" in screen_text(app)


@pytest.mark.anyio
async def test_fits_80_columns(desk: Desk) -> None:
    desk.create_property("tier", "choice", A, label="Customer tier", options=["Gold", "Silver"])
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert lines[1].strip().endswith("built-ins cannot be changed")
        assert all(w in lines[-1] for w in ("New", "Edit", "Archive", "Archived", "Back"))
        assert any("time_to_close  Time to close" in line for line in lines)
        assert any("Gold, Silver" in line for line in lines)


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "key", "message"), [
    ("priority", "d", "built-in property; it cannot be archived"),
    ("priority", "e", "built-in property; it cannot be changed"),
    ("seats", "d", "The cards of 'Support pipeline' show 'seats'"),
    ("tier", "d", "Stage 'Closed' of 'Support pipeline' asks for 'tier'"),
])
async def test_refusals_say_why_and_change_nothing(desk: Desk, name: str, key: str,
                                                   message: str) -> None:
    desk.create_property("seats", "number", A)
    desk.create_property("tier", "choice", A, options=["Gold"])
    desk.set_card_properties("0", ["subject", "seats"], A)
    desk.set_stage_property("Closed", "tier", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        go_to(app, name)
        await pilot.press(key)
        await settle(pilot)
        if isinstance(app.screen, ConfirmDialog):
            await pilot.press("y")
            await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, MessageDialog)
        assert message in dialog.message
        assert message[:30] in " ".join(screen_text(app).split())
        await pilot.press("enter")
        await settle(pilot)
        assert name in listed(app)
    assert not any(p.archived for p in custom(desk).values())


def snapshot_desk(tmp_path: Path) -> Desk:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.create_property("tier", "choice", A, label="Customer tier", options=["Gold", "Silver"])
    desk.create_property("seats", "number", A, label="Seats bought")
    return desk


def test_snapshot_property_list(tmp_path: Path, snap_compare: Any) -> None:
    async def to_the_end(pilot: Any) -> None:
        await pilot.press("G")

    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=to_the_end,
                        terminal_size=SIZE)


def test_snapshot_create_property_dialog(tmp_path: Path, snap_compare: Any) -> None:
    async def fill(pilot: Any) -> None:
        await pilot.press("n", *"region", "tab", *"Sales region", "tab", "enter")
        await pilot.pause()
        await pilot.press(*["down"] * 3, "enter")  # choice
        await pilot.pause()
        await pilot.press("tab", *"EMEA, Americas, APAC")

    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=fill, terminal_size=SIZE)
