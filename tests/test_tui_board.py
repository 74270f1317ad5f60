"""The board: columns, cards, the cursor, moves, the filter, live changes.

Pilot tests drive the app at 80x24 (C3) on a desk in a temporary dir with a
fixed clock; snapshot tests keep pictures in snapshots/test_tui_board/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from text_fixtures import put_on_disk

import core
from core import LOCAL_ADMIN, Desk, TicketDraft
from core.clock import fixed_clock
from core.demo import add_demo_tickets
from tui.app import FOLLOW_INTERVAL, PipedeskApp, opening_news
from tui.board_index import board_order
from tui.screens.board import EMPTY_DESK_HINT, BoardScreen

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
STAGES = ["New", "Waiting on contact", "Waiting on us", "Closed"]
A = LOCAL_ADMIN


def open_desk(path: Path) -> Desk:
    return core.open_desk(path, clock=fixed_clock(NOW))


def demo_desk(path: Path, count: int = 300) -> Desk:
    desk = open_desk(path)
    add_demo_tickets(desk, A, count, seed=1)
    return desk


def screen_text(app: PipedeskApp) -> str:
    """The terminal's text, what a user reads (Textual has no public call for
    it; the compositor is what screenshots are drawn from)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def board(app: PipedeskApp) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def cursor(app: PipedeskApp) -> tuple[str, str | None]:
    """(stage label, ticket id) under the cursor."""
    screen = board(app)
    column = screen.columns[screen.column]
    return column.stage.label, column.selected.id if column.selected else None


@pytest.mark.anyio
async def test_a_new_desk_opens_on_support_pipeline_and_says_what_to_do(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)):
        text = screen_text(app)
        assert "Support pipeline · 0 tickets" in text
        assert EMPTY_DESK_HINT in text
        for label in STAGES:
            assert label in text
        assert "Open · 0" in text and "Closed · 0" in text


@pytest.mark.anyio
async def test_the_first_start_says_it_made_a_new_desk_and_where(tmp_path: Path) -> None:
    """C4 and issue 11: the app makes a desk where there was none, and says
    so (a mistyped --data-dir shows at once); on the next start it does not."""
    made = open_desk(tmp_path / "desk")
    app = PipedeskApp(made, news=opening_news(made))
    # Textual's test harness leaves toasts out unless asked.
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await pilot.pause()
        # The toast at the right; a long path wraps across its lines.
        toast = "".join(line.partition("▌")[2] for line in screen_text(app).splitlines())
        said = f"pipedesk Created a new desk in {tmp_path / 'desk'}."
        assert "".join(said.split()) in "".join(toast.split())
    again = open_desk(tmp_path / "desk")
    assert opening_news(again) == []


@pytest.mark.anyio
async def test_what_loading_found_odd_is_told_when_the_app_opens(tmp_path: Path) -> None:
    """The command line prints the desk's load warnings on stderr; the app,
    which covers the terminal, shows them as toasts."""
    desk = open_desk(tmp_path / "desk")
    desk.create_property("region", "text", A)
    settings = tmp_path / "desk" / "desk.toml"
    settings.write_text(settings.read_text() + '\n[[properties]]\nname = "area"\n'
                        'label = "Region"\ntype = "text"\n')
    again = open_desk(tmp_path / "desk")
    [(said, severity)] = opening_news(again)
    assert severity == "warning" and "are both labelled 'Region'" in said
    app = PipedeskApp(again, news=opening_news(again))
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await pilot.pause()
        toast = "".join(line.partition("▌")[2] for line in screen_text(app).splitlines())
        assert "arebothlabelled'Region'" in "".join(toast.split())


