"""Property definitions (key `P` on the board): the built-in ticket
properties and the desk's own; administrators create, edit and archive the
custom ones.

Everything goes through `Desk` (create_property, edit_property,
archive_property), so a refusal — a built-in property, a name taken, a
property still asked for by a stage or shown on cards — reads as the desk
words it, and nothing changes.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Select, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from core.model import PropertyDef, PropertyType
from core.present import count
from core.properties import say_option
from tui.screens.dialogs import ConfirmDialog, DeskDialog, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("Name", "Label", "Type", "Kind", "Options")


def kind_of(prop: PropertyDef) -> str:
    if prop.builtin:
        return "built-in, read-only" if prop.read_only else "built-in"
    return "archived" if prop.archived else "custom"


def split_options(text: str) -> list[str]:
    """Options as typed: comma-separated."""
    return [o.strip() for o in text.split(",") if o.strip()]


class PropertiesScreen(TableScreen[None]):
    """`PropertiesScreen(desk, actor)`; Escape goes back."""

    AUTO_FOCUS = "#properties-table"
    BINDINGS = [
        Binding("n", "create", "New", id="properties.create"),
        Binding("e", "edit", "Edit", id="properties.edit"),
        Binding("d", "archive", "Archive", id="properties.archive"),
        Binding("A", "toggle_archived", "Archived", id="properties.archived"),
        Binding("escape", "back", "Back", id="properties.back"),
        *cursor_bindings("properties"),
        # priority: the table would take Enter for itself.
        Binding("enter", "edit", "Edit", show=False, priority=True, id="properties.open"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.show_archived = False

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="properties-title")
        # The keys the footer has no room for; one line at 80 columns.
        yield Static(Content("j k ↑ ↓ choose · Enter edits · g G first/last · "
                             "built-ins cannot be changed"), id="properties-hint")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="properties-table",
                                    classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_properties()

    def _on_notice(self, notice: Notice) -> None:
        if notice.settings and self.is_mounted:
            self.show_properties(select=self.highlighted)

    def properties(self) -> list[PropertyDef]:
        return self.desk.properties(self.actor, archived=self.show_archived)

    def show_properties(self, select: str | None = None) -> None:
        props = self.properties()
        rows = [[p.name, p.label, p.type.value, kind_of(p),
                 ", ".join(say_option(p.name, o) for o in p.options)]
                for p in props]
        self.fill(HEADERS, [(p.name, row) for p, row in zip(props, rows, strict=True)],
                  self._widths(rows), select)
        custom = sum(1 for p in props if not p.builtin)
        title = (f"Ticket properties · {count(len(props) - custom)} built-in, "
                 f"{count(custom)} custom")
        if self.show_archived:
            title += " (archived ones shown)"
        self.query_one("#properties-title", Static).update(Content(title))

    def _widths(self, rows: list[list[str]]) -> list[int]:
        """As wide as needed; the options (then the labels) give way so the
        table never scrolls sideways."""
        needed = [max([len(h), *(len(r[n]) for r in rows)]) for n, h in enumerate(HEADERS)]
        room = self.app.size.width - 2 * len(HEADERS) - 2
        label, options = 1, 4
        fixed = sum(w for n, w in enumerate(needed) if n not in (label, options))
        label_width = min(needed[label], max(12, room - fixed - len(HEADERS[options])))
        options_width = max(len(HEADERS[options]),
                            min(needed[options], room - fixed - label_width))
        return [label_width if n == label else options_width if n == options else w
                for n, w in enumerate(needed)]

    def _current(self) -> PropertyDef | None:
        name = self.highlighted
        return next((p for p in self.properties() if p.name == name), None)

    # -- actions ------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_toggle_archived(self) -> None:
        self.show_archived = not self.show_archived
        self.show_properties(select=self.highlighted)

    def action_create(self) -> None:
        def created(name: str | None) -> None:
            if name is not None:
                self.show_properties(select=name)

        self.app.push_screen(CreatePropertyDialog(self.desk, self.actor), created)

    def action_edit(self) -> None:
        prop = self._current()
        if prop is None:
            return
        if prop.builtin or prop.archived:
            # The desk says why (built-in, or archived).
            try:
                self.desk.edit_property(prop.name, self.actor, label=prop.label)
            except DeskError as err:
                self.app.push_screen(MessageDialog("Not changed", err.message))
            return

        def edited(name: str | None) -> None:
            if name is not None:
                self.show_properties(select=name)

        self.app.push_screen(EditPropertyDialog(self.desk, self.actor, prop), edited)

    def action_archive(self) -> None:
        prop = self._current()
        if prop is None:
            return

        def archive() -> None:
            try:
                self.desk.archive_property(prop.name, self.actor)
            except DeskError as err:
                self.app.push_screen(MessageDialog("Not archived", err.message))
                return
            self.show_properties()

        if prop.builtin or prop.archived:
            archive()  # refused, with the desk's reason
            return
        self.app.push_screen(
            ConfirmDialog("Archive property?",
                          f"'{prop.label}' will no longer be offered. Tickets keep their "
                          "values of it.", confirm_label="Archive"),
            lambda yes: archive() if yes else None)


class CreatePropertyDialog(DeskDialog[str | None]):
    """Name, label, type and (for a choice) options; dismisses with the new
    property's name, or None (Escape). The desk's refusal stays in view."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="properties.create.cancel"),
        Binding("ctrl+s", "create", "Create", id="properties.create.save"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("New ticket property")
            yield Static(Content("Name (lower-case letters, digits and _; integrations use it)"),
                         classes="field-label")
            yield Input(placeholder="e.g. seats", id="property-name", compact=True)
            yield Static(Content("Label"), classes="field-label")
            yield Input(placeholder="e.g. Seats bought", id="property-label", compact=True)
            yield Static(Content("Type"), classes="field-label")
            yield Select([(t.value, t.value) for t in PropertyType], value="text",
                         allow_blank=False, id="property-type", compact=True)
            yield Static(Content("Options, for a choice (comma-separated)"),
                         classes="field-label")
            yield Input(placeholder="e.g. Gold, Silver, Bronze", id="property-options",
                        compact=True)
            yield self.error_line()
            # Some terminals swallow Ctrl+S (in the footer): Enter in any text
            # field creates too. One line, so the form fits 24 rows with a
            # refusal on show.
            yield self.hint_line("Tab next field · Enter in a text field creates · "
                                 "Esc cancels")
        yield Footer(compact=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    @on(Input.Changed)
    def _typing(self) -> None:
        self.clear_error()

    def action_create(self) -> None:
        name = self.query_one("#property-name", Input).value.strip()
        label = self.query_one("#property-label", Input).value.strip() or None
        kind = str(self.query_one("#property-type", Select).value)
        options = split_options(self.query_one("#property-options", Input).value)
        try:
            prop = self.desk.create_property(name, kind, self.actor, label=label,
                                             options=options)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(prop.name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class EditPropertyDialog(DeskDialog[str | None]):
    """A custom property's label and, for a choice, its options."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="properties.edit.cancel"),
        Binding("ctrl+s", "save", "Save", id="properties.edit.save"),
    ]

    def __init__(self, desk: Desk, actor: Actor, prop: PropertyDef) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.prop = prop

    def compose(self) -> ComposeResult:
        choice = self.prop.type is PropertyType.CHOICE
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble("Property ", (self.prop.name, "bold"),
                                                   f" ({self.prop.type.value})"))
            yield Static(Content("The name stays: integrations use it. The type stays: "
                                 "tickets hold values of it."))
            yield Static(Content("Label"), classes="field-label")
            yield Input(value=self.prop.label, id="property-label", compact=True)
            if choice:
                yield Static(Content("Options (comma-separated)"), classes="field-label")
                yield Input(value=", ".join(self.prop.options), id="property-options",
                            compact=True)
            yield self.error_line()
            # Ctrl+S (in the footer) may not reach us; Enter in a field does.
            yield self.hint_line(("Tab next field · " if choice else "")
                                 + "Enter saves · Esc cancels")
        yield Footer(compact=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed)
    def _typing(self) -> None:
        self.clear_error()

    def action_save(self) -> None:
        label = self.query_one("#property-label", Input).value
        options = None
        if self.prop.type is PropertyType.CHOICE:
            options = split_options(self.query_one("#property-options", Input).value)
        try:
            self.desk.edit_property(self.prop.name, self.actor, label=label, options=options)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(self.prop.name)

    def action_cancel(self) -> None:
        self.dismiss(None)
