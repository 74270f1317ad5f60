"""Property definitions (issue 4 item 4) from the terminal: the list of
built-in and custom properties; create, edit, archive; the desk's refusals."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable

from core import LOCAL_ADMIN, Desk
from core.clock import fixed_clock
from tui.screens.dialogs import ConfirmDialog, MessageDialog
from tui.screens.properties import CreatePropertyDialog, EditPropertyDialog, PropertiesScreen

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
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
                                    "LOW, MEDIUM, HIGH, URGENT"]
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
@pytest.mark.parametrize(("typed", "message"), [
    ("Bad Name", "must start with a letter"),
    ("priority", "exists already"),
])
async def test_a_wrong_property_is_refused_in_the_dialog(desk: Desk, typed: str,
                                                         message: str) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*typed, "enter")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CreatePropertyDialog)
        assert message in dialog.error_text
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
    assert custom(desk)["seats"].archived


@pytest.mark.anyio
@pytest.mark.parametrize(("name", "key", "message"), [
    ("priority", "d", "built-in property; it cannot be archived"),
    ("priority", "e", "built-in property; it cannot be changed"),
    ("seats", "d", "The cards of 'Support pipeline' show 'seats'"),
])
async def test_refusals_say_why_and_change_nothing(desk: Desk, name: str, key: str,
                                                   message: str) -> None:
    desk.create_property("seats", "number", A)
    desk.set_card_properties("0", ["subject", "seats"], A)
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
    assert not custom(desk)["seats"].archived


@pytest.mark.anyio
async def test_every_binding_has_an_id(desk: Desk) -> None:
    for screen in (PropertiesScreen, CreatePropertyDialog, EditPropertyDialog):
        for binding in screen.BINDINGS:
            assert getattr(binding, "id", None), (screen, binding)


def snapshot_desk(tmp_path: Path) -> Desk:
    desk = Desk.open(tmp_path / "desk", clock=fixed_clock(NOW))
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
        await pilot.press("n", *"tier2", "tab", *"Support tier")

    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=fill, terminal_size=SIZE)
