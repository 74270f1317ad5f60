"""Text from tickets never drives the terminal, on the screens (issue 11,
item 1).

A desk from before the text rules holds subjects and labels with escapes,
bells, C1 controls, direction overrides and markup; the board, the detail,
the `?` overlay and the dialogs draw them as text. The checks read what
Textual would write to the terminal, escape sequences and all: only
Textual's own sequences may be there, never one from the desk.
Snapshots in snapshots/test_tui_text/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import rich.text
from rich.cells import cell_len
from text_fixtures import HOSTILE, TERMINAL_CSI, put_on_disk, unsafe_in
from textual._compositor import LayoutUpdate
from textual.content import Content

from core import LOCAL_ADMIN, Desk, open_desk
from core.automation.actions import SendEmail
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.action_dialog import ActionDialog
from tui.screens.board import BoardScreen
from tui.screens.ticket_detail import TicketDetailScreen

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
A = LOCAL_ADMIN
TITLE = HOSTILE["window title"]


def hostile_desk(path: Path) -> Desk:
    """A ticket per hostile text in New, the window-title one newest (under
    the cursor when the board opens); the pipeline's and New's labels hold
    the window title too."""
    desk = open_desk(path, clock=fixed_clock(NOW))
    desk.rename_pipeline("0", "PIPELINELABEL", A)
    desk.rename_stage("1", "STAGELABEL", A)
    names = list(reversed(HOSTILE))
    for n, _ in enumerate(names, start=1):
        desk.create_ticket(A, "0", "1", f"SUBJECT{n}X")
    swaps = {f"SUBJECT{n}X": HOSTILE[name] for n, name in enumerate(names, start=1)}
    put_on_disk(path, swaps | {"PIPELINELABEL": f"Support {TITLE}",
                               "STAGELABEL": f"New {TITLE}"})
    return open_desk(path, clock=fixed_clock(NOW))


def terminal_output(app: PipedeskApp) -> str:
    """What Textual writes to the terminal for the whole screen, the screens
    below a dialog included."""
    update = app.screen._compositor.render_update(full=True,
                                                  screen_stack=app._background_screens)
    # A full update is always a LayoutUpdate (typed as any renderable).
    assert isinstance(update, LayoutUpdate)
    return update.render_segments(app.console)


def screen_text(app: PipedeskApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_harmless(app: PipedeskApp) -> None:
    """Nothing from the desk reaches the terminal as a control, and every
    row is exactly as wide as the terminal (so the borders stand)."""
    written = TERMINAL_CSI.sub("", terminal_output(app))
    assert unsafe_in(written.replace("\n", "").replace("\r", "")) == []
    for line in screen_text(app).splitlines():
        assert cell_len(line) == app.size.width and unsafe_in(line) == [], repr(line)


@pytest.mark.anyio
async def test_the_board_draws_hostile_subjects_and_labels_as_text(tmp_path: Path) -> None:
    app = PipedeskApp(hostile_desk(tmp_path))
    async with app.run_test(size=(80, 40)):
        assert_harmless(app)
        text = screen_text(app)
        assert f"Support {TITLE}"[:8] in text  # the title line: "Support Title ␛]2;…"
        assert "Support Title ␛]2;PWNED␇" in text
        assert "New Title ␛]2;" in text  # the column's label, cut to the column
        for shown in ("#7 Title ␛]2;", "#6 ␛[31mRED␛[0m ␇", "#5 a␤b", "#4 invoice �fdp",
                      "#3 Sup�port", "#2 [bold]x[/]", "#1 �31m"):
            assert shown in text, shown


@pytest.mark.anyio
async def test_the_keys_overlay_over_a_hostile_board_is_whole(tmp_path: Path) -> None:
    app = PipedeskApp(hostile_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, BoardScreen)
        assert_harmless(app)


@pytest.mark.anyio
async def test_the_detail_of_a_hostile_ticket_draws_it_as_text(tmp_path: Path) -> None:
    app = PipedeskApp(hostile_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        assert app.screen.ticket.subject == TITLE  # kept as it is, shown as text
        assert_harmless(app)
        text = screen_text(app)
        assert "#7 Title ␛]2;PWNED␇" in text
        assert "Support Title ␛]2;PWNED␇ / New Title ␛]2;PWNED␇" in text
        await pilot.press("t")  # the timeline: "Created in Support Title ␛]2;…"
        await pilot.pause()
        assert_harmless(app)
        assert "Created in Support Title ␛]2;PWNED␇" in screen_text(app)
        await pilot.press("p", "e")  # the subject's editor
        await pilot.pause()
        assert_harmless(app)


@pytest.mark.anyio
async def test_a_subject_with_a_line_break_keeps_to_one_line_in_titles(tmp_path: Path) -> None:
    app = PipedeskApp(hostile_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "d")  # #5 "a\nb": delete asks about it
        await pilot.pause()
        assert "#5 a␤b" in screen_text(app)
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        assert screen_text(app).splitlines()[0].strip() == "#5 a␤b"
        assert "Subject        a␤b" in screen_text(app)  # its row, not "a …"
        assert_harmless(app)


@pytest.mark.anyio
async def test_names_that_look_like_markup_are_shown_as_they_are(tmp_path: Path) -> None:
    """A Select or a Static reads a str as markup: "[/]" alone would stop
    the app, "[bold]" would style it."""
    desk = open_desk(tmp_path, clock=fixed_clock(NOW))
    desk.create_property("tier", "choice", A, label="TIERLABEL", options=["Gold"])
    desk.add_action("0", "2", SendEmail(template="Ticket received"), A)
    desk.create_ticket(A, "0", "New", "Printer on fire")
    put_on_disk(tmp_path, {"TIERLABEL": "[/]Tier[bold]", "Ticket received": "[/]Received"})
    desk = open_desk(tmp_path, clock=fixed_clock(NOW))
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter", "G", "e")  # the detail, its last property: Tier
        await pilot.pause()
        await pilot.press("escape")  # the list of choices opens at once: close it
        await pilot.pause()
        text = screen_text(app)
        assert "Edit [/]Tier[bold]" in text and "“(no [/]tier[bold])” clears" in text
        await pilot.press("escape", "escape")
        await pilot.press("a")  # Automate: Waiting on contact's action, "Send email"
        await pilot.pause()
        assert "Send email: [/]Received" in screen_text(app)
        await pilot.press("j", "j", "j", "e")
        await pilot.pause()
        assert isinstance(app.screen, ActionDialog)
        assert "Template   [/]Received" in screen_text(app)


def test_every_text_textual_or_rich_draws_is_shown_through_the_rule() -> None:
    """tui/screen_text.py: installed once the screens are imported."""
    assert Content("Title \x1b]2;PWNED\x07").plain == "Title ␛]2;PWNED␇"
    assert rich.text.Text("\x9b31m \u202e").plain == "�31m �"
    assert Content("two\nlines\tand a tab").plain == "two\nlines\tand a tab"


# -- snapshots: look at them as pictures before accepting a change ------------


def test_snapshot_board_with_hostile_subjects(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(hostile_desk(tmp_path)), terminal_size=(80, 24))


def test_snapshot_detail_of_a_hostile_ticket(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(hostile_desk(tmp_path)), terminal_size=(80, 24),
                        press=["enter"])
