"""The new-ticket dialog (T1): subject, contact, priority, and whatever the
stage asks for (S7).

The dialog collects text and hands it to `Desk.create_ticket`; the desk
decides. A refusal (no subject, a required stage property left empty, a
contact the desk does not know) is shown inside the dialog in the desk's
words, and the dialog stays open with everything typed so far. The contact
is picked from the desk's contacts as one types, and one that is not there
yet is added on the spot (`ContactPicker`, `ContactDialog`).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Static

from core import Actor, Desk, DeskError
from core.model import Pipeline, PropertyDef, Stage
from core.records import Contact
from core.remote.status import Queued
from tui.screens.contact_dialog import ContactDialog
from tui.screens.dialogs import DeskDialog
from tui.widgets.contact_picker import ContactPicker
from tui.widgets.property_form import FormField, PropertyForm

# Asked of every new ticket, in this order; the stage's own properties
# follow. A stage that asks for one of these marks it required here
# instead of asking twice.
BASIC_PROPERTIES = ("subject", "contact", "priority")


class CreateTicketDialog(DeskDialog[str | None]):
    """`CreateTicketDialog(desk, actor, pipeline_id, stage_id)`: a new
    ticket in that stage. Dismisses with the new ticket's id, or None when
    cancelled (nothing is created then)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="ticket_form.cancel"),
        # Enter in a one-line field creates too; Ctrl+S works from every
        # field, long text included, and the Create button is a third way.
        Binding("ctrl+s", "create", "Create", id="ticket_form.create"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str, stage_id: str) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        # Raises DeskError for a pipeline or stage the actor cannot see,
        # before anything is drawn.
        found: tuple[Pipeline, Stage] = desk.stage(stage_id, actor, within=pipeline_id)
        self.pipeline, self.stage = found
        self.basics, self.stage_fields = self._fields()

    def _fields(self) -> tuple[list[FormField], list[FormField]]:
        asked: list[FormField] = []
        required_basics = {"subject"}
        for sp in self.stage.properties:
            prop = self._property(sp.name)
            if prop is None:
                continue
            if prop.name in BASIC_PROPERTIES:
                if sp.required:
                    required_basics.add(prop.name)
            else:
                asked.append((prop, sp.required))
        basics: list[FormField] = []
        for name in BASIC_PROPERTIES:
            prop = self._property(name)
            if prop is not None:
                basics.append((prop, name in required_basics))
        return basics, asked

    def _property(self, name: str) -> PropertyDef | None:
        try:
            return self.desk.property(name)
        except DeskError:
            # An archived property on a stage: the desk says so on create.
            return None

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(f"New ticket in {self.pipeline.label} / {self.stage.label}")
            yield PropertyForm(self.basics, self.desk.config, id="ticket-basics",
                               find_contacts=self._find_contacts)
            if self.stage_fields:
                yield Static(Content(f"Stage '{self.stage.label}' asks for:"),
                             classes="dialog-section")
                yield PropertyForm(self.stage_fields, self.desk.config,
                                   id="ticket-stage-properties")
            yield self.error_line()
            yield self.hint_line("* required · Enter or Ctrl+S creates · Tab next field · "
                                 "Esc cancels")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create", id="ticket-create", variant="primary", compact=True)
                yield Button("Cancel", id="ticket-cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#ticket-basics", PropertyForm).focus_first()

    def _find_contacts(self, text: str) -> list[Contact]:
        return self.desk.find_contacts(text, self.actor)

    @on(ContactPicker.AddContact)
    def _add_contact(self, event: ContactPicker.AddContact) -> None:
        """ "Add contact …" in the picker: the contact dialog, started with
        what was typed; the new contact fills the field."""
        event.stop()
        picker = event.picker

        def added(email: str | None) -> None:
            if email is not None:
                picker.fill(email)
                self.clear_error()
            picker.field.focus()

        self.app.push_screen(ContactDialog(self.desk, self.actor, typed=event.typed), added)

    @property
    def forms(self) -> list[PropertyForm]:
        return list(self.query(PropertyForm))

    # -- creating ---------------------------------------------------------------------

    def action_create(self) -> None:
        values: dict[str, str | None] = {}
        for form in self.forms:
            values.update(form.values())
        subject = values.pop("subject", None) or ""
        contact = values.pop("contact", None)
        try:
            ticket = self.desk.create_ticket(self.actor, self.pipeline.id, self.stage.id,
                                             subject, contact=contact, values=values)
        except Queued as err:  # the server away: it waits, and shows (docs/sync.md)
            self.app.notify(err.message, title="Waits for the server", severity="warning",
                            markup=False)
            self.dismiss(None)
            return
        except DeskError as err:
            self.show_error(err.message)
            # Most refusals are an empty required field: go to the first.
            for form in self.forms:
                if form.focus_first(empty_required=True):
                    break
            return
        self.dismiss(ticket.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted)
    def _enter_in_field(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    @on(Button.Pressed, "#ticket-create")
    def _create_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_create()

    @on(Button.Pressed, "#ticket-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
