"""Pipeline selection (P2-P5 from the terminal): the list with its counts,
open, create, rename, reorder, delete, and the desk's refusals.

Pilot tests drive the screen at 80x24 (C3) in a small host app that pushes it
and keeps what it dismisses with; snapshot tests keep pictures in
snapshots/test_tui_pipelines/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import data_dir
from textual.app import App
from textual.widgets import DataTable
from tui_fixtures import SCREENS_CSS

from core import LOCAL_ADMIN, Desk, TicketDraft, open_desk
from core.clock import fixed_clock
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.pipelines import PipelineSelectScreen

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


class Host(App[None]):
    """Pushes the screen at start and keeps its results."""

    CSS_PATH = SCREENS_CSS

    TITLE = "pipedesk"

    def __init__(self, desk: Desk, current: str | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.current = current
        self.results: list[str | None] = []

    def on_mount(self) -> None:
        self.push_screen(PipelineSelectScreen(self.desk, A, self.current), self.results.append)


def screen_text(app: App[Any]) -> str:
    """The terminal's text, what a user reads (the compositor is what
    screenshots are drawn from; Textual has no public call for it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def pipelines_screen(app: App[Any]) -> PipelineSelectScreen:
    screen = app.screen_stack[1]
    assert isinstance(screen, PipelineSelectScreen)
    return screen


def rows(app: App[Any]) -> list[list[str]]:
    """The table as text, row by row: #, Label, Stages, Open tickets, Closed
    tickets."""
    table = pipelines_screen(app).query_one(DataTable)
    return [[str(cell).strip() for cell in table.get_row_at(n)]
            for n in range(table.row_count)]


def labels(desk: Desk) -> list[str]:
    return [p.label for p in desk.pipelines(A)]


def three_pipelines(desk: Desk) -> tuple[str, str, str]:
    """Support pipeline (3 open, 2 closed tickets), Sales (1 open), Billing [EU]
    (empty)."""
    support = desk.pipelines(A)[0].id
    sales = desk.create_pipeline("Sales", A).id
    billing = desk.create_pipeline("Billing [EU]", A).id
    for subject, stage in [("Printer on fire", "New"), ("VPN is slow", "Waiting on us"),
                           ("Invoice missing", "Waiting on contact"),
                           ("Password reset", "Closed"), ("Refund", "Closed")]:
        desk.create_ticket(A, support, stage, subject)
    desk.create_ticket(A, sales, "New", "Quote for 40 seats")
    return support, sales, billing


# -- the list -------------------------------------------------------------------


@pytest.mark.anyio
async def test_lists_pipelines_in_order_with_open_and_closed_counts(desk: Desk) -> None:
    support, sales, _ = three_pipelines(desk)
    app = Host(desk, current=sales)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app) == [["1", "Support pipeline", "4", "3", "2"],
                             ["2", "Sales", "4", "1", "0"],
                             ["3", "Billing [EU]", "4", "0", "0"]]
        # The board the user came from is the one highlighted.
        assert pipelines_screen(app).highlighted == sales
        text = screen_text(app)
        # Issue 11: "Open" beside "Stages" read as a count of open stages.
        [header] = [line.split() for line in text.splitlines() if "Label" in line]
        assert header == ["#", "Label", "Stages", "Open", "tickets", "Closed", "tickets"]
        assert "Billing [EU]" in text  # a label is text, not markup
        for key in ("Open", "New", "Rename", "Move up", "Move down", "Delete", "Back"):
            assert key in text.splitlines()[-1], key  # the footer says the keys


