"""Owner, team and priority of one ticket or of a selection (T4, T6; key
`E` on the board, in search and in the triage queue).

Three fields, each starting with the value the tickets share; one they
differ in starts empty and says so, and left empty each ticket keeps its
own. Only what the user changed is set: for many tickets in one
`Desk.bulk_edit`, all or none, for one in `Desk.edit_ticket`. A refusal
(naming the ticket, for the lot) shows inside the dialog, which stays open.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Static

from core import Actor, Desk, DeskError
from core.present import counted, property_label, say_value
from core.records import Ticket
from core.remote.status import Queued
from core.text import show_line
from tui.screens.dialogs import DeskDialog
from tui.ticket_changes import set_values, waits
from tui.widgets.property_form import FormField, PropertyForm, changed_values, common_values

NAMES = ("owner", "team", "priority")


class BulkEditDialog(DeskDialog[bool]):
    """`BulkEditDialog(desk, actor, tickets)`; dismisses with True once
    set, False when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="bulk_edit.cancel"),
        # The fields are lists, where Enter opens the list: Ctrl+S sets from
        # any of them, and the Set button is another way.
        Binding("ctrl+s", "save", "Set", id="bulk_edit.save"),
    ]

    def __init__(self, desk: Desk, actor: Actor, tickets: Sequence[Ticket]) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.tickets = list(tickets)
        self.fields: list[FormField] = [(desk.property(name), False) for name in NAMES]
        self.initial, self.mixed = common_values(self.tickets, NAMES)

    def compose(self) -> ComposeResult:
        if len(self.tickets) == 1:
            ticket = self.tickets[0]
            title = f"Set #{ticket.id} {show_line(ticket.subject)}"
        else:
            title = f"Set on {counted(len(self.tickets), 'ticket')}"
        with Vertical(classes="dialog"):
            yield self.title_line(Content(title))
            yield Static(Content("What you change is set; what you leave stays as it is."),
                         id="bulk-edit-intro")
            yield PropertyForm(self.fields, self.desk.config, self.initial, mixed=self.mixed,
                               id="bulk-edit-form")
            yield self.error_line()
            yield self.hint_line("Ctrl+S sets · Enter opens a list · Tab next field · "
                                 "Esc cancels")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Set", id="bulk-edit-set", variant="primary", compact=True)
                yield Button("Cancel", id="bulk-edit-cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.form.focus_first()

    @property
    def form(self) -> PropertyForm:
        return self.query_one("#bulk-edit-form", PropertyForm)

    def action_save(self) -> None:
        values = changed_values(self.form.values(), self.initial)
        if not values:
            self.show_error("Nothing changed: pick an owner, a team or a priority.")
            return
        try:
            set_values(self.desk, self.actor, self.tickets, values)
        except Queued as err:
            waits(self.app, err)
            self.dismiss(True)
            return
        except DeskError as err:
            self.show_error(err.message)
            return
        config = self.desk.config
        said = ", ".join(f"{property_label(config, name)} "
                         f"{show_line(say_value(config, name, value)) or 'none'}"
                         for name, value in values.items())
        whom = (f"#{self.tickets[0].id}" if len(self.tickets) == 1
                else counted(len(self.tickets), "ticket"))
        self.app.notify(f"Set on {whom}: {said}.", markup=False)
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#bulk-edit-set")
    def _set_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#bulk-edit-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
