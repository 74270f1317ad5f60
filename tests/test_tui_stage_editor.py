"""The stage editor (issue 4 items 1-2): S1-S6 and S8 from the terminal.

Pilot tests drive the editor at 80x24 (C3) in a small host app that pushes
it and keeps what it dismisses with, and the whole app for the board's side
of it; snapshot tests keep pictures in snapshots/test_tui_stage_editor/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import add_agent, data_dir, email_triggers_off, new_ticket, stored
from textual.app import App
from textual.widgets import DataTable
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Actor, Desk, open_desk
from core.clock import fixed_clock
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.stage_editor import AddStageDialog, MoveTicketsDialog, StageEditorScreen

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    CSS_PATH = SCREENS_CSS

    def __init__(self, desk: Desk, actor: Actor = A, pipeline: str = "0") -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.pipeline = pipeline
        self.results: list[bool | None] = []

    def on_mount(self) -> None:
        self.push_screen(StageEditorScreen(self.desk, self.actor, self.pipeline),
                         self.results.append)


def screen_text(app: App[Any]) -> str:
    """The terminal's text, what a user reads (Textual has no public call)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def message(app: App[Any]) -> str:
    """The message of the dialog on top (long ones wrap on screen)."""
    dialog = app.screen
    assert isinstance(dialog, MessageDialog), dialog
    return dialog.message


def editor(app: App[Any]) -> StageEditorScreen:
    screen = next(s for s in app.screen_stack if isinstance(s, StageEditorScreen))
    return screen


def rows(app: App[Any]) -> list[list[str]]:
    """The table as text: #, Label, State, Tickets, Properties (, Id)."""
    table = editor(app).query_one(DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(n)]
            for n in range(table.row_count)]


def labels(desk: Desk) -> list[str]:
    return [s.label for s in desk.pipeline("0", A).stages]


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


DEFAULT_ROWS = [["1", "New", "Open", "2", "—"],
                ["2", "Waiting on contact", "Open", "0", "—"],
                ["3", "Waiting on us", "Open", "1", "—"],
                ["4", "Closed", "Closed", "0", "—"]]


def some_tickets(desk: Desk) -> None:
    new_ticket(desk, "Printer on fire", stage="New")
    new_ticket(desk, "VPN is slow", stage="New")
    new_ticket(desk, "Invoice missing", stage="Waiting on us")