@pytest.mark.anyio
async def test_counts_have_thousands_separators(desk: Desk) -> None:
    """Issue 11: one way of printing counts, 1,200 as on the board."""
    desk.create_tickets([TicketDraft("0", "Closed", f"Old {n}") for n in range(1_200)], A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert rows(app) == [["1", "Support pipeline", "4", "0", "1,200"]]


@pytest.mark.anyio
async def test_enter_returns_the_highlighted_pipeline(desk: Desk) -> None:
    support, sales, billing = three_pipelines(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pipelines_screen(app).highlighted == support
        await pilot.press("j", "down", "k", "enter")
        await pilot.pause()
        assert app.results == [sales]


@pytest.mark.anyio
async def test_escape_returns_nothing(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "escape")  # j on the only row stays there
        await pilot.pause()
        assert app.results == [None]


@pytest.mark.anyio
async def test_the_list_follows_changes_made_in_another_terminal(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        other = open_desk(data_dir(desk))
        other.create_pipeline("Made elsewhere", A)
        other.create_ticket(A, "0", "New", "Printer on fire")
        desk.refresh()  # what the app's timer does
        await pilot.pause()
        assert rows(app) == [["1", "Support pipeline", "4", "1", "0"],
                             ["2", "Made elsewhere", "4", "0", "0"]]
        # Once gone, the screen no longer listens: a change made elsewhere
        # after Escape leaves the closed list as it was, and breaks nothing …
        left = pipelines_screen(app).query_one(DataTable)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, PipelineSelectScreen)
        other.create_pipeline("After", A)
        desk.refresh()
        await pilot.pause()
        assert left.row_count == 2
        assert app.return_code is None  # still running, nothing raised
        # … and the list opened again shows it.
        app.push_screen(PipelineSelectScreen(desk, A, None), app.results.append)
        await pilot.pause()
        assert rows(app) == [["1", "Support pipeline", "4", "1", "0"],
                             ["2", "Made elsewhere", "4", "0", "0"],
                             ["3", "After", "4", "0", "0"]]


@pytest.mark.anyio
async def test_a_long_label_is_cut_and_the_counts_stay_in_view(desk: Desk) -> None:
    long = "Customer success for the Nordic and Benelux enterprise accounts, second line"
    desk.create_pipeline(long, A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        [line] = [line for line in screen_text(app).splitlines() if "Customer" in line]
        assert line.split()[-3:] == ["4", "0", "0"]
        assert "…" in line and len(line.rstrip()) <= 80


@pytest.mark.anyio
async def test_renaming_a_pipeline_deleted_elsewhere_is_refused_in_the_prompt(
        desk: Desk) -> None:
    sales = desk.create_pipeline("Sales", A).id
    app = Host(desk, current=sales)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        open_desk(data_dir(desk)).delete_pipeline(sales, A)  # before the timer saw it
        await pilot.press("r", "x", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LabelPrompt)
        assert "No pipeline '" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert rows(app) == [["1", "Support pipeline", "4", "0", "0"]]


# -- create and rename (P2, P3) ----------------------------------------------------------


@pytest.mark.anyio
async def test_n_creates_a_pipeline_and_the_cursor_lands_on_it(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, LabelPrompt)
        await pilot.press(*"Sales", "enter")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Sales"]
        sales = desk.pipelines(A)[1]
        assert [s.label for s in sales.stages] == ["New", "Waiting on contact",
                                                   "Waiting on us", "Closed"]
        assert rows(app)[1] == ["2", "Sales", "4", "0", "0"]
        assert pipelines_screen(app).highlighted == sales.id


@pytest.mark.anyio
async def test_a_taken_label_is_refused_in_the_prompt_which_stays_open(desk: Desk) -> None:
    desk.create_pipeline("Sales", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"sales", "enter")  # P2: labels are unique, case-insensitively
        await pilot.pause()
        assert isinstance(app.screen, LabelPrompt)
        assert "A pipeline labelled 'Sales' exists already" in screen_text(app)
        assert labels(desk) == ["Support pipeline", "Sales"]
        await pilot.press("backspace", "backspace", "backspace", "backspace", "backspace",
                          *"Billing", "enter")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Sales", "Billing"]


@pytest.mark.anyio
async def test_an_empty_label_is_refused_and_escape_creates_nothing(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "enter")
        await pilot.pause()
        assert "A pipeline needs a label." in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PipelineSelectScreen)
        assert labels(desk) == ["Support pipeline"]


@pytest.mark.anyio
async def test_r_renames_with_the_label_filled_in(desk: Desk) -> None:
    _, sales, _ = three_pipelines(desk)
    app = Host(desk, current=sales)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert app.screen.query_one("#label-input").value == "Sales"  # type: ignore[attr-defined]
        await pilot.press("end", *" EMEA", "enter")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Sales EMEA", "Billing [EU]"]
        assert desk.pipeline("Sales EMEA", A).id == sales  # P8: the id stays
        assert rows(app)[1][1] == "Sales EMEA"
        assert pipelines_screen(app).highlighted == sales


# -- reorder (P4) -------------------------------------------------------------------


@pytest.mark.anyio
async def test_K_and_J_move_the_highlighted_pipeline_and_the_cursor_follows(
        desk: Desk) -> None:
    support, sales, billing = three_pipelines(desk)
    app = Host(desk, current=billing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("K")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Billing [EU]", "Sales"]
        await pilot.press("shift+up")
        await pilot.pause()
        assert labels(desk) == ["Billing [EU]", "Support pipeline", "Sales"]
        assert pipelines_screen(app).highlighted == billing
        await pilot.press("K")  # first already: nothing to do, nothing said
        await pilot.pause()
        assert labels(desk) == ["Billing [EU]", "Support pipeline", "Sales"]
        assert isinstance(app.screen, PipelineSelectScreen)
        await pilot.press("J", "shift+down")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Sales", "Billing [EU]"]
        assert [r[1] for r in rows(app)] == labels(desk)
        assert pipelines_screen(app).highlighted == billing


# -- delete (P5) ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_d_deletes_an_empty_pipeline_after_confirming(desk: Desk) -> None:
    _, _, billing = three_pipelines(desk)
    app = Host(desk, current=billing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "'Billing [EU]' and its stages will be deleted" in screen_text(app)
        await pilot.press("y")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline", "Sales"]
        assert [r[1] for r in rows(app)] == ["Support pipeline", "Sales"]
        # The cursor stays on the row where the deleted one was, clamped.
        assert pipelines_screen(app).highlighted == desk.pipeline("Sales", A).id


@pytest.mark.anyio
async def test_delete_cancelled_with_n_escape_or_enter_on_cancel_changes_nothing(
        desk: Desk) -> None:
    desk.create_pipeline("Sales", A)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        for cancel in ("n", "escape", "enter"):  # Cancel has the focus
            await pilot.press("d")
            await pilot.pause()
            await pilot.press(cancel)
            await pilot.pause()
            assert isinstance(app.screen, PipelineSelectScreen), cancel
        assert labels(desk) == ["Support pipeline", "Sales"]


@pytest.mark.anyio
async def test_a_pipeline_with_tickets_is_not_deleted_and_the_refusal_says_why(
        desk: Desk) -> None:
    """P5, refused before asking: "cannot be undone?" came first, and the
    refusal only after the user said yes (issue 11)."""
    support, _, _ = three_pipelines(desk)
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        refusal = app.screen
        assert isinstance(refusal, MessageDialog)
        assert "cannot be undone" not in screen_text(app)
        # The desk's words, as they are (the dialog wraps them).
        assert refusal.message == ("Pipeline 'Support pipeline' holds 5 tickets; move them "
                                   "to another pipeline or delete them first.")
        assert "Pipeline 'Support pipeline' holds 5 tickets" in screen_text(app)
        assert labels(desk) == ["Support pipeline", "Sales", "Billing [EU]"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PipelineSelectScreen)
        assert len(rows(app)) == 3
        assert pipelines_screen(app).highlighted == support
        assert app.results == []  # Enter closed the refusal, not the list


@pytest.mark.anyio
async def test_a_ticket_come_in_while_confirming_is_still_refused(desk: Desk) -> None:
    """Between the check and the user's yes, another terminal may fill it."""
    _, _, billing = three_pipelines(desk)
    app = Host(desk, current=billing)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        desk.create_ticket(A, billing, "New", "Late arrival")
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, MessageDialog)
        assert "Pipeline 'Billing [EU]' holds 1 ticket" in screen_text(app)
        assert labels(desk) == ["Support pipeline", "Sales", "Billing [EU]"]


@pytest.mark.anyio
async def test_the_last_pipeline_is_not_deleted(desk: Desk) -> None:
    app = Host(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, MessageDialog)
        assert "'Support pipeline' is the last pipeline" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert labels(desk) == ["Support pipeline"]
        assert isinstance(app.screen, PipelineSelectScreen)


# -- snapshots ----------------------------------------------------------------------


def snapshot_desk(tmp_path: Path) -> Desk:
    return open_desk(tmp_path / "desk", clock=fixed_clock(NOW))


def test_snapshot_pipeline_selection(tmp_path: Path, snap_compare: Any) -> None:
    desk = snapshot_desk(tmp_path)
    _, sales, _ = three_pipelines(desk)
    assert snap_compare(Host(desk, current=sales), terminal_size=SIZE)


def test_snapshot_refused_delete(tmp_path: Path, snap_compare: Any) -> None:
    desk = snapshot_desk(tmp_path)
    three_pipelines(desk)

    async def refuse(pilot: Any) -> None:
        await pilot.press("d")

    assert snap_compare(Host(desk), run_before=refuse, terminal_size=SIZE)
