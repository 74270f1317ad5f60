"""Ticket detail: properties said for people and edited through the desk,
the timeline (T7), live changes, keys only.

The screen runs inside a tiny host app at 80x24 (C3), as the board will push
it; snapshot tests keep pictures in snapshots/test_tui_detail/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import DataTable
from tui_fixtures import DetailHost

from core import LOCAL_ADMIN, Desk, open_desk
from core.clock import fixed_clock
from core.demo import AGENTS
from tui.screens.ticket_detail import TicketDetailScreen, precise_duration

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
CREATED = NOW - timedelta(hours=2, minutes=5)
A = LOCAL_ADMIN
CONTACT = "kari.hansen@example.no"
CREATED_ONLY = "Created in Support pipeline / New"


def desk_with_ticket(path: Path) -> tuple[Desk, str]:
    """A ticket with a contact, a priority and an owner, created at 06:55,
    then moved to Closed and edited at 09:00."""
    early = open_desk(path, clock=fixed_clock(CREATED))
    early.add_users(list(AGENTS), A)
    early.add_contact(CONTACT, A, name="Kari Hansen")
    ticket = early.create_ticket(A, "0", "New", "Invoice was charged twice", contact=CONTACT,
                                 values={"priority": "high", "owner": "ingrid",
                                         "content": "Hello,\nI was charged twice in May."})
    desk = open_desk(path, clock=fixed_clock(NOW))
    desk.move_ticket(ticket.id, "Closed", A)
    desk.edit_ticket(ticket.id, {"priority": "urgent"}, A)
    return desk, ticket.id


def plain_desk(path: Path) -> tuple[Desk, str]:
    desk = open_desk(path, clock=fixed_clock(NOW))
    return desk, desk.create_ticket(A, "0", "New", "Printer on fire").id


def screen_text(app: App[None]) -> str:
    """The terminal's text, what a user reads (the compositor is what
    screenshots are drawn from; Textual has no public call for it)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def detail(app: App[None]) -> TicketDetailScreen:
    assert isinstance(app.screen, TicketDetailScreen)
    return app.screen


def row_of(app: App[None], name: str) -> int:
    table = detail(app).properties_table
    return table.get_row_index(name)


async def go_to_row(pilot: Any, app: App[None], name: str) -> None:
    """Walk the cursor to a property's row with j, as a user would."""
    await pilot.press("g", *["j"] * row_of(app, name))
    table: DataTable[Any] = detail(app).properties_table
    assert table.cursor_row == row_of(app, name)


# -- what it shows -------------------------------------------------------------------


@pytest.mark.anyio
async def test_it_shows_the_ticket_its_properties_and_its_timeline(tmp_path: Path) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert f"#{ticket_id} Invoice was charged twice" in text
        assert "Support pipeline / Closed (Closed)" in text
        for prop in desk.properties(A):
            assert prop.label in text
        assert "Urgent" in text  # priority capitalised (T4)
        assert "Ingrid Berg" in text  # the owner's name, not the id
        assert f"Kari Hansen <{CONTACT}>" in text
        assert "Hello, …" in text  # a long text's first line
        assert "2026-11-23 06:55" in text  # create date
        assert "2026-11-23 09:00" in text  # close date, last activity
        assert text.count("2 h 5 min") == 2  # time to close and age
        assert "(set by pipedesk)" in text
        assert "(move on the board)" in text
        assert "No messages yet" not in text  # one panel at a time at 80 columns

        await pilot.press("t")
        text = screen_text(app)
        newest_first = ["Edited", "Priority: High → Urgent", "Moved", "Stage: New → Closed",
                        "Created in Support pipeline / New"]
        places = [text.index(words) for words in newest_first]
        assert places == sorted(places)
        assert "2026-11-23 09:00  Administrator  Moved" in text
        assert "Timeline · 3 entries" in text

        await pilot.press("c")
        assert "No messages yet." in screen_text(app)


@pytest.mark.anyio
async def test_wide_terminals_show_properties_beside_timeline_and_conversation(
        tmp_path: Path) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(120, 40)):
        text = screen_text(app)
        for words in ("Ingrid Berg", "Stage: New → Closed", "No messages yet.",
                      "Timeline · 3 entries", "Conversation"):
            assert words in text
        assert "p / t / c switch" not in text  # no tab line when all panels show


