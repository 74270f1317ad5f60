"""The app while its server does not answer (issue 16 items 3–5;
docs/sync.md): the title line says "offline" and how many changes wait, a
card moved meanwhile shows at once marked "pending", and when the server
is back the changes go and the marks leave; a change the server then
refuses is on the Conflicts screen (`X`, or the palette) with its reason
and the ticket as it is now, to apply again (edited, maybe) or discard.
Pictures in snapshots/test_tui_sync/ (fixed clock, 80x24)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import ADMIN, MutableClock, stage_properties
from test_sync_offline import Site
from test_tui_board import board, screen_text

from core.remote.api import ServerApi
from core.remote.desk import RemoteDesk
from core.remote.status import Queued
from tui.app import PipedeskApp
from tui.screens.conflicts import ConflictsScreen
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.ticket_detail import TicketDetailScreen

SIZE = (80, 24)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site(tmp_path)
    made.start()
    yield made
    made.stop()


def client(site: Site) -> RemoteDesk:
    return RemoteDesk(ServerApi(site.base, site.token), clock=MutableClock(),
                      folder=site.folder)


async def until(pilot: Any, done: Any, what: str) -> None:
    deadline = time.monotonic() + 5
    while not done():
        assert time.monotonic() < deadline, what
        await pilot.pause(0.1)


def selected(app: PipedeskApp) -> str:
    ticket = board(app).columns[0].selected
    assert ticket is not None
    return ticket.id


def title_line(app: PipedeskApp) -> str:
    return screen_text(app).splitlines()[0]


@pytest.mark.anyio
async def test_offline_a_move_shows_pending_and_goes_when_the_server_is_back(
        site: Site) -> None:
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "offline" not in title_line(app)
        first = selected(app)
        site.stop()
        await pilot.press("greater_than_sign")  # New -> Waiting on contact
        await pilot.pause()
        await until(pilot, lambda: "offline · as of " in title_line(app), "no offline word")
        assert "· 1 waiting" in title_line(app)
        [moved] = board(app).columns[1].tickets
        assert moved.id == first
        [card] = [row for row in screen_text(app).splitlines() if "pending" in row]
        assert card.index("pending") > card.index("│")  # on the card in the second column
        assert site.desk.ticket(first, ADMIN).stage == "1"  # the server has not got it
        site.start()
        await until(pilot, lambda: "waiting" not in title_line(app), "the queue did not go")
        await until(pilot, lambda: "pending" not in screen_text(app), "the mark stayed")
        assert site.stage_of(first) == "Waiting on contact"


@pytest.mark.anyio
async def test_a_refused_change_is_on_the_conflicts_screen_and_can_be_discarded(
        site: Site) -> None:
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = selected(app)
        site.stop()
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: "1 waiting" in title_line(app), "not queued")
        site.desk.delete_ticket(first, ADMIN)  # meanwhile, on the server
        site.start()
        await until(pilot, lambda: "1 conflict (X)" in title_line(app), "no conflict said")
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ConflictsScreen)
        text = screen_text(app)
        assert f"Move #{first} to Waiting on" in text and f"No ticket #{first}" in text
        assert f"#{first} is not on the server" in text
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert "No conflicts" in screen_text(app) and desk.open_conflicts() == []
        await pilot.press("escape")
        await until(pilot, lambda: "conflict" not in title_line(app), "still said")


@pytest.mark.anyio
async def test_a_conflict_edited_and_applied_again_is_made(site: Site) -> None:
    """The stage came to require a priority while the move waited: `e`
    adds it to what the move sends, and it is made."""
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = selected(app)
        site.stop()
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: "1 waiting" in title_line(app), "not queued")
        stage_properties(site.desk, "2", ("priority", True))
        site.start()
        await until(pilot, lambda: "1 conflict" in title_line(app), "no conflict")
        await pilot.press("X")
        await pilot.pause()
        assert "requires Priority" in screen_text(app)
        await pilot.press("a")  # as it was: refused again, and said
        await pilot.pause()
        assert isinstance(app.screen, MessageDialog)
        await pilot.press("enter")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, LabelPrompt)
        await pilot.press("ctrl+a", "ctrl+k", *'{"stage": "Waiting on contact", '
                                               '"values": {"priority": "high"}}', "enter")
        await until(pilot, lambda: desk.open_conflicts() == [], "not applied")
        ticket = site.desk.ticket(first, ADMIN)
        assert (site.stage_of(first), ticket.priority) == ("Waiting on contact", "HIGH")


def test_snapshot_offline_board_with_a_pending_card(site: Site, snap_compare: Any) -> None:
    desk = client(site)

    async def go_offline_and_move(pilot: Any) -> None:
        await pilot.pause()
        site.stop()
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: "1 waiting" in title_line(pilot.app), "not queued")
        # Last heard from the server: fixed, as the clock is.
        desk.replica.heard = datetime(2026, 11, 23, 8, 55, tzinfo=UTC)
        await until(pilot, lambda: "as of 08:55" in title_line(pilot.app), "not as of then")
        pilot.app.clear_notifications()  # the toast names the server's port
        await pilot.pause()

    assert snap_compare(PipedeskApp(desk, desk.remote_actor), run_before=go_offline_and_move,
                        terminal_size=SIZE)


def test_snapshot_conflicts_screen(site: Site, snap_compare: Any) -> None:
    desk = client(site)

    async def conflict(pilot: Any) -> None:
        await pilot.pause()
        site.stop()
        await pilot.press("greater_than_sign")
        await until(pilot, lambda: "1 waiting" in title_line(pilot.app), "not queued")
        site.desk.delete_ticket("3", ADMIN)  # the first card, the one moved
        site.start()
        await until(pilot, lambda: "1 conflict" in title_line(pilot.app), "no conflict")
        await pilot.press("X")
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(PipedeskApp(desk, desk.remote_actor), run_before=conflict,
                        terminal_size=SIZE)


@pytest.mark.anyio
async def test_an_edit_of_a_field_changed_meanwhile_shows_on_the_conflicts_screen(
        site: Site) -> None:
    """Issue 16's done-when: a conflicting edit shows on the Conflicts screen."""
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        site.stop()
        with pytest.raises(Queued):
            desk.edit_ticket("2", {"subject": "Screen flickers on floor 2"}, desk.remote_actor)
        site.desk.edit_ticket("2", {"subject": "Screen flickers (all floors)"}, ADMIN)
        site.start()
        await until(pilot, lambda: "1 conflict (X)" in title_line(app), "no conflict said")
        await pilot.press("X")
        await pilot.pause()
        text = screen_text(app)
        assert "Set subject of #2" in text and "was changed since" in text
        assert "Now: #2 Screen flickers (all floors)" in text


