"""The app on a team's server (issue 16 items 2–3; docs/sync.md): the
board is drawn from the replica of what the token's user sees, a move
made with the board's keys is made on the server, and another agent's
move shows on the board without a key pressed. The server is pipedesk
under uvicorn; "another agent" is a second client of it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from core_fixtures import ADMIN, add_agent
from server_fixtures import served
from test_tui_board import board, screen_text

from core import Desk
from core.remote.api import ServerApi
from core.remote.desk import RemoteDesk
from core.store import MemoryStore
from tui.app import PipedeskApp

SIZE = (80, 24)


@dataclass
class Site:
    base: str
    desk: Desk  # the server's desk, through another process on its store
    ingrid: str  # tokens
    sven: str
    admin: str


@pytest.fixture
def site() -> Iterator[Site]:
    store = MemoryStore()
    desk = Desk(store)
    add_agent(desk)
    add_agent(desk, "sven", "Sven Lund")
    desk.create_ticket(ADMIN, "0", "New", "Printer on fire")
    desk.create_ticket(ADMIN, "0", "New", "Screen flickers")
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.set_pipeline_access(billing.id, ADMIN, view=[], edit=[])  # administrators only
    desk.create_ticket(ADMIN, billing.id, "New", "Invoice wrong")
    _, ingrid = desk.create_token("ingrid", ADMIN, "laptop")
    _, sven = desk.create_token("sven", ADMIN, "laptop")
    _, admin = desk.create_token(ADMIN.id, ADMIN, "laptop")
    with served(desk) as base:
        yield Site(base, Desk(store), ingrid, sven, admin)


def remote(site: Site, token: str) -> RemoteDesk:
    return RemoteDesk(ServerApi(site.base, token))


def stage_label(site: Site, ticket_id: str) -> str:
    site.desk.refresh()
    return site.desk.stage(site.desk.ticket(ticket_id, ADMIN).stage, ADMIN)[1].label


@pytest.mark.anyio
async def test_the_board_is_the_servers_as_the_user_sees_it(site: Site) -> None:
    desk = remote(site, site.ingrid)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Support pipeline · 2 tickets" in text and "Ingrid Berg" in text
        assert "#1 Printer on fire" in text and "Invoice" not in text  # P6


@pytest.mark.anyio
async def test_a_move_with_the_boards_keys_is_made_on_the_server(site: Site) -> None:
    desk = remote(site, site.ingrid)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        selected = board(app).columns[0].selected
        assert selected is not None
        await pilot.press("greater_than_sign")
        await pilot.pause()
        assert stage_label(site, selected.id) == "Waiting on contact"
        assert [t.id for t in board(app).columns[1].tickets] == [selected.id]


@pytest.mark.anyio
async def test_another_agents_move_shows_without_a_key(site: Site) -> None:
    desk = remote(site, site.ingrid)
    other = remote(site, site.sven)  # Sven, at another terminal
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        closed = board(app).columns[3]
        assert closed.stage.label == "Closed" and closed.tickets == []
        other.move_ticket("2", "Closed", other.remote_actor)
        deadline = time.monotonic() + 5
        while [t.id for t in closed.tickets] != ["2"]:
            assert time.monotonic() < deadline, "the move did not reach the board"
            await pilot.pause(0.1)
        await pilot.pause()
        [line] = [row for row in screen_text(app).splitlines() if "#2 " in row]
        assert line.index("#2 ") > line.rindex("│")  # in the last column, Closed


@pytest.mark.anyio
async def test_u3_rights_taken_on_the_server_take_the_tickets_off_the_board(
        site: Site) -> None:
    desk = remote(site, site.ingrid)
    app = PipedeskApp(desk, desk.remote_actor)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "#1 Printer on fire" in screen_text(app)
        site.desk.set_pipeline_access("0", ADMIN, view=[], edit=[])  # administrators only
        deadline = time.monotonic() + 5
        while "Printer on fire" in screen_text(app):
            assert time.monotonic() < deadline, "the tickets stayed"
            await pilot.pause(0.1)
        assert desk.state.tickets == {}  # not kept on this host either
        assert "You may view no pipeline" in screen_text(app)


# -- the settings screens on a server (every change is the server's) ----------------


@pytest.mark.anyio
async def test_p7_card_properties_chosen_on_a_server_are_the_servers(site: Site) -> None:
    from test_tui_card_properties import settle
    from test_tui_contacts import Host

    from tui.screens.card_properties import CardPropertiesDialog

    desk = remote(site, site.admin)
    app = Host(CardPropertiesDialog(desk, desk.remote_actor, "0"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("down", "d")  # Priority goes
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
    assert app.results == [True]
    site.desk.refresh()
    assert site.desk.pipeline("0", ADMIN).card_properties == ["subject", "owner", "age"]


@pytest.mark.anyio
async def test_an_agent_adds_a_contact_on_the_contacts_screen_of_a_server(site: Site) -> None:
    from test_tui_contacts import Host, listed

    from tui.screens.contacts import ContactsScreen

    desk = remote(site, site.ingrid)
    app = Host(ContactsScreen(desk, desk.remote_actor))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"bo@example.se", "tab", *"Bo Ek", "enter")
        await pilot.pause()
        assert ["Bo Ek", "bo@example.se", "no", "0"] in listed(app)
    site.desk.refresh()
    assert site.desk.contact("bo@example.se", ADMIN).name == "Bo Ek"