@pytest.mark.anyio
async def test_a_column_counts_its_tickets_as_the_title_does(tmp_path: Path) -> None:
    """Issue 11: the title said "1,200 tickets" and the column "1200"."""
    desk = open_desk(tmp_path)
    desk.create_tickets([TicketDraft("0", "New", f"Ticket {n}") for n in range(1_200)], A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Support pipeline · 1,200 tickets" in text
        assert "Open · 1,200" in text  # ids stay #1200: an id is not a count


@pytest.mark.anyio
async def test_columns_hold_the_stages_tickets_newest_first(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)):
        columns = board(app).columns
        assert [c.stage.label for c in columns] == STAGES
        counts = desk.stage_counts("0", A)
        for column in columns:
            expected = sorted(desk.tickets(A, stage=column.stage.id), key=board_order,
                              reverse=True)
            assert [t.id for t in column.tickets] == [t.id for t in expected]
            assert len(column.tickets) == counts[column.stage.id]
        text = screen_text(app)
        first = columns[0].tickets[0]
        assert f"#{first.id} " in text
        assert f"Open · {counts['1']}" in text
        assert f"↓ {counts['1'] - columns[0].cards_in_view} more" in text


@pytest.mark.anyio
async def test_arrows_and_hjkl_move_the_cursor(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 60)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        columns = board(app).columns
        assert cursor(app) == ("New", columns[0].tickets[0].id)
        await pilot.press("j", "down")
        assert cursor(app) == ("New", columns[0].tickets[2].id)
        await pilot.press("k")
        assert cursor(app) == ("New", columns[0].tickets[1].id)
        await pilot.press("l")
        assert cursor(app)[0] == "Waiting on contact"
        await pilot.press("right", "right", "right")  # stops at the last column
        assert cursor(app)[0] == "Closed"
        await pilot.press("h", "left")
        assert cursor(app)[0] == "Waiting on contact"
        await pilot.press("G")
        assert cursor(app)[1] == columns[1].tickets[-1].id
        await pilot.press("g")
        assert cursor(app)[1] == columns[1].tickets[0].id


@pytest.mark.anyio
async def test_the_cursor_scrolls_a_long_column(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 300)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        column = board(app).columns[0]
        room = column.cards_in_view
        await pilot.press(*["j"] * (room + 2))
        assert column.cursor == room + 2
        assert column.top == 3  # the cursor's card is the last one in view
        assert f"#{column.tickets[room + 2].id} " in screen_text(app)
        await pilot.press("pagedown")
        assert column.cursor == 2 * room + 2


@pytest.mark.anyio
async def test_greater_and_less_move_the_ticket_one_stage(tmp_path: Path) -> None:
    """T2 by keys; the cursor goes with the ticket."""
    desk = demo_desk(tmp_path, 40)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        _, ticket_id = cursor(app)
        assert ticket_id is not None
        await pilot.press("greater_than_sign")
        assert desk.ticket(ticket_id, A).stage == "2"
        assert cursor(app) == ("Waiting on contact", ticket_id)
        await pilot.press("greater_than_sign", "greater_than_sign")
        assert desk.ticket(ticket_id, A).stage == "4"
        assert desk.ticket(ticket_id, A).close_date == NOW  # T3
        await pilot.press("greater_than_sign")  # no stage to the right: nothing happens
        assert desk.ticket(ticket_id, A).stage == "4"
        await pilot.press("less_than_sign")
        assert cursor(app) == ("Waiting on us", ticket_id)
        assert desk.ticket(ticket_id, A).close_date is None
        counts = desk.stage_counts("0", A)
        assert f"Open · {counts['3']}" in screen_text(app)


@pytest.mark.anyio
async def test_a_change_from_another_process_shows_and_the_cursor_stays(tmp_path: Path) -> None:
    """Live: another terminal's move shows within a second, no key pressed."""
    desk = demo_desk(tmp_path, 40)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j")
        here = cursor(app)
        columns = board(app).columns
        other = open_desk(tmp_path)
        moved = columns[0].tickets[0].id  # above the cursor in the same column
        other.move_ticket(moved, "Closed", A)
        created = other.create_ticket(A, "0", "Closed", "Made in another terminal")
        await pilot.pause(FOLLOW_INTERVAL + 0.5)
        assert cursor(app) == here
        assert moved not in [t.id for t in columns[0].tickets]
        assert [t.id for t in columns[3].tickets][:1] == [created.id]
        assert f"#{created.id} Made in" in screen_text(app)


