"""People in the app (issue 14): who is acting in the board's title line,
the users-and-teams screen (`U` on the board, C1, U1), the pipeline access
dialog (`a` in pipeline selection, P6), and rights that change while a
board is open, here or in another process (U3).

Everything is driven by keys alone, at 80x24 (C2, C3); pictures are in
snapshots/test_tui_people/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable

import core
from core import LOCAL_ADMIN, Actor, Desk
from core.automation.actions import Notify
from core.clock import fixed_clock
from core.model import Team, User
from tui.app import FOLLOW_INTERVAL, PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.people import PeopleScreen
from tui.screens.pipeline_access import PipelineAccessDialog
from tui.screens.pipelines import PipelineSelectScreen
from tui.screens.signed_out import SignedOutScreen
from tui.screens.user_dialog import TeamMembersDialog, UserDialog

A = LOCAL_ADMIN
INGRID = Actor.user("ingrid")
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


def open_desk(path: Path) -> Desk:
    return core.open_desk(path / "desk", clock=fixed_clock(NOW))


def people_desk(path: Path) -> Desk:
    """An administrator, two agents in the Support team (Ingrid sees her
    team's tickets and unassigned ones, Sven his own), an empty Billing
    team, and a ticket each for Ingrid, Sven and nobody."""
    desk = open_desk(path)
    # The administrator's login is the one who made the desk (whoever runs
    # the tests): fixed here, as the refusals name it.
    desk.edit_user("admin", A, login="ada")
    desk.add_users([
        User(id="ingrid", name="Ingrid Berg", email="ingrid@pipedesk.example", login="ingrid",
             visibility="team"),
        User(id="sven", name="Sven Lund", email="sven@pipedesk.example", login="sven",
             visibility="own", unassigned=False),
    ], A)
    desk.add_teams([Team(id="support", name="Support", members=["ingrid", "sven"]),
                    Team(id="billing", name="Billing")], A)
    desk.create_ticket(A, "0", "New", "Printer on fire", values={"owner": "ingrid"})
    desk.create_ticket(A, "0", "New", "VPN drops at noon", values={"owner": "sven"})
    desk.create_ticket(A, "0", "New", "Invoice sent twice")
    return desk


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


def board_subjects(app: App[Any]) -> set[str]:
    board = app.screen_stack[0]
    assert isinstance(board, BoardScreen)
    return {t.subject for s in board.pipeline.stages for t in board.index.tickets(s.id)}


async def until(pilot: Any, done: Any, seconds: float = 1.0) -> None:
    """Pause the pilot until `done()` (the app's follow timer runs in the
    meantime), at most `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return
        await pilot.pause(0.05)
    assert done()


def rows(table: DataTable[Any]) -> list[str]:
    return [" ".join(filter(None, (str(c).strip() for c in table.get_row_at(n))))
            for n in range(table.row_count)]


# -- who is acting --------------------------------------------------------------


@pytest.mark.anyio
async def test_the_board_s_title_line_names_who_is_acting(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = screen_text(pilot.app).splitlines()[0]
        assert "Support pipeline" in first and first.rstrip().endswith("Ingrid Berg")
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert screen_text(pilot.app).splitlines()[0].rstrip().endswith(
            "Administrator (admin)")
    # With something unread, the count comes after the name, not over it.
    desk.add_action("0", "New", Notify(user="ingrid"), A)
    desk.create_ticket(A, "0", "New", "Needs a look")
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = screen_text(pilot.app).splitlines()[0]
        assert first.startswith(" Support pipeline · 4 tickets")
        assert first.rstrip().endswith("Ingrid Berg  ! 1 unread")


# -- the users-and-teams screen (C1, U1) ------------------------------------------


@pytest.mark.anyio
async def test_c1_u_opens_users_and_teams_from_the_board(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        assert rows(screen.users_table) == [
            "Administrator admin all active",
            "Ingrid Berg ingrid@pipedesk.example agent team, unassigned active",
            "Sven Lund sven@pipedesk.example agent own active"]
        assert rows(screen.teams_table) == ["Support Ingrid Berg, Sven Lund", "Billing —"]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, BoardScreen)


@pytest.mark.anyio
async def test_u1_an_administrator_adds_a_user_with_keys(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, UserDialog)
        await pilot.press(*"kari@pipedesk.example", "tab", *"Kari Hansen", "tab", *"kari",
                          # Role: Agent stays; Sees: the arrows from "All
                          # tickets" to "Own tickets", Space takes it.
                          "tab", "tab", "right", "right", "space",
                          # No unassigned tickets; then save.
                          "tab", "space", "ctrl+s")
        await settle(pilot)
        kari = next(u for u in desk.users(A) if u.name == "Kari Hansen")
        assert (kari.email, kari.login, kari.role, kari.visibility, kari.unassigned) == (
            "kari@pipedesk.example", "kari", "agent", "own", False)
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        assert screen.highlighted_user == kari.id


@pytest.mark.anyio
async def test_u1_a_refusal_stays_in_the_user_dialog(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "n", *"ingrid@pipedesk.example", "tab", *"Another Ingrid",
                          "enter")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, UserDialog)
        assert "Another user has the email" in dialog.error_text
        assert "Another user has the email" in screen_text(pilot.app)
        assert [u.name for u in desk.users(A)].count("Another Ingrid") == 0


@pytest.mark.anyio
async def test_u1_editing_a_user_changes_their_sight(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "j", "j", "enter")  # Sven
        await settle(pilot)
        assert isinstance(pilot.app.screen, UserDialog)
        # From the name, past the login and the role, to what Sven sees:
        # from "Own tickets" back to "All tickets".
        await pilot.press("tab", "tab", "tab", "left", "left", "space", "ctrl+s")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PeopleScreen)
    assert desk.me(Actor.user("sven")).visibility == "all"


@pytest.mark.anyio
async def test_u1_deactivating_and_activating_a_user(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "j", "d")  # Ingrid
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        assert rows(screen.users_table)[1].endswith("deactivated")
        assert not next(u for u in desk.users(A) if u.id == "ingrid").active
        await pilot.press("d")  # again: active again, no question asked
        await settle(pilot)
        assert rows(screen.users_table)[1].endswith(" active")
        assert desk.me(INGRID).active


@pytest.mark.anyio
async def test_u1_an_administrator_adds_a_team_and_a_member(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "t")
        await settle(pilot)
        assert isinstance(pilot.app.screen, LabelPrompt)
        await pilot.press(*"Night shift", "enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        assert screen.teams_table.has_focus
        night = next(t for t in desk.teams(A) if t.name == "Night shift")
        assert screen.highlighted_team == night.id
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(pilot.app.screen, TeamMembersDialog)
        await pilot.press("j", "space", "enter")  # Ingrid
        await settle(pilot)
        assert isinstance(pilot.app.screen, PeopleScreen)
        assert next(t for t in desk.teams(A) if t.id == night.id).members == ["ingrid"]
        assert "Night shift Ingrid Berg" in rows(screen.teams_table)


@pytest.mark.anyio
async def test_u1_renaming_and_removing_a_team(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "tab", "j", "e")  # Billing
        await settle(pilot)
        assert isinstance(pilot.app.screen, LabelPrompt)
        await pilot.press(*" and refunds", "enter")
        await settle(pilot)
        assert [t.name for t in desk.teams(A)] == ["Support", "Billing and refunds"]
        await pilot.press("d", "y")
        await settle(pilot)
        assert [t.name for t in desk.teams(A)] == ["Support"]


@pytest.mark.anyio
async def test_c1_an_agent_reads_users_and_teams_and_is_told_why_not_more(
        tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, PeopleScreen)
        text = screen_text(pilot.app)
        assert "Only administrators change users and teams; ask one (Administrator" in text
        assert "New user" not in text and "Deactivate" not in text
        await pilot.press("n", "t", "d", "m", "e", "enter")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert len(desk.users(A)) == 3 and len(desk.teams(A)) == 2


def test_snapshot_people_screen_administrator(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(people_desk(tmp_path), A), press=["U", "j"],
                        terminal_size=SIZE)


def test_snapshot_people_screen_agent(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(people_desk(tmp_path), INGRID), press=["U"],
                        terminal_size=SIZE)


def test_snapshot_user_dialog(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(people_desk(tmp_path), A), press=["U", "j", "enter"],
                        terminal_size=SIZE)


def test_snapshot_board_header_with_the_user(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(people_desk(tmp_path), INGRID), terminal_size=SIZE)


# -- pipeline access (P6) ----------------------------------------------------------


@pytest.mark.anyio
async def test_p6_the_access_dialog_gives_viewing_to_a_team(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    desk.add_users([User(id="olga", name="Olga Berg")], A)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PipelineSelectScreen)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PipelineAccessDialog)
        # View: not everyone, but the Support team (the list's first row).
        await pilot.press("space", "tab", "space", "enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PipelineSelectScreen)
    access = desk.pipeline("0", A).access
    assert (access.view, access.edit) == (["team:support"], None)
    assert [p.id for p in desk.pipelines(INGRID)] == ["0"]
    assert desk.pipelines(Actor.user("olga")) == []


@pytest.mark.anyio
async def test_p6_an_agent_s_access_change_is_refused_in_the_dialog(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p", "a")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, PipelineAccessDialog)
        await pilot.press("space", "ctrl+s")
        await settle(pilot)
        assert "Only administrators may manage pipeline access" in dialog.error_text
        assert pilot.app.screen is dialog
    assert desk.pipeline("0", A).access.view is None


def test_snapshot_access_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk = people_desk(tmp_path)
    desk.set_pipeline_access("0", A, ["team:support"], ["user:ingrid"])
    assert snap_compare(PipedeskApp(desk, A), press=["p", "a"], terminal_size=SIZE)


# -- rights changed while a board is open (U3) --------------------------------------


@pytest.mark.anyio
async def test_u3_a_right_taken_in_another_process_leaves_the_open_board(
        tmp_path: Path) -> None:
    """Ingrid's board is open; the administrator, in another process, makes
    her see her own tickets only: Sven's ticket leaves her board within a
    second, and comes back when her team's are hers to see again."""
    desk = people_desk(tmp_path)
    other = core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert board_subjects(pilot.app) == {"Printer on fire", "VPN drops at noon",
                                             "Invoice sent twice"}
        other.edit_user("ingrid", A, visibility="own", unassigned=False)
        # What she sees is the screen: the cards are repainted a frame after
        # the board's model changes, so both are waited for together.
        await until(pilot, lambda: board_subjects(pilot.app) == {"Printer on fire"}
                    and "VPN drops" not in screen_text(pilot.app),
                    seconds=1.0 + FOLLOW_INTERVAL)
        other.edit_user("ingrid", A, visibility="team", unassigned=True)
        await until(pilot, lambda: len(board_subjects(pilot.app)) == 3
                    and "VPN drops" in screen_text(pilot.app),
                    seconds=1.0 + FOLLOW_INTERVAL)


@pytest.mark.anyio
async def test_u3_an_open_ticket_that_goes_out_of_sight_closes_with_the_reason(
        tmp_path: Path) -> None:
    """Ingrid has Sven's ticket open; the administrator, in another
    process, makes her see her own only: the ticket's screen closes within
    a second, saying the ticket is not hers to see, and nothing of it stays."""
    from tui.screens.ticket_detail import TicketDetailScreen

    desk = people_desk(tmp_path)
    other = core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        pilot.app.push_screen(TicketDetailScreen(desk, INGRID, "2"))
        await settle(pilot)
        assert "VPN drops at noon" in screen_text(pilot.app)
        other.edit_user("ingrid", A, visibility="own", unassigned=False)
        await until(pilot, lambda: isinstance(pilot.app.screen, BoardScreen),
                    seconds=1.0 + FOLLOW_INTERVAL)
        await settle(pilot)
        assert "VPN drops" not in screen_text(pilot.app)
        told = [n.message for n in pilot.app._notifications]
        assert "No ticket #2." in told


@pytest.mark.anyio
async def test_u3_p6_a_pipeline_taken_away_moves_the_board_to_one_still_seen(
        tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    desk.create_pipeline("Sales", A)
    other = core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = pilot.app.screen
        assert isinstance(board, BoardScreen) and board.pipeline.label == "Support pipeline"
        other.set_pipeline_access("0", A, ["team:billing"], None)
        await until(pilot, lambda: board.pipeline.label == "Sales",
                    seconds=1.0 + FOLLOW_INTERVAL)
        assert board_subjects(pilot.app) == set()
        other.set_pipeline_access("0", A, ["team:support"], None)
        await until(pilot, lambda: "Support pipeline" in [
            p.label for p in desk.pipelines(INGRID)], seconds=1.0 + FOLLOW_INTERVAL)
        board.show_pipeline("0")
        await settle(pilot)
        assert len(board_subjects(pilot.app)) == 3


@pytest.mark.anyio
async def test_u3_p6_access_by_team_granted_and_taken_while_the_board_is_open(
        tmp_path: Path) -> None:
    """Both pipelines are the Billing team's alone: Ingrid's board says she
    may view none, and whom to ask. She joins Billing in another process:
    within a second her board shows the first pipeline, with its tickets;
    she leaves it, and the board says so again."""
    desk = people_desk(tmp_path)
    sales = desk.create_pipeline("Sales", A)
    desk.create_ticket(A, sales.id, sales.stages[0].id, "Quote for 40 seats")
    for pipeline in ("0", sales.id):
        desk.set_pipeline_access(pipeline, A, ["team:billing"], None)
    other = core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    async with PipedeskApp(desk, INGRID).run_test(size=SIZE) as pilot:
        await settle(pilot)
        board = pilot.app.screen
        assert isinstance(board, BoardScreen)
        text = " ".join(screen_text(pilot.app).split())  # the hint wraps
        assert "No pipeline you may view" in text
        assert "ask an administrator (Administrator, login ada) for access" in text
        other.set_team_members("billing", A, add=["ingrid"])
        await until(pilot, lambda: len(board_subjects(pilot.app)) == 3,
                    seconds=1.0 + FOLLOW_INTERVAL)
        assert board.pipeline.label == "Support pipeline"
        board.show_pipeline(sales.id)
        await settle(pilot)
        assert board_subjects(pilot.app) == {"Quote for 40 seats"}
        other.set_team_members("billing", A, remove=["ingrid"])
        await until(pilot, lambda: board.pipeline.id == "", seconds=1.0 + FOLLOW_INTERVAL)
        await settle(pilot)
        assert "Quote for 40 seats" not in screen_text(pilot.app)
        assert "No pipeline you may view" in screen_text(pilot.app)
        await pilot.press("n", "e", "a", "c")  # nothing to act on: nothing opens
        await settle(pilot)
        assert pilot.app.screen is board


@pytest.mark.anyio
async def test_u1_u3_a_user_deactivated_elsewhere_is_told_and_can_only_leave(
        tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    other = core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW))
    app = PipedeskApp(desk, INGRID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        other.deactivate_user("ingrid", A)
        await until(pilot, lambda: isinstance(app.screen, SignedOutScreen),
                    seconds=1.0 + FOLLOW_INTERVAL)
        await settle(pilot)
        text = screen_text(app)
        assert "You can no longer use this desk" in text
        assert "Ingrid Berg (ingrid) is deactivated" in text
        await pilot.press("colon", "r", "exclamation_mark")
        await settle(pilot)
        assert isinstance(app.screen, SignedOutScreen)
        await pilot.press("q")
        await settle(pilot)
    assert app.return_code == 0


@pytest.mark.anyio
async def test_u1_an_administrator_who_deactivates_themself_is_signed_out(
        tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    desk.edit_user("ingrid", A, role="administrator")
    app = PipedeskApp(desk, INGRID)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "j", "d", "y")
        await settle(pilot)
        assert isinstance(app.screen, SignedOutScreen)
        assert isinstance(app.screen_stack[-2], PeopleScreen)


def test_snapshot_signed_out(tmp_path: Path, snap_compare: Any) -> None:
    desk = people_desk(tmp_path)

    async def deactivated(pilot: Any) -> None:
        await pilot.pause()
        core.open_desk(tmp_path / "desk", clock=fixed_clock(NOW)).deactivate_user("ingrid", A)
        await until(pilot, lambda: isinstance(pilot.app.screen, SignedOutScreen), 1.5)

    assert snap_compare(PipedeskApp(desk, INGRID), run_before=deactivated, terminal_size=SIZE)


@pytest.mark.anyio
async def test_u1_a_team_still_named_by_a_pipeline_is_not_removed(tmp_path: Path) -> None:
    desk = people_desk(tmp_path)
    desk.set_pipeline_access("0", A, ["team:billing"], None)
    async with PipedeskApp(desk, A).run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("U", "tab", "j", "d", "y")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, MessageDialog)
        assert "is named in the access of 'Support pipeline'" in dialog.message
    assert [t.name for t in desk.teams(A)] == ["Support", "Billing"]
