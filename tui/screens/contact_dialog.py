"""A contact's dialog: a new contact, or an existing one's name and
marketing flag (the email is the contact's identity and stays). Opened from
the contacts screen, the ticket form's and the detail's contact pickers; in
its own module so that those screens need not import each other.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Input, Static

from core import Actor, Desk, DeskError
from core.records import Contact
from tui.screens.dialogs import DeskDialog
from tui.widgets.flag_box import FlagBox


class ContactDialog(DeskDialog[str | None]):
    """A new contact — `ContactDialog(desk, actor, typed=…)`, its email (or
    name) started with what was typed — or an existing one's name and
    marketing flag: `ContactDialog(desk, actor, contact)`. Dismisses with
    the contact's email once the desk took it, or None (Escape)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="contact_dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="contact_dialog.save"),
        # On the marketing switch (the fields say Enter themselves).
        Binding("enter", "save", "Save", show=False, id="contact_dialog.save_enter"),
    ]

    def __init__(self, desk: Desk, actor: Actor, contact: Contact | None = None, *,
                 typed: str = "") -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.contact = contact
        typed = typed.strip()
        # What was typed in a picker or a filter: an address, or a name.
        self.typed_email = typed if "@" in typed else ""
        self.typed_name = "" if "@" in typed else typed

    def compose(self) -> ComposeResult:
        contact = self.contact
        with Vertical(classes="dialog"):
            if contact is None:
                yield self.title_line("New contact")
                yield Static(Content("Email address"), classes="field-label")
                yield Input(self.typed_email, placeholder="e.g. kari@example.no",
                            id="contact-email", compact=True, select_on_focus=False)
            else:
                yield self.title_line(Content.assemble("Contact ", (contact.email, "bold")))
                yield Static(Content("The email stays: it is the contact's identity, and "
                                     "tickets name their contact by it."))
            yield Static(Content("Name"), classes="field-label")
            yield Input(contact.name if contact else self.typed_name,
                        placeholder="e.g. Kari Hansen", id="contact-name", compact=True,
                        select_on_focus=False)
            yield FlagBox("Marketing contact (gets non-transactional email)",
                          contact.marketing if contact else False, id="contact-marketing",
                          compact=True)
            yield self.error_line()
            yield self.hint_line("Tab next · Space switches marketing · Enter saves · "
                                 "Esc cancels")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        if self.contact is None and not self.typed_email:
            self.query_one("#contact-email", Input).focus()
        else:
            self.query_one("#contact-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed)
    def _typing(self) -> None:
        self.clear_error()

    def action_save(self) -> None:
        name = self.query_one("#contact-name", Input).value
        marketing = self.query_one("#contact-marketing", FlagBox).value
        try:
            if self.contact is None:
                email = self.query_one("#contact-email", Input).value
                saved = self.desk.add_contact(email, self.actor, name=name, marketing=marketing)
            else:
                saved = self.desk.edit_contact(self.contact.email, self.actor, name=name,
                                               marketing=marketing)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(saved.email)

    def action_cancel(self) -> None:
        self.dismiss(None)