@pytest.mark.anyio
async def test_one_cannot_read_notice_at_a_time_gone_once_the_desk_reads(
        tmp_path: Path) -> None:
    """A desk.toml broken by hand: r says so again in place of the last
    notice, not on top of it; fixed, the next read takes the notice away at
    once, and the board shows what changed meanwhile."""
    desk = demo_desk(tmp_path, 20)
    settings = tmp_path / "desk.toml"
    good = settings.read_text()
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        settings.write_text(good + "\n[[pipelines]\n")  # a hand edit gone wrong
        await pilot.pause(FOLLOW_INTERVAL + 0.3)
        assert screen_text(app).count("Cannot read the desk") == 1
        await pilot.press("r")
        await pilot.press("r")
        await pilot.pause()
        assert screen_text(app).count("Cannot read the desk") == 1
        settings.write_text(good)
        made = open_desk(tmp_path).create_ticket(A, "0", "New", "Made meanwhile")
        await pilot.press("r")
        await pilot.pause()
        text = screen_text(app)
        assert "Cannot read the desk" not in text
        assert f"#{made.id} Made meanwhile" in text


@pytest.mark.anyio
async def test_a_stage_added_elsewhere_gets_a_column(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        open_desk(tmp_path).add_stage("0", "Escalated", "open", A)
        await pilot.pause(FOLLOW_INTERVAL + 0.5)
        assert [c.stage.label for c in board(app).columns] == [*STAGES, "Escalated"]


@pytest.mark.anyio
async def test_slash_filters_as_you_type_and_escape_clears(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 200)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"vpn")
        shown = [t for c in board(app).columns for t in c.tickets]
        expected = [t for t in desk.tickets(A) if "vpn" in t.subject.casefold()]
        assert sorted(t.id for t in shown) == sorted(t.id for t in expected)
        assert expected and f"filter “vpn”: {len(expected)} shown" in screen_text(app)
        await pilot.press("enter", "j")  # Enter keeps the filter, keys go to the board
        assert len([t for c in board(app).columns for t in c.tickets]) == len(expected)
        await pilot.press("escape")
        assert sum(len(c.tickets) for c in board(app).columns) == 200
        # By id and by contact, too.
        target = desk.tickets(A)[7]
        await pilot.press("slash", *f"#{target.id} ")
        assert [t.id for c in board(app).columns for t in c.tickets] == [target.id]


