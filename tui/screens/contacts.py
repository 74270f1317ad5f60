"""Contacts (key `C` on the board, or "Contacts" in the command palette):
every contact with their name, email, marketing flag and how many tickets
name them; filter as you type, add, and edit the name and marketing flag.

The email is the contact's identity (tickets name their contact by it), so
it is typed once, when the contact is added, and never edited. Everything
goes through `Desk` (add_contact, edit_contact), so a refusal reads here as
on the command line, and the screen follows the desk: a contact added or a
ticket created in another terminal shows at once.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Static

from core import Actor, Desk, DeskError
from core.events import (
    ContactAdded,
    ContactChanged,
    Entry,
    Notice,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.present import count, say_contact_change
from core.records import Contact
from tui.screens.contact_dialog import ContactDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("Name", "Email", "Marketing", "Tickets")
NO_CONTACTS = "No contacts yet — press n to add one"
NONE_FIT = "No contact fits the filter — Escape clears it"


def touches_contacts(entry: Entry) -> bool:
    """Does `entry` change what the contacts screen shows: a contact, or
    how many tickets name one?"""
    event = entry.event
    if isinstance(event, ContactAdded | ContactChanged | TicketCreated | TicketDeleted):
        return True
    return isinstance(event, TicketChanged) and "contact" in event.changes


class ContactsScreen(TableScreen[None]):
    """`ContactsScreen(desk, actor)`; Escape clears the filter, then goes back."""

    AUTO_FOCUS = "#contacts-table"
    BINDINGS = [
        Binding("n", "add", "New", id="contacts.add"),
        Binding("e", "edit", "Edit", id="contacts.edit"),
        Binding("slash", "filter", "Filter", id="contacts.filter"),
        Binding("escape", "back", "Back", id="contacts.back"),
        *cursor_bindings("contacts"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.filter = ""

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="contacts-title")
        # The keys the footer has no room for; one line at 80 columns.
        yield Static(Content("j k ↑ ↓ choose · Enter edits · g G first/last · "
                             "/ finds a name or email"), id="contacts-hint")
        yield Input(placeholder="Filter: name or email — Enter keeps it, Escape clears",
                    id="contacts-filter", compact=True, select_on_focus=False)
        yield Static(id="contacts-empty")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="contacts-table",
                              classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_contacts()

    def _on_notice(self, notice: Notice) -> None:
        if not self.is_mounted:
            return
        # Settings may change who sees which tickets (and so the counts).
        if notice.settings or any(touches_contacts(e) for e in notice.entries):
            self.show_contacts(select=self.highlighted)

    @property
    def filter_field(self) -> Input:
        return self.query_one("#contacts-filter", Input)

    def contacts(self) -> list[Contact]:
        if self.filter:
            return self.desk.find_contacts(self.filter, self.actor)
        return self.desk.contacts(self.actor)

    def show_contacts(self, select: str | None = None) -> None:
        contacts = self.contacts()
        counts = self.desk.tickets_per_contact(self.actor)
        rows = [[c.name, c.email, "yes" if c.marketing else "no",
                 count(counts.get(c.email.casefold(), 0))] for c in contacts]
        self.fill(HEADERS, [(c.email, row) for c, row in zip(contacts, rows, strict=True)],
                  self._widths(rows), select)
        self._update_texts(len(contacts))

    def _update_texts(self, shown: int) -> None:
        total = len(self.desk.state.contacts)
        title = f"Contacts · {count(total)}"
        if self.filter:
            title += f" · filter “{self.filter}”: {count(shown)} shown"
        self.query_one("#contacts-title", Static).update(Content(title))
        empty = self.query_one("#contacts-empty", Static)
        empty.update(Content("" if shown else NONE_FIT if self.filter else NO_CONTACTS))
        empty.display = not shown

    def _widths(self, rows: list[list[str]]) -> list[int]:
        """As wide as needed; when the names and emails do not fit side by
        side, they share the room (the email keeps up to 3/5 of it), so the
        table never scrolls sideways at 80 columns."""
        needed = [max([len(h), *(len(r[n]) for r in rows)]) for n, h in enumerate(HEADERS)]
        # Each column's cell padding, and the scrollbar.
        room = self.app.size.width - 2 * len(HEADERS) - 2
        name, email, marketing, tickets = needed
        rest = max(24, room - marketing - tickets)
        if name + email > rest:
            email = max(12, min(email, rest * 3 // 5))
            name = max(12, min(name, rest - email))
            email = max(12, min(needed[1], rest - name))
        return [name, email, marketing, tickets]

    def _current(self) -> Contact | None:
        email = self.highlighted
        if email is None:
            return None
        try:
            return self.desk.contact(email, self.actor)
        except DeskError:
            return None

    # -- keys ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # g, G, Home and End are priority keys (the table would keep Home
        # and End): while the filter is typed in, they are the field's.
        return not (action == "cursor" and self.filter_field.has_focus)

    def action_back(self) -> None:
        if self.filter or self.filter_field.has_class("-shown"):
            self._clear_filter()
            return
        self.dismiss(None)

    def action_filter(self) -> None:
        field = self.filter_field
        field.add_class("-shown")
        field.focus()

    def _clear_filter(self) -> None:
        field = self.filter_field
        field.value = ""
        field.remove_class("-shown")
        self.filter = ""
        self.show_contacts(select=self.highlighted)
        self.table.focus()

    @on(Input.Changed, "#contacts-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter = event.value.strip()
        self.show_contacts()

    @on(Input.Submitted, "#contacts-filter")
    def _filter_kept(self, event: Input.Submitted) -> None:
        event.stop()
        if not event.value.strip():
            event.input.remove_class("-shown")
        self.table.focus()

    @on(DataTable.RowSelected, "#contacts-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_add(self) -> None:
        def added(email: str | None) -> None:
            if email is not None:
                self.show_contacts(select=email)

        self.app.push_screen(ContactDialog(self.desk, self.actor, typed=self.filter), added)

    def action_edit(self) -> None:
        contact = self._current()
        if contact is None:
            return

        def edited(email: str | None) -> None:
            if email is None:
                return
            after = self.desk.contact(email, self.actor)
            self.show_contacts(select=email)
            # Say what changed, as the command line does.
            self.notify(say_contact_change(contact, after), title="Contact saved",
                        markup=False)

        self.app.push_screen(ContactDialog(self.desk, self.actor, contact), edited)
