"""Contacts in the app (issue 11 item 9): the contact picker of the ticket
form and of the detail's editor, the contact dialog (add; edit the name and
marketing flag), and the contacts screen (`C` on the board; the command
palette that also reaches it is tested in test_tui_palette.py).

Everything is driven by keys alone, at 80x24 (C2, C3); pictures are in
snapshots/test_tui_contacts/.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static
from tui_fixtures import SCREENS_CSS

import core
from core import LOCAL_ADMIN, Desk
from core.clock import fixed_clock
from tui.app import PipedeskApp
from tui.screens.board import BoardScreen
from tui.screens.contact_dialog import ContactDialog
from tui.screens.contacts import ContactsScreen
from tui.screens.ticket_detail import TicketDetailScreen
from tui.screens.ticket_form import CreateTicketDialog
from tui.widgets.contact_picker import ContactPicker
from tui.widgets.flag_box import FlagBox

A = LOCAL_ADMIN
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SIZE = (80, 24)


def open_desk(path: Path) -> Desk:
    return core.open_desk(path / "desk", clock=fixed_clock(NOW))


def three_contacts(desk: Desk) -> None:
    desk.add_contact("ada@example.com", A, name="Ada Lovelace", marketing=True)
    desk.add_contact("hans@example.de", A, name="Hans Berg")
    desk.add_contact("kari@example.no", A, name="Kari Hansen")


class Host(App[None]):
    """Stands in for the board: pushes one screen and keeps what it
    dismissed with."""

    CSS_PATH = SCREENS_CSS

    # The app hides the palette's footer entry (palette.tcss), which this
    # host does not load.
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.pushed = screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("Support pipeline · the board would be here")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.push_screen(self.pushed, self.results.append)


def screen_text(app: App[Any]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def picker(app: App[Any]) -> ContactPicker:
    return app.screen.query_one(ContactPicker)


def offered(app: App[Any]) -> list[str]:
    """The lines of the picker's list, as shown; empty while it is closed."""
    found = picker(app)
    if not found.is_open:
        return []
    return [str(found.choices.get_option_at_index(n).prompt)
            for n in range(found.choices.option_count)]


def listed(app: App[Any]) -> list[list[str]]:
    """The contacts screen's rows: name, email, marketing, tickets."""
    screen = next(s for s in app.screen_stack if isinstance(s, ContactsScreen))
    table = screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(n)] for n in range(table.row_count)]


# -- a new user's first ticket, for a brand-new contact ------------------------------


