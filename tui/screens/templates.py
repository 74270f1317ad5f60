"""Email templates (A4a), from the Automate tab (`t`): the two built-in ones
and the desk's own; administrators edit and add them."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Checkbox, DataTable, Footer, Input, Static, TextArea

from core import Actor, Desk, DeskError
from core.automation.templates import PLACEHOLDERS, Template
from core.events import Notice
from tui.screens.dialogs import ConfirmDialog, DeskDialog, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge


class TemplatesScreen(TableScreen[None]):
    AUTO_FOCUS = "#templates-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="templates.back"),
        Binding("n", "create", "New", id="templates.create"),
        Binding("e", "edit", "Edit", id="templates.edit"),
        Binding("d", "delete", "Delete", id="templates.delete"),
        Binding("enter", "edit", "Edit", show=False, priority=True, id="templates.open"),
        *cursor_bindings("templates"),
    ]

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(Content("Email templates · transactional: to every contact; "
                             "others: to marketing contacts only"), classes="screen-title")
        table = DataTable[Text](cursor_type="row", id="templates-table", classes="desk-table")
        table.add_columns("Name", "Transactional", "Subject")
        yield table
        yield Static(id="template-preview")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self._fill()

    def _on_notice(self, notice: Notice) -> None:
        if notice.settings and self.is_mounted:
            self._fill(select=self.highlighted)

    def _fill(self, select: str | None = None) -> None:
        table = self.table
        table.clear()
        templates = self.desk.templates(self.actor)
        for t in templates:
            name = f"{t.name} (built-in)" if t.builtin else t.name
            # The subject is cut to the screen: the preview below shows it whole.
            subject = Text(t.subject)
            subject.truncate(max(10, self.app.size.width - 46), overflow="ellipsis")
            table.add_row(Text(name), Text("yes" if t.transactional else "no"), subject,
                          key=t.name)
        names = [t.name for t in templates]
        if select in names:
            table.move_cursor(row=names.index(select), animate=False)
        self._preview()

    def on_data_table_row_highlighted(self) -> None:
        self._preview()

    def _current(self) -> Template | None:
        key = self.highlighted
        return next((t for t in self.desk.templates(self.actor) if t.name == key), None)

    def _preview(self) -> None:
        t = self._current()
        self.query_one("#template-preview", Static).update(
            Content(f"Subject: {t.subject}\n\n{t.body}") if t else Content(""))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        self.app.push_screen(TemplateDialog(self.desk, self.actor, None),
                             lambda name: self._fill(select=name) if name else None)

    def action_edit(self) -> None:
        t = self._current()
        if t is not None:
            self.app.push_screen(TemplateDialog(self.desk, self.actor, t),
                                 lambda name: self._fill(select=name) if name else None)

    def action_delete(self) -> None:
        t = self._current()
        if t is None:
            return

        def delete(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk.delete_template(t.name, self.actor)
            except DeskError as err:
                self.app.push_screen(MessageDialog("Not deleted", err.message))

        if t.builtin:
            delete(True)  # refused, with the desk's reason
            return
        self.app.push_screen(ConfirmDialog("Delete template?", f"'{t.name}' will be gone."),
                             delete)


class TemplateDialog(DeskDialog[str | None]):
    """Name, subject, body and the transactional switch; dismisses with the
    saved template's name, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="template.cancel"),
        Binding("ctrl+s", "save", "Save", id="template.save"),
    ]

    def __init__(self, desk: Desk, actor: Actor, template: Template | None) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.template = template

    def compose(self) -> ComposeResult:
        t = self.template
        title = f"Template '{t.name}'" if t else "New template"
        with Vertical(classes="dialog"):
            yield self.title_line(title)
            with Horizontal(classes="field"):
                yield Static("Name", classes="field-label")
                yield Input(value=t.name if t else "", placeholder="what actions call it",
                            id="template-name", disabled=bool(t and t.builtin), compact=True)
            with Horizontal(classes="field"):
                yield Static("Subject", classes="field-label")
                yield Input(value=t.subject if t else "", id="template-subject", compact=True)
            yield TextArea(t.body if t else "", id="template-body", show_line_numbers=False)
            yield Checkbox("Transactional (sent to every contact)",
                           value=t.transactional if t else True, id="template-transactional",
                           compact=True)
            yield self.error_line()
            yield self.hint_line("{{ ticket.subject }}, {{ contact.name }} … "
                                 f"({len(PLACEHOLDERS)} placeholders: docs/automation.md) · "
                                 "Tab next · Ctrl+S saves · Esc cancels")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="template-save", compact=True)
                yield Button("Cancel", id="template-cancel", compact=True)
        yield Footer(compact=True)

    def action_save(self) -> None:
        from pydantic import ValidationError

        try:
            template = Template(
                name=self.query_one("#template-name", Input).value.strip(),
                subject=self.query_one("#template-subject", Input).value.strip(),
                body=self.query_one("#template-body", TextArea).text,
                transactional=self.query_one("#template-transactional", Checkbox).value)
        except ValidationError:
            self.show_error("A template needs a name.")
            return
        try:
            saved = self.desk.save_template(template, self.actor,
                                            replacing=self.template.name if self.template
                                            else None)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(saved.name)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#template-save")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#template-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)