@pytest.mark.anyio
async def test_it_reopens_on_the_last_pipeline_used(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    sales = desk.create_pipeline("Sales", A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        board(app).show_pipeline(sales.id)
        await pilot.pause()
        assert "Sales · 0 tickets" in screen_text(app)
    again = PipedeskApp(open_desk(tmp_path))
    async with again.run_test(size=(80, 24)):
        assert board(again).pipeline.id == sales.id


@pytest.mark.anyio
async def test_reopening_the_same_board_writes_nothing(tmp_path: Path) -> None:
    """The board remembered is the board opened: the file that remembers it
    is not written again (its syncs would delay the first board)."""
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
    [remembered] = tmp_path.glob(".last-board-*.json")
    written = remembered.stat()
    again = PipedeskApp(open_desk(tmp_path))
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert board(again).pipeline.id == "0"
    now = remembered.stat()
    assert (now.st_ino, now.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)


@pytest.mark.anyio
async def test_q_quits(tmp_path: Path) -> None:
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@pytest.mark.anyio
async def test_c2_the_footer_shows_the_board_s_keys(tmp_path: Path) -> None:
    """(That every binding has an id, for a keymap: test_tui_keymap.py.)"""
    app = PipedeskApp(demo_desk(tmp_path, 10))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_text(app).splitlines()[-1]
        for key in ("New", "Move", "Filter", "Keys"):
            assert key in footer


@pytest.mark.anyio
async def test_crowded_pipelines_scroll_sideways_with_the_cursor(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    for label in ("Escalated", "Billing", "On hold"):
        desk.add_stage("0", label, "open", A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        columns = board(app).columns
        assert {c.outer_size.width for c in columns} == {20}
        await pilot.press(*["l"] * 6)
        await pilot.pause()
        assert "On hold" in screen_text(app)


@pytest.mark.anyio
async def test_a_subject_with_line_breaks_takes_one_row(tmp_path: Path) -> None:
    """Refused on input now (core/text.py), but a desk from before may hold one."""
    open_desk(tmp_path).create_ticket(A, "0", "New", "SUBJECT")
    put_on_disk(tmp_path, {"SUBJECT": "Printer\non  fire"})
    app = PipedeskApp(open_desk(tmp_path))
    async with app.run_test(size=(80, 24)):
        assert "#1 Printer␤on  fi" in screen_text(app)  # one row, cut to the column


# -- snapshots: look at them as pictures before accepting a change ------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_snapshot_board(tmp_path: Path, snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(PipedeskApp(demo_desk(tmp_path)), terminal_size=size)


def test_snapshot_empty_desk(tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(PipedeskApp(open_desk(tmp_path)), terminal_size=(80, 24))


# -- the board's dialogs: create, move, delete, open, pipelines ---------------


@pytest.mark.anyio
async def test_n_creates_a_ticket_in_the_cursor_s_column(tmp_path: Path) -> None:
    """T1 from the board; the cursor lands on the new ticket."""
    desk = open_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l", "n")
        await pilot.pause()
        await pilot.press(*"Printer on fire", "enter")
        await pilot.pause()
        [ticket] = desk.tickets(A)
        assert (ticket.subject, ticket.stage) == ("Printer on fire", "2")
        assert cursor(app) == ("Waiting on contact", ticket.id)


@pytest.mark.anyio
async def test_a_required_stage_property_keeps_the_create_form_open(tmp_path: Path) -> None:
    """S7: nothing is created until the required property has a value."""
    desk = open_desk(tmp_path)
    desk.create_property("resolution", "text", A)
    desk.set_stage_property("4", "resolution", A, required=True)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l", "l", "l", "n")
        await pilot.pause()
        await pilot.press(*"Solved on the phone", "enter")
        await pilot.pause()
        assert desk.tickets(A) == []
        assert "requires Resolution" in screen_text(app)


@pytest.mark.anyio
async def test_m_moves_the_ticket_to_a_picked_stage(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 20)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        _, ticket_id = cursor(app)
        assert ticket_id is not None
        await pilot.press("m")
        await pilot.pause()
        assert "Waiting on us" in screen_text(app)
        await pilot.press("down", "enter")  # the next stage after the preselected one
        await pilot.pause()
        assert desk.ticket(ticket_id, A).stage == "3"
        assert cursor(app) == ("Waiting on us", ticket_id)


@pytest.mark.anyio
async def test_d_deletes_only_after_confirmation(tmp_path: Path) -> None:
    """T5"""
    desk = demo_desk(tmp_path, 5)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        _, ticket_id = cursor(app)
        assert ticket_id is not None
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert desk.ticket(ticket_id, A)
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert ticket_id not in desk.state.tickets
        assert f"#{ticket_id} " not in screen_text(app)


@pytest.mark.anyio
async def test_enter_opens_the_ticket_and_escape_comes_back(tmp_path: Path) -> None:
    desk = demo_desk(tmp_path, 5)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        _, ticket_id = cursor(app)
        await pilot.press("enter")
        await pilot.pause()
        assert f"#{ticket_id} {desk.ticket(str(ticket_id), A).subject}" in screen_text(app)
        assert "Timeline" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


@pytest.mark.anyio
async def test_p_lists_pipelines_and_enter_opens_one(tmp_path: Path) -> None:
    """Pipeline selection: order, counts, open."""
    desk = demo_desk(tmp_path, 30)
    desk.create_pipeline("Sales", A)
    app = PipedeskApp(desk)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        text = screen_text(app)
        closed = desk.stage_counts("0", A)["4"]
        assert "Support pipeline" in text and "Sales" in text
        assert f"{30 - closed}" in text and f"{closed}" in text
        await pilot.press("j", "enter")
        await pilot.pause()
        assert board(app).pipeline.label == "Sales"
        assert "Sales · 0 tickets" in screen_text(app)






def test_snapshot_filtered_board(tmp_path: Path, snap_compare: Any) -> None:
    async def filter_vpn(pilot: Any) -> None:
        await pilot.press("slash", *"vpn")

    assert snap_compare(PipedeskApp(demo_desk(tmp_path)), run_before=filter_vpn,
                        terminal_size=(80, 24))