@pytest.mark.anyio
async def test_brackets_in_values_are_shown_as_typed(tmp_path: Path) -> None:
    """Subjects, names and options are text, never markup."""
    desk = open_desk(tmp_path, clock=fixed_clock(NOW))
    desk.add_contact(CONTACT, A, name="Kari [IT]")
    desk.create_property("plan", "choice", A, options=["[gold]", "basic"])
    ticket = desk.create_ticket(A, "0", "New", "[b]Login[/b] fails [red]", contact=CONTACT,
                                values={"plan": "[gold]"})
    app = DetailHost(desk, ticket.id)
    async with app.run_test(size=(80, 24)) as pilot:
        text = screen_text(app)
        assert "[b]Login[/b] fails [red]" in text
        assert f"Kari [IT] <{CONTACT}>" in text
        await pilot.press("G", "e")
        await pilot.pause()
        assert "[gold]" in screen_text(app)


def test_durations_are_said_to_the_minute() -> None:
    assert precise_duration(timedelta(minutes=45)) == "45 min"
    assert precise_duration(timedelta(hours=2, minutes=5)) == "2 h 5 min"
    assert precise_duration(timedelta(hours=2)) == "2 h"
    assert precise_duration(timedelta(days=3, hours=4, minutes=59)) == "3 d 4 h"
    assert precise_duration(timedelta(seconds=-5)) == "0 min"


# -- editing ---------------------------------------------------------------------------


@pytest.mark.anyio
async def test_editing_priority_by_keys_changes_the_ticket_and_the_timeline(
        tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to_row(pilot, app, "priority")
        await pilot.press("e")  # the choices open at once
        assert not isinstance(app.screen, TicketDetailScreen)
        # (no priority), Low, Medium, High: the cursor starts on the first line.
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).priority == "HIGH"
        assert isinstance(app.screen, TicketDetailScreen)  # the editor closed
        assert "High" in screen_text(app)
        last = desk.timeline(ticket_id, A)[-1]
        assert last.what == "Edited"
        assert last.changes == (("Priority", "(empty)", "High"),)
        await pilot.press("t")
        assert "Priority: (empty) → High" in screen_text(app)
        # Enter on the row edits, too; the blank line clears it.
        await pilot.press("p", "enter", "home", "enter")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).priority is None