# -- the table ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_lists_the_stages_with_state_count_and_properties(desk: Desk) -> None:
    some_tickets(desk)
    desk.set_stage_property("Closed", "priority", A, required=True)
    desk.set_stage_property("Closed", "owner", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert rows(app)[:3] == DEFAULT_ROWS[:3]
        assert rows(app)[3] == ["4", "Closed", "Closed", "0", "✱Priority, Owner"]
        text = screen_text(app)
        assert "Stages of Support pipeline" in text
        assert "✱ required" in text
        footer = text.splitlines()[-1]
        for key in ("Add", "Rename", "Open/Closed", "Delete", "Save"):
            assert key in footer, key


@pytest.mark.anyio
async def test_s5_i_shows_the_internal_ids(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Id" not in screen_text(app).splitlines()[2]
        await pilot.press("i")
        await settle(pilot)
        assert [r[-1] for r in rows(app)] == ["1", "2", "3", "4"]
        await pilot.press("a", *"Escalated", "enter", "i")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        # An added stage gets its id when saved.
        assert rows(app)[-1][1::4] == ["Escalated", "new"]


# -- S1 add, S3 rename, S2 switch, S4 reorder ---------------------------------------------


@pytest.mark.anyio
async def test_s1_add_a_closed_stage_kept_unsaved_until_w(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddStageDialog)
        await pilot.press(*"Won't fix", "tab", "right", "enter")
        await settle(pilot)
        assert rows(app)[-1] == ["5", "Won't fix", "Closed", "0", "—"]
        assert editor(app).highlighted == "new-1"  # the cursor is on it
        assert "1 unsaved edit" in screen_text(app)
        assert labels(desk) == ["New", "Waiting on contact", "Waiting on us", "Closed"]
        await pilot.press("w")
        await settle(pilot)
        assert app.results == [True]
        stage = desk.pipeline("0", A).stages[-1]
        assert (stage.label, stage.state.value) == ("Won't fix", "closed")


@pytest.mark.anyio
async def test_s1_the_chosen_state_is_marked_without_colour(desk: Desk) -> None:
    """C3: in 16 colours two shades of ● are hard to tell apart; the chosen
    state is ●, the other ○."""
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddStageDialog)
        text = screen_text(app)
        assert "●▌ Open" in text and "○▌ Closed" in text
        await pilot.press("ctrl+l")  # Closed
        await settle(pilot)
        text = screen_text(app)
        assert "○▌ Open" in text and "●▌ Closed" in text


@pytest.mark.anyio
async def test_s1_a_taken_label_is_refused_in_the_add_dialog(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"closed", "enter")
        await settle(pilot)
        assert isinstance(app.screen, AddStageDialog)
        assert "has a stage labelled 'Closed'" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert len(rows(app)) == 4 and editor(app).edits == []


@pytest.mark.anyio
async def test_s3_rename_keeps_the_id(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "r")
        await settle(pilot)
        assert isinstance(app.screen, LabelPrompt)
        await pilot.press("ctrl+u", *"Waiting on customer", "enter")
        await settle(pilot)
        assert rows(app)[1][1] == "Waiting on customer"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert desk.stage("2", A)[1].label == "Waiting on customer"


@pytest.mark.anyio
async def test_s2_switching_the_last_closed_stage_is_refused_with_the_reason(
        desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "s")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "must keep at least one Closed stage" in message(app)
        await pilot.press("enter")
        await settle(pilot)
        assert rows(app)[3][2] == "Closed" and editor(app).edits == []
        # Switching an open one is fine, and back again.
        await pilot.press("home", "s")
        await settle(pilot)
        assert rows(app)[0][2] == "Closed"


@pytest.mark.anyio
async def test_s4_reorder_with_K_and_J_and_undo(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end", "K", "K")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == ["New", "Closed", "Waiting on contact",
                                             "Waiting on us"]
        assert editor(app).highlighted == "4"
        await pilot.press("u")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == ["New", "Waiting on contact", "Closed",
                                             "Waiting on us"]
        await pilot.press("shift+down", "w")
        await settle(pilot)
        assert labels(desk) == ["New", "Waiting on contact", "Waiting on us", "Closed"]
        assert app.results == [True]


# -- S6 delete ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_s6_deleting_a_stage_with_tickets_asks_where_they_go(desk: Desk) -> None:
    some_tickets(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, MoveTicketsDialog)
        text = screen_text(app)
        assert "Delete stage 'New'" in text and "It holds 2 tickets" in text
        await pilot.press("down", "enter")  # Waiting on us
        await settle(pilot)
        assert rows(app) == [["1", "Waiting on contact", "Open", "0", "—"],
                             ["2", "Waiting on us", "Open", "3", "—"],
                             ["3", "Closed", "Closed", "0", "—"]]
        assert desk.stage_counts("0", A)["1"] == 2  # not saved yet
        await pilot.press("w")
        await settle(pilot)
        assert desk.stage_counts("0", A) == {"2": 0, "3": 3, "4": 0}


@pytest.mark.anyio
async def test_s6_escape_in_the_move_dialog_keeps_the_stage(desk: Desk) -> None:
    some_tickets(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d", "escape")
        await settle(pilot)
        assert rows(app) == DEFAULT_ROWS and editor(app).edits == []


@pytest.mark.anyio
async def test_s6_an_empty_stage_goes_at_once_and_s2_guards_the_last_closed(
        desk: Desk) -> None:
    email_triggers_off(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "d")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == ["New", "Waiting on us", "Closed"]
        await pilot.press("end", "d")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "Cannot delete 'Closed'" in message(app)


@pytest.mark.anyio
async def test_s6_tickets_can_move_into_a_stage_added_in_the_same_edits(desk: Desk) -> None:
    some_tickets(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Triage", "enter", "home", "d")
        await settle(pilot)
        await pilot.press("end", "enter")
        await settle(pilot)
        assert rows(app)[-1] == ["4", "Triage", "Open", "2", "—"]
        await pilot.press("w")
        await settle(pilot)
        triage = desk.pipeline("0", A).stages[-1]
        assert triage.label == "Triage"
        assert desk.stage_counts("0", A)[triage.id] == 2


# -- S8 save or cancel together --------------------------------------------------------


@pytest.mark.anyio
async def test_s8_escape_with_unsaved_edits_asks_and_discards_all(desk: Desk) -> None:
    some_tickets(desk)
    before = stored(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a", *"Triage", "enter", "home", "J", "K", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "3 unsaved edits" in app.screen.message
        await pilot.press("n")  # keep editing
        await settle(pilot)
        assert app.results == [] and len(editor(app).edits) == 3
        await pilot.press("escape", "y")
        await settle(pilot)
        assert app.results == [False]
    assert stored(desk) == before


@pytest.mark.anyio
async def test_s8_escape_without_edits_leaves_at_once(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("escape")
        await settle(pilot)
        assert app.results == [False]


@pytest.mark.anyio
async def test_s8_save_refused_by_a_change_made_elsewhere_saves_nothing(desk: Desk) -> None:
    email_triggers_off(desk)
    some_tickets(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        # Rename New to Inbox and delete Waiting on us into it; meanwhile
        # another terminal adds a stage labelled Inbox.
        await pilot.press("r", "ctrl+u", *"Inbox", "enter")
        await settle(pilot)
        await pilot.press("j", "j", "d")
        await settle(pilot)
        await pilot.press("enter")  # the first target: Inbox
        await settle(pilot)
        assert rows(app)[0][1:4] == ["Inbox", "Open", "3"]
        open_desk(data_dir(desk)).add_stage("0", "inbox", "open", A)
        desk.refresh()  # what the app's timer does
        await settle(pilot)
        assert "changed elsewhere" in screen_text(app).splitlines()[0]
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "Nothing was saved" in screen_text(app)
        assert "labelled 'inbox' already" in message(app)
        assert app.results == []
    # S8: neither the rename nor the deletion happened.
    assert labels(desk) == ["New", "Waiting on contact", "Waiting on us", "Closed", "inbox"]
    assert desk.stage_counts("0", A)["3"] == 1


@pytest.mark.anyio
async def test_an_agent_sees_the_stages_read_only_and_every_edit_is_refused(
        desk: Desk) -> None:
    add_agent(desk)
    app = Host(desk, actor=Actor.user("ingrid"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "read-only" in screen_text(app).splitlines()[0]
        await pilot.press("s")
        await settle(pilot)
        assert "Only administrators may change stages" in message(app)


# -- snapshots ---------------------------------------------------------------------------


def snapshot_desk(tmp_path: Path) -> Desk:
    desk = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    desk.create_property("seats", "number", A)
    for subject, stage in [("Printer on fire", "New"), ("VPN is slow", "New"),
                           ("Invoice missing", "Waiting on us"), ("Refund", "Closed")]:
        desk.create_ticket(A, "0", stage, subject)
    desk.set_stage_property("Waiting on us", "seats", A, required=True)
    desk.set_stage_property("Waiting on us", "priority", A)
    return desk


async def _edits(pilot: Any) -> None:
    await pilot.press("a", *"Escalated to second line", "enter", "K", "i")


def test_snapshot_stage_editor_80x24(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=_edits, terminal_size=SIZE)


def test_snapshot_stage_editor_120x40(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=_edits,
                        terminal_size=(120, 40))


def test_snapshot_add_stage_dialog(tmp_path: Path, snap_compare: Any) -> None:
    async def add(pilot: Any) -> None:
        await pilot.press("a", *"Escalated", "tab", "right")

    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=add, terminal_size=SIZE)


def test_snapshot_delete_with_move_dialog(tmp_path: Path, snap_compare: Any) -> None:
    async def delete(pilot: Any) -> None:
        await pilot.press("d")

    assert snap_compare(Host(snapshot_desk(tmp_path)), run_before=delete, terminal_size=SIZE)
