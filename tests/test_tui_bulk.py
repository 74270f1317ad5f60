"""Selecting tickets and bulk actions in the app (T6, issue 17 item 4):
space, v and V select on the board, in search and in triage, Escape clears,
the count shows; m, A, E and d act on the selection in one command of the
desk, all or none, S7's properties asked once (S7); Y copies the
selection. Pilot tests at 80x24 on a desk with a fixed clock, and
snapshots (C2, C3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from test_tui_board import screen_text
from test_tui_search import osc52
from textual.widgets import Select

from core import LOCAL_ADMIN, Actor, Desk, open_desk
from core.clock import fixed_clock
from core.model import Team, User
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.bulk_edit import BulkEditDialog
from tui.screens.dialogs import ConfirmDialog, MessageDialog
from tui.screens.move_dialog import MoveTicketDialog
from tui.screens.search import SearchScreen
from tui.screens.ticket_table import TicketTableScreen
from tui.screens.triage import TriageScreen

SIZE = (80, 24)
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN
INGRID = Actor.user("ingrid")
SUPPORT, NEW, WAITING_ON_CONTACT, WAITING_ON_US, CLOSED = "0", "1", "2", "3", "4"
NEEDS = "Stage 'Closed' requires Resolution; give a value to go on."


def seeded(tmp_path: Path) -> Desk:
    """Support: four tickets in New (newest first on the board: #4 #3 #2
    #1), one in Waiting on us; Billing: one. Closed asks for a required
    Resolution (S7), which #1 and #2 have."""
    clock = [NOW - timedelta(days=3)]
    desk = open_desk(tmp_path / "desk", clock=lambda: clock[0])
    desk.add_users([User(id="ingrid", name="Ingrid Berg", email="ingrid@pipedesk.example")], A)
    desk.add_teams([Team(id="night", name="Night shift", members=["ingrid"])], A)
    billing = desk.create_pipeline("Billing", A)
    desk.create_property("resolution", "text", A)
    for hours, (pipeline, stage, subject, values) in zip((50, 40, 30, 20, 10, 5), [
            (SUPPORT, NEW, "Printer on fire", {"priority": "urgent", "resolution": "Toner"}),
            (SUPPORT, NEW, "Screen flickers", {"priority": "low", "resolution": "Cable"}),
            (SUPPORT, NEW, "Mouse missing", {"owner": "ingrid"}),
            (SUPPORT, NEW, "VPN down", {"priority": "high"}),
            (SUPPORT, WAITING_ON_US, "Invoice twice", {}),
            (billing.id, billing.stages[0].id, "Refund asked", {"priority": "urgent"})],
            strict=True):
        clock[0] = NOW - timedelta(hours=hours)
        desk.create_ticket(A, pipeline, stage, subject, values=values)
    desk.set_stage_property(CLOSED, "resolution", A, required=True)
    return open_desk(tmp_path / "desk", clock=fixed_clock(NOW))


def board(app: PipedeskApp) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def title(app: PipedeskApp) -> str:
    return screen_text(app).splitlines()[0]


def card_line(app: PipedeskApp, ticket_id: str) -> str:
    """The part of the screen's row that holds the card's first line."""
    [row] = [r for r in screen_text(app).splitlines() if f"#{ticket_id} " in r]
    return next(cell for cell in row.split("│") if f"#{ticket_id} " in cell).strip()


def stages(desk: Desk, *ids: str) -> list[str]:
    return [desk.ticket(t, A).stage for t in ids]


def toasts(app: PipedeskApp) -> list[str]:
    return [n.message for n in app._notifications]


# -- selecting (board) ---------------------------------------------------------------


@pytest.mark.anyio
async def test_t6_space_toggles_the_card_and_goes_on_and_the_title_counts(
        tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        assert "selected" not in title(app)
        await pilot.press("space")  # #4, the cursor goes on to #3
        await pilot.pause()
        assert card_line(app, "4").startswith("● #4 VPN down")
        assert card_line(app, "3").startswith("#3 ")
        assert "Support pipeline · 5 tickets · 1 selected " in title(app)
        await pilot.press("space")
        await pilot.pause()
        assert "2 selected" in title(app) and board(app).selection.ids == ["4", "3"]
        await pilot.press("k", "space")  # #3 again: out
        await pilot.pause()
        assert board(app).selection.ids == ["4"]
        assert card_line(app, "3").startswith("#3 ")
        assert "1 selected" in title(app)


@pytest.mark.anyio
async def test_t6_v_selects_the_column_V_the_board_and_again_none(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert board(app).selection.ids == ["4", "3", "2", "1"]  # New, not Waiting on us
        assert "4 selected" in title(app)
        assert all(card_line(app, t).startswith("● ") for t in "1234")
        assert card_line(app, "5").startswith("#5 ")
        await pilot.press("v")  # all of them were: none
        await pilot.pause()
        assert not board(app).selection and "selected" not in title(app)
        await pilot.press("V")
        await pilot.pause()
        assert sorted(board(app).selection) == ["1", "2", "3", "4", "5"]  # not Billing's
        assert card_line(app, "5").startswith("● #5 ")


@pytest.mark.anyio
async def test_t6_escape_clears_the_selection_first_then_the_filter(tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"s", "enter")  # "s": Screen flickers, Mouse missing
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert sorted(board(app).selection) == ["2", "3"]
        await pilot.press("escape")
        await pilot.pause()
        assert not board(app).selection
        assert "filter “s”" in title(app) and "selected" not in title(app)
        await pilot.press("escape")
        await pilot.pause()
        assert "filter" not in title(app)


@pytest.mark.anyio
async def test_t6_a_ticket_gone_drops_out_of_the_selection_one_filtered_out_stays(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        # Another terminal deletes #3 and moves #2 to Billing.
        other = open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
        other.delete_ticket("3", A)
        billing = next(p for p in other.pipelines(A) if p.label == "Billing")
        other.move_ticket("2", billing.stages[0].id, A)
        app.follow_desk()
        await pilot.pause()
        assert board(app).selection.ids == ["4", "1"]
        assert "3 tickets · 2 selected " in title(app)
        await pilot.press("slash", *"vpn")  # the filter hides #1: still selected
        await pilot.pause()
        assert board(app).selection.ids == ["4", "1"]
        assert "3 tickets · 2 selected, 1 hidden · " in title(app)  # the filter cut short


# -- acting on the selection (board) --------------------------------------------------


@pytest.mark.anyio
async def test_t6_s7_a_bulk_move_asks_once_and_a_refusal_changes_nothing(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        screen = board(app)
        await pilot.press("v", "m")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, MoveTicketDialog)
        text = screen_text(app)
        assert "Move 4 tickets" in text and "Now in Support pipeline / New" in text
        assert "New                 Open    ← now here" in text
        await pilot.press("end", "up", "enter")  # Closed: it asks for Resolution, once
        await pilot.pause()
        assert dialog.step == "properties"
        assert "each keeps its own" in screen_text(app)  # #1 and #2 have one; #3, #4 not
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert dialog.error_text == f"#4: {NEEDS} None of the 4 tickets was changed."
        assert dialog.is_current  # the dialog stays, saying why
        assert stages(desk, "1", "2", "3", "4") == [NEW] * 4
        assert screen.selection.ids == ["4", "3", "2", "1"]
        await pilot.press(*"Replaced", "ctrl+s")
        await pilot.pause()
        assert stages(desk, "1", "2", "3", "4") == [CLOSED] * 4
        assert {desk.ticket(t, A).props["resolution"] for t in "1234"} == {"Replaced"}
        assert toasts(app) == ["Moved 4 tickets to Support pipeline / Closed."]
        assert not board(app).selection and "selected" not in title(app)
        assert card_line(app, "4").startswith("#4 ")  # in Closed, unmarked


@pytest.mark.anyio
async def test_t6_s7_left_empty_each_keeps_its_own_value(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("G", "k", "space", "space")  # #2 and #1, which have a Resolution
        await pilot.press("m", "end", "up", "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert stages(desk, "1", "2") == [CLOSED] * 2
        assert [desk.ticket(t, A).props["resolution"] for t in "12"] == ["Toner", "Cable"]


@pytest.mark.anyio
async def test_t6_less_and_greater_move_no_selection(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "greater_than_sign")
        await pilot.pause()
        assert stages(desk, "4", "3") == [NEW, NEW]
        assert toasts(app) == ["< and > move one ticket; m moves the selected ones, "
                               "Esc clears the selection."]


@pytest.mark.anyio
async def test_t6_d_deletes_the_selection_after_one_confirmation_that_counts(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "space", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        text = screen_text(app)
        assert "Delete 3 tickets?" in text
        assert "#4 VPN down" in text and "#2 Screen flickers" in text
        await pilot.press("n")  # cancelled: they stay, and so does the selection
        await pilot.pause()
        assert {"2", "3", "4"} <= set(desk.state.tickets)
        assert "3 selected" in title(app)
        await pilot.press("d", "y")
        await pilot.pause()
        assert not {"2", "3", "4"} & set(desk.state.tickets)
        assert set(desk.state.tickets) == {"1", "5", "6"}
        assert toasts(app) == ["Deleted 3 tickets."]
        assert "selected" not in title(app)


@pytest.mark.anyio
async def test_t6_a_refused_bulk_delete_says_why_and_deletes_none(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space", "space", "d")
        await pilot.pause()
        # Meanwhile another terminal deletes one of them: the confirmation
        # was asked for both, and the desk refuses the lot.
        open_desk(tmp_path / "desk", clock=fixed_clock(NOW)).delete_ticket("3", A)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MessageDialog)
        assert "None of the 2 tickets was changed." in " ".join(screen_text(app).split())
        assert "4" in desk.state.tickets


@pytest.mark.anyio
async def test_t6_A_and_E_without_a_selection_act_on_the_card(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk, INGRID)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("A")
        await pilot.pause()
        assert desk.ticket("4", A).owner == "ingrid" and desk.ticket("3", A).owner == "ingrid"
        assert desk.ticket("2", A).owner is None
        assert toasts(app) == ["#4 is yours now."]
        await pilot.press("E")
        await pilot.pause()
        assert isinstance(app.screen, BulkEditDialog)
        assert "Set #4 VPN down" in screen_text(app)


# -- search and triage ----------------------------------------------------------------


def table_screen(app: PipedeskApp) -> TicketTableScreen:
    assert isinstance(app.screen, TicketTableScreen)
    return app.screen


def row(app: PipedeskApp, ticket_id: str) -> str:
    [line] = [r for r in screen_text(app).splitlines() if f"#{ticket_id} " in r]
    return line


@pytest.mark.anyio
async def test_t6_search_space_selects_on_the_list_and_types_a_space_in_the_query(
        tmp_path: Path) -> None:
    app = PipedeskApp(seeded(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"priority:urgent", "space", *"fire")  # a space of the query
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen) and screen.query_text == "priority:urgent fire"
        assert not screen.selection
        await pilot.press(*["backspace"] * 5, "enter")  # to the list: #6, #1
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()
        assert screen.selection.ids == ["6"] and screen.highlighted == "1"
        assert row(app, "6").lstrip().startswith("●#6 ")
        assert "2 tickets found · 1 selected · Esc clears" in screen_text(app)
        await pilot.press("escape")  # the selection first
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen) and not screen.selection
        assert not row(app, "6").lstrip().startswith("●")
        await pilot.press("escape")  # then back
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


@pytest.mark.anyio
async def test_t6_search_v_selects_all_found_and_a_new_query_keeps_the_selection(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"stage:open", "enter", "v")
        await pilot.pause()
        assert sorted(table_screen(app).selection) == ["1", "2", "3", "4", "5", "6"]
        assert "6 selected" in screen_text(app)
        await pilot.press("slash", *" priority:urgent")
        await pilot.pause()
        assert len(table_screen(app).selection) == 6
        assert "2 tickets found · 6 selected, 4 hidden · Esc clears" in screen_text(app)
        await pilot.press("enter", "A")  # all six, the hidden ones too
        await pilot.pause()
        assert {desk.ticket(t, A).owner for t in "123456"} == {desk.me(A).id}


@pytest.mark.anyio
async def test_t6_search_E_sets_owner_team_and_priority_on_the_selection(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        app.action_search()
        await pilot.pause()
        await pilot.press(*"priority:urgent", "enter", "v", "E")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, BulkEditDialog)
        text = screen_text(app)
        assert "Set on 2 tickets" in text
        assert "Urgent" in text  # the priority they share
        owner = dialog.query_one("#property-owner", Select)
        assert dialog.focused is owner
        await pilot.press("enter", "end", "enter")  # the last user: Ingrid Berg
        await pilot.pause()
        assert owner.value == "ingrid"
        await pilot.press("tab", "enter", "end", "enter")  # Night shift
        await pilot.press("tab", "enter", "up", "enter")  # from Urgent up to High
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        for ticket_id in ("1", "6"):
            ticket = desk.ticket(ticket_id, A)
            assert (ticket.owner, ticket.team, ticket.priority) == ("ingrid", "night", "HIGH")
        assert desk.ticket("4", A).priority == "HIGH" and desk.ticket("4", A).owner is None
        assert toasts(app) == [
            "Set on 2 tickets: Owner Ingrid Berg, Team Night shift, Priority High."]
        assert not table_screen(app).selection


@pytest.mark.anyio
async def test_t6_E_with_nothing_changed_says_so_and_sets_nothing(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v", "E")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, BulkEditDialog)
        assert "(each keeps its own)" in screen_text(app)  # owners and priorities differ
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert dialog.error_text == "Nothing changed: pick an owner, a team or a priority."
        await pilot.press("escape")
        await pilot.pause()
        assert "4 selected" in title(app)  # cancelled: the selection stays
        assert desk.ticket("3", A).owner == "ingrid"


@pytest.mark.anyio
async def test_t6_triage_A_assigns_the_selection_to_me(tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk, INGRID)
    async with app.run_test(size=SIZE) as pilot:
        app.action_triage()
        await pilot.pause()
        assert isinstance(app.screen, TriageScreen)
        assert [t.id for t in app.screen.queue][:3] == ["1", "6", "4"]  # urgent, then high
        await pilot.press("space", "space")  # #1 and #6
        await pilot.pause()
        assert "2 selected · Esc clears" in screen_text(app)
        await pilot.press("A")
        await pilot.pause()
        assert [desk.ticket(t, A).owner for t in ("1", "6", "4")] == ["ingrid", "ingrid", None]
        assert toasts(app) == ["2 tickets are yours now."]
        assert not table_screen(app).selection


@pytest.mark.anyio
async def test_t6_triage_v_selects_the_queue_and_m_moves_it_in_one_change(
        tmp_path: Path) -> None:
    desk = seeded(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        app.action_triage()
        await pilot.pause()
        await pilot.press("v")
        await pilot.pause()
        assert len(table_screen(app).selection) == 6
        await pilot.press("m")
        await pilot.pause()
        text = screen_text(app)
        assert "Move 6 tickets" in text and "Now in 3 stages" in text
        await pilot.press("home", "down", "enter")  # Waiting on contact, of Support
        await pilot.pause()
        assert stages(desk, *"123456") == [WAITING_ON_CONTACT] * 6
        assert desk.ticket("6", A).pipeline == SUPPORT  # from Billing too
        assert toasts(app) == ["Moved 6 tickets to Support pipeline / Waiting on contact."]


@pytest.mark.anyio
async def test_t6_Y_copies_the_selection_as_osc_52(tmp_path: Path) -> None:
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
        await pilot.press("space", "l", "l", "space", "Y")  # #4 in New, #5 in Waiting on us
        await pilot.pause()
        app.action_triage()
        await pilot.pause()
        await pilot.press("space", "Y")
        await pilot.pause()
    board_copy, triage_copy = osc52(written)
    assert board_copy.splitlines() == [
        "Support pipeline, selected: 2 tickets",
        "- #4 VPN down · Support pipeline / New · High",
        "- #5 Invoice twice · Support pipeline / Waiting on us"]
    assert triage_copy.splitlines() == [
        "Triage queue, selected: 1 ticket",
        "- #1 Printer on fire · Support pipeline / New · Urgent"]


# -- snapshots at 80x24 (C3) ------------------------------------------------------------


def test_snapshot_t6_board_with_a_selection(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.press("space", "down", "space", "l", "l", "space")  # #4, #2; #5
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_snapshot_t6_search_with_a_selection(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        pilot.app.action_search()
        await pilot.pause()
        await pilot.press(*"stage:open", "enter", "space", "down", "space")
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_snapshot_t6_bulk_delete_confirmation(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        pilot.app.action_triage()
        await pilot.pause()
        await pilot.press("v", "d")
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)


def test_snapshot_t6_bulk_edit_dialog(tmp_path: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await pilot.press("v", "E")
        await pilot.pause()

    assert snap_compare(PipedeskApp(seeded(tmp_path)), terminal_size=SIZE,
                        run_before=run_before)