@pytest.mark.anyio
async def test_a_typed_value_is_saved_through_the_desk(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to_row(pilot, app, "subject")
        await pilot.press("e")
        await pilot.press(*" is out", "enter")  # the field starts with the value
        await pilot.pause()
        assert desk.ticket(ticket_id, A).subject == "Printer on fire is out"
        assert f"#{ticket_id} Printer on fire is out" in screen_text(app)


@pytest.mark.anyio
async def test_a_wrong_value_shows_the_desks_message_and_changes_nothing(
        tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    desk.create_property("seats", "number", A)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("G")  # custom properties come last
        assert detail(app)._cursor_property() == "seats"
        await pilot.press("e", *"abc", "enter")
        await pilot.pause()
        assert "Seats takes a number; got 'abc'." in screen_text(app)
        assert not isinstance(app.screen, TicketDetailScreen)  # the editor stays open
        assert "seats" not in desk.ticket(ticket_id, A).props
        assert [i.what for i in desk.timeline(ticket_id, A)] == [CREATED_ONLY]
        # Put right, it saves.
        await pilot.press("backspace", "backspace", "backspace", *"12", "enter")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).props["seats"] == 12
        assert isinstance(app.screen, TicketDetailScreen)


@pytest.mark.anyio
async def test_escape_leaves_the_editor_without_a_change(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", *" and smoke", "escape")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        assert desk.ticket(ticket_id, A).subject == "Printer on fire"


@pytest.mark.anyio
async def test_long_text_saves_with_ctrl_s_or_the_save_button(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await go_to_row(pilot, app, "content")
        await pilot.press("e", *"Smoke", "enter", *"everywhere", "ctrl+s")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).content == "Smoke\neverywhere"
        # Without Ctrl+S: Tab to the Save button, Enter.
        await pilot.press("e", "down", "end", *".", "tab", "enter")
        await pilot.pause()
        assert desk.ticket(ticket_id, A).content == "Smoke\neverywhere."
        assert isinstance(app.screen, TicketDetailScreen)


@pytest.mark.anyio
async def test_read_only_rows_are_not_editable(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        # (row, the start of the reason shown; a toast wraps at 80 columns)
        for name, why in (("create_date", "Create date is set by pipedesk;"),
                          ("stage", "Stage changes when the ticket"),
                          ("age", "Age is set by pipedesk;")):
            await go_to_row(pilot, app, name)
            await pilot.press("e")
            await pilot.pause()
            assert isinstance(app.screen, TicketDetailScreen)  # no editor
            assert why in screen_text(app)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, TicketDetailScreen)
        assert [i.what for i in desk.timeline(ticket_id, A)] == [CREATED_ONLY]


# -- following the desk -------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_change_made_through_another_desk_shows_after_refresh(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        other = open_desk(tmp_path, clock=fixed_clock(NOW + timedelta(minutes=30)))
        other.move_ticket(ticket_id, "Waiting on us", A)
        other.edit_ticket(ticket_id, {"priority": "low"}, A)
        assert "Waiting on us" not in screen_text(app)
        desk.refresh()
        await pilot.pause()
        text = screen_text(app)
        assert "Support pipeline / Waiting on us (Open)" in text
        assert "Low" in text
        await pilot.press("t")
        text = screen_text(app)
        assert "2026-11-23 09:30  Administrator  Moved" in text
        assert "Stage: New → Waiting on us" in text
        assert "Timeline (3)" in text


@pytest.mark.anyio
async def test_a_ticket_deleted_elsewhere_says_so_and_goes_back(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("e")  # even with the editor open
        open_desk(tmp_path, clock=fixed_clock(NOW)).delete_ticket(ticket_id, A)
        desk.refresh()
        await pilot.pause()
        assert not isinstance(app.screen, TicketDetailScreen)
        assert len(app.screen_stack) == 1
        assert f"Ticket #{ticket_id} was deleted" in screen_text(app)


@pytest.mark.anyio
async def test_a_closed_detail_hears_nothing_more_and_an_open_one_does(tmp_path: Path) -> None:
    """The screens follow the app's signal, and a screen's following ends
    with it: the ticket left with q says nothing when it is deleted later,
    the one still open says it was deleted and goes back."""
    desk, left = plain_desk(tmp_path)
    still_open = desk.create_ticket(A, "0", "New", "Scanner jammed").id
    app = DetailHost(desk, left)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        gone = detail(app)
        await pilot.press("q")
        await pilot.pause()
        assert not gone.is_attached
        app.push_screen(TicketDetailScreen(desk, A, still_open))
        await pilot.pause()
        other = open_desk(tmp_path, clock=fixed_clock(NOW))
        other.delete_ticket(left, A)
        other.delete_ticket(still_open, A)
        desk.refresh()
        await pilot.pause()
        assert app.is_running
        assert len(app.screen_stack) == 1
        said = [n.message for n in app._notifications]
        assert said == [f"Ticket #{still_open} was deleted (by {A})."]
        assert f"Ticket #{still_open} was deleted" in screen_text(app)
        assert f"Ticket #{left} was deleted" not in screen_text(app)


# -- keys ----------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_escape_goes_back(tmp_path: Path) -> None:
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == 1


@pytest.mark.anyio
async def test_c2_the_footer_shows_the_detail_s_keys(tmp_path: Path) -> None:
    """(That every binding has an id, for a keymap: test_tui_keymap.py.)"""
    desk, ticket_id = plain_desk(tmp_path)
    app = DetailHost(desk, ticket_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for words in ("e Edit", "t Timeline", "esc Back"):
            assert words in footer
        await pilot.press("e")
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        assert "Save" in footer and "Cancel" in footer


# -- snapshots: look at them as pictures before accepting a change --------------------------


def test_snapshot_detail_80x24(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    assert snap_compare(DetailHost(desk, ticket_id), terminal_size=(80, 24))


def test_snapshot_detail_timeline_80x24(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    assert snap_compare(DetailHost(desk, ticket_id), terminal_size=(80, 24), press=["t"])


def test_snapshot_detail_editor_refusal_80x24(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    desk.create_property("seats", "number", A)
    assert snap_compare(DetailHost(desk, ticket_id), terminal_size=(80, 24),
                        press=["G", "e", *"abc", "enter"])


def test_snapshot_detail_120x40(tmp_path: Path, snap_compare: Any) -> None:
    desk, ticket_id = desk_with_ticket(tmp_path)
    assert snap_compare(DetailHost(desk, ticket_id), terminal_size=(120, 40))