@pytest.mark.anyio
async def test_a_ticket_opened_offline_shows_and_says_its_timeline_is_the_servers(
        site: Site) -> None:
    """Found in tmux: Enter on a card with the server away ended the app
    with a traceback (the timeline is fetched from the server)."""
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        site.stop()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        await pilot.press("t")  # the timeline's panel, at 80 columns
        await pilot.pause()
        text = screen_text(app)
        assert "VPN down" in text and "The timeline is kept on the server" in text


@pytest.mark.anyio
async def test_a_reply_written_offline_closes_its_dialog_and_waits(site: Site) -> None:
    """Found in tmux: the reply dialog stayed open saying ✗ for a reply that
    was queued, inviting a second send."""
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        site.stop()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*"On our way", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)  # the dialog closed
        assert [c.what for c in desk.queue.waiting()] == ["Reply on #3"]
        site.start()
        await until(pilot, lambda: desk.queue.waiting() == [], "the reply did not go")
        assert [i.text for i in site.desk.conversation("3", ADMIN)] == ["On our way"]


@pytest.mark.anyio
async def test_t1_a_ticket_created_offline_is_on_the_board_pending_until_the_server_has_it(
        site: Site) -> None:
    desk = client(site)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        site.stop()
        await pilot.press("n", *"Laptop will not boot", "enter")
        await pilot.pause()
        await until(pilot, lambda: "· 1 waiting" in title_line(app), "not queued")
        await until(pilot, lambda: "#4 Laptop will no" in screen_text(app), "no card")
        assert [r for r in screen_text(app).splitlines() if "pending" in r] == [
            " pending · 0 min   │                   │                   │                    "]
        site.start()
        await until(pilot, lambda: "waiting" not in title_line(app), "the queue did not go")
        await until(pilot, lambda: "pending" not in screen_text(app), "the mark stayed")
        assert "#4 Laptop will no" in screen_text(app)
    site.desk.refresh()
    assert site.desk.ticket("4", ADMIN).subject == "Laptop will not boot"