@pytest.mark.anyio
async def test_a_ticket_for_a_brand_new_contact_entirely_from_the_keyboard(
        tmp_path: Path) -> None:
    """The defect: the form said "add the contact first", and only the
    command line could. Now: n, the subject, the contact's address, Enter on
    "Add contact …", the name, the marketing switch, Enter, Enter."""
    desk = open_desk(tmp_path)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"Printer on fire", "tab", *"kari@example.no")
        await pilot.pause()
        assert offered(app) == ["Add contact kari@example.no…"]
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ContactDialog)
        assert dialog.query_one("#contact-email", Input).value == "kari@example.no"
        assert dialog.focused is dialog.query_one("#contact-name")
        await pilot.press(*"Kari Hansen", "tab", "space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CreateTicketDialog)
        assert app.screen.query_one("#property-contact", Input).value == "kari@example.no"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert "#1 Printer on fire" in screen_text(app)
    [ticket] = desk.tickets(A)
    assert (ticket.subject, ticket.contact) == ("Printer on fire", "kari@example.no")
    kari = desk.contact("kari@example.no", A)
    assert (kari.name, kari.marketing) == ("Kari Hansen", True)


@pytest.mark.anyio
async def test_the_picker_finds_contacts_by_name_or_email(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"Invoice twice", "tab", *"hans")
        await pilot.pause()
        # Hans by his name and his address; Kari by "Hansen".
        assert offered(app) == ["Hans Berg <hans@example.de>",
                                "Kari Hansen <kari@example.no>", "Add contact hans…"]
        await pilot.press("down", "enter")
        await pilot.pause()
        assert offered(app) == []
        assert app.screen.query_one("#property-contact", Input).value == "kari@example.no"
        await pilot.press("ctrl+s")
        await pilot.pause()
    [ticket] = desk.tickets(A)
    assert ticket.contact == "kari@example.no"


@pytest.mark.anyio
async def test_down_on_an_empty_field_lists_every_contact_and_up_goes_back(
        tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", "down")
        await pilot.pause()
        assert offered(app) == ["Ada Lovelace <ada@example.com>", "Hans Berg <hans@example.de>",
                                "Kari Hansen <kari@example.no>", "Add a contact…"]
        await pilot.press("down", "down", "up", "enter")
        await pilot.pause()
        assert app.screen.query_one("#property-contact", Input).value == "hans@example.de"


@pytest.mark.anyio
async def test_an_exact_address_offers_no_add_entry(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", *"KARI@example.no")
        await pilot.pause()
        assert offered(app) == ["Kari Hansen <kari@example.no>"]


@pytest.mark.anyio
async def test_escape_closes_the_list_then_the_form(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"VPN down", "tab", *"ada")
        await pilot.pause()
        assert offered(app)
        assert "esc Close list" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert offered(app) == []
        assert isinstance(app.screen, CreateTicketDialog)
        assert app.screen.query_one("#property-contact", Input).value == "ada"
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    assert desk.tickets(A) == []


@pytest.mark.anyio
async def test_enter_with_the_list_closed_creates_and_the_desk_still_checks(
        tmp_path: Path) -> None:
    """The picker fills; the desk decides: what is no address is refused in
    the form, which stays open; a new address becomes a contact (T1)."""
    desk = open_desk(tmp_path)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"VPN down", "tab", *"nobody", "escape", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CreateTicketDialog)
        assert "No contact 'nobody'" in dialog.error_text
        assert desk.tickets(A) == []
        await pilot.press(*"@example.no", "escape", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, CreateTicketDialog)
    assert [t.contact for t in desk.tickets(A)] == ["nobody@example.no"]
    assert [c.email for c in desk.contacts(A)] == ["nobody@example.no"]


@pytest.mark.anyio
async def test_a_cancelled_contact_dialog_adds_nothing_and_keeps_the_form(
        tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    app = Host(CreateTicketDialog(desk, A, "0", "1"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"VPN down", "tab", *"Kari", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ContactDialog)
        # A name was typed, not an address: it starts the name.
        assert dialog.query_one("#contact-name", Input).value == "Kari"
        assert dialog.focused is dialog.query_one("#contact-email")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CreateTicketDialog)
        assert app.screen.query_one("#property-contact", Input).value == "Kari"
        assert app.screen.focused is app.screen.query_one("#property-contact")
    assert desk.contacts(A) == []


@pytest.mark.anyio
async def test_a_wrong_address_is_refused_in_the_contact_dialog(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    desk.add_contact("kari@example.no", A)
    app = Host(ContactDialog(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"kari.example.no", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ContactDialog)
        assert "'kari.example.no' is not an email address" in dialog.error_text
        await pilot.press("ctrl+u", *"KARI@example.no", "enter")
        await pilot.pause()
        assert "exists already" in dialog.error_text
        assert app.results == []
    assert [c.email for c in desk.contacts(A)] == ["kari@example.no"]


@pytest.mark.anyio
async def test_the_detail_s_contact_editor_picks_or_adds_a_contact(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    ticket = desk.create_ticket(A, "0", "New", "Printer", contact="ada@example.com")
    app = Host(TicketDetailScreen(desk, A, ticket.id))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"jjjjj", "e")  # Subject, Description, Priority, Owner, Team
        await pilot.pause()
        assert "Edit Contact" in screen_text(app)
        await pilot.press("ctrl+u", *"berg")
        await pilot.pause()
        assert offered(app) == ["Hans Berg <hans@example.de>", "Add contact berg…"]
        await pilot.press("enter")  # taking a contact saves it
        await pilot.pause()
        assert desk.ticket(ticket.id, A).contact == "hans@example.de"
        assert "Hans Berg <hans@example.de>" in screen_text(app)
        await pilot.press("e", "ctrl+u", *"ola@example.no", "enter")
        await pilot.pause()
        await pilot.press(*"Ola Nordmann", "enter")
        await pilot.pause()
        assert isinstance(app.screen, TicketDetailScreen)
        assert "Ola Nordmann <ola@example.no>" in screen_text(app)
    assert desk.ticket(ticket.id, A).contact == "ola@example.no"


# -- the contacts screen -------------------------------------------------------------


@pytest.mark.anyio
async def test_C_on_the_board_lists_contacts_with_their_tickets(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    for _ in range(2):
        desk.create_ticket(A, "0", "New", "Invoice", contact="kari@example.no")
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        assert listed(app) == [["Ada Lovelace", "ada@example.com", "yes", "0"],
                               ["Hans Berg", "hans@example.de", "no", "0"],
                               ["Kari Hansen", "kari@example.no", "no", "2"]]
        assert "Contacts · 3" in screen_text(app)
        footer = screen_text(app).splitlines()[-1]
        for key in ("n New", "e Edit", "/ Filter", "esc Back"):
            assert key in footer
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


@pytest.mark.anyio
async def test_edit_a_contact_s_name_on_the_contacts_screen(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = PipedeskApp(desk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("C", "j", "enter")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ContactDialog)
        text = screen_text(app)
        assert "Contact hans@example.de" in text and "The email stays" in text
        assert dialog.query(Input).first().id == "contact-name"  # no email field
        await pilot.press("ctrl+u", *"Hans Olav Berg", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        assert listed(app)[1] == ["Hans Olav Berg", "hans@example.de", "no", "0"]
        assert app.screen.highlighted == "hans@example.de"
        assert [n.message for n in app._notifications] == [
            "Hans Olav Berg <hans@example.de>: name 'Hans Berg' → 'Hans Olav Berg'."]
    hans = desk.contact("hans@example.de", A)
    assert (hans.name, hans.marketing) == ("Hans Olav Berg", False)


@pytest.mark.anyio
async def test_e_switches_the_marketing_flag(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(ContactsScreen(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e", "tab")
        await pilot.pause()
        assert isinstance(app.screen.focused, FlagBox)
        assert "[x] Marketing contact" in screen_text(app)
        await pilot.press("space")
        await pilot.pause()
        assert "[ ] Marketing contact" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert listed(app)[0] == ["Ada Lovelace", "ada@example.com", "no", "0"]
    assert desk.contact("ada@example.com", A).marketing is False


@pytest.mark.anyio
async def test_n_adds_a_contact_on_the_contacts_screen(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(ContactsScreen(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", *"bo@example.se", "tab", *"Bo Ek", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ContactsScreen)
        assert ["Bo Ek", "bo@example.se", "no", "0"] in listed(app)
        assert app.screen.highlighted == "bo@example.se"
    assert desk.contact("bo@example.se", A).name == "Bo Ek"


@pytest.mark.anyio
async def test_filter_as_you_type_then_escape_clears_then_goes_back(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    app = Host(ContactsScreen(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"berg")  # "g" is the field's, not "first row"
        await pilot.pause()
        assert [r[1] for r in listed(app)] == ["hans@example.de"]
        assert "filter “berg”: 1 shown" in screen_text(app)
        await pilot.press("ctrl+u", *"nobody")
        await pilot.pause()
        assert listed(app) == []
        assert "No contact fits the filter" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert len(listed(app)) == 3
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]


@pytest.mark.anyio
async def test_the_screen_follows_another_terminal(tmp_path: Path) -> None:
    desk = open_desk(tmp_path)
    three_contacts(desk)
    other = open_desk(tmp_path)
    app = Host(ContactsScreen(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        other.edit_contact("kari@example.no", A, name="Kari Nordmann")
        other.create_ticket(A, "0", "New", "Invoice", contact="kari@example.no")
        desk.refresh()
        await pilot.pause()
        assert listed(app)[2] == ["Kari Nordmann", "kari@example.no", "no", "1"]


@pytest.mark.anyio
async def test_an_empty_desk_says_how_to_add_one(tmp_path: Path) -> None:
    app = Host(ContactsScreen(open_desk(tmp_path), A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No contacts yet — press n to add one" in screen_text(app)
        await pilot.press("enter", "e")  # nothing to edit: nothing happens
        assert isinstance(app.screen, ContactsScreen)


@pytest.mark.anyio
async def test_shift_tab_back_into_a_filled_field_keeps_its_text(tmp_path: Path) -> None:
    """The next key adds to the field rather than replacing all of it."""
    desk = open_desk(tmp_path)
    app = Host(ContactDialog(desk, A))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"bo@example.se", "tab", *"Bo", "shift+tab", "x")
        await pilot.pause()
        assert app.screen.query_one("#contact-email", Input).value == "bo@example.sex"
        await pilot.press("tab", "y")
        assert app.screen.query_one("#contact-name", Input).value == "Boy"


# -- snapshots ---------------------------------------------------------------------------


def snapshot_desk(path: Path) -> Desk:
    desk = open_desk(path)
    three_contacts(desk)
    desk.add_contact("ingrid.berg-johansen@customer-support.example.org", A,
                     name="Ingrid Berg-Johansen", marketing=True)
    for n in range(3):
        desk.create_ticket(A, "0", "New", f"Invoice {n}", contact="kari@example.no")
    desk.create_ticket(A, "0", "New", "Printer", contact="ada@example.com")
    return desk


def test_snapshot_contacts_screen(tmp_path: Path, snap_compare: Any) -> None:
    async def down(pilot: Any) -> None:
        await pilot.press("j")

    assert snap_compare(Host(ContactsScreen(snapshot_desk(tmp_path), A)), run_before=down,
                        terminal_size=SIZE)


def test_snapshot_add_contact_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk = snapshot_desk(tmp_path)
    assert snap_compare(Host(ContactDialog(desk, A, typed="bo@example.se")),
                        press=[*"Bo Ek", "tab", "space"], terminal_size=SIZE)


def test_snapshot_edit_contact_dialog(tmp_path: Path, snap_compare: Any) -> None:
    desk = snapshot_desk(tmp_path)
    contact = desk.contact("kari@example.no", A)
    assert snap_compare(Host(ContactDialog(desk, A, contact)), terminal_size=SIZE)


def test_snapshot_ticket_form_with_the_picker_open(tmp_path: Path, snap_compare: Any) -> None:
    desk = snapshot_desk(tmp_path)
    assert snap_compare(Host(CreateTicketDialog(desk, A, "0", "1")),
                        press=[*"Invoice twice", "tab", *"han", "down"], terminal_size=SIZE)
