"""Ticket detail: every property (editable where a user may set it), the
timeline (T7), and the conversation (C1): `r` replies, `N` adds a note, `z`
unfolds quoted history.

Everything shown is read from `Desk`, and every edit goes through
`Desk.edit_ticket`: the desk checks and coerces the typed text, so a refusal
reads the same here as on the command line. The screen follows the desk's
notices, so a move made in another terminal shows here too.

At 100 columns and more the properties sit left of the timeline and the
conversation; narrower (80x24, C3) one panel shows at a time, switched with
p / t / c, so nothing is squeezed into a column too thin to read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Select, Static, TextArea

from core import Actor, Desk, DeskError
from core.conversation import ConversationItem
from core.events import Notice, TicketDeleted, ticket_ids
from core.model import PropertyDef, PropertyType
from core.present import count, counted, say, say_value
from core.records import Contact, Ticket
from core.remote.status import Queued
from core.text import show_line
from core.timeline import TimelineItem
from tui.clocks import CLOCK_INTERVAL
from tui.desk_notices import follow_desk
from tui.screens.contact_dialog import ContactDialog
from tui.widgets.contact_picker import ContactPicker
from tui.widgets.conversation import conversation_content, folded_count
from tui.widgets.property_form import choices, placeholder, typed_value
from tui.widgets.unread_badge import UnreadBadge

Panel = Literal["properties", "timeline", "conversation"]
PANELS: tuple[Panel, ...] = ("properties", "timeline", "conversation")
PANEL_TITLES: dict[Panel, str] = {
    "properties": "Properties",
    "timeline": "Timeline",
    "conversation": "Conversation",
}

# From this width the panels sit side by side; below it a properties column
# and a timeline column would each be too thin for a date and a change.
WIDE_FROM = 100

READ_ONLY_NOTE = "(set by pipedesk)"
MOVED_NOTE = "(move on the board)"
# Changed only by a move (T2), which the board does with its own dialog.
MOVED_PROPERTIES = frozenset({"pipeline", "stage"})


class TicketDetailScreen(Screen[None]):
    """One ticket: `TicketDetailScreen(desk, actor, ticket_id)`; dismisses
    with None on Escape / q, or when the ticket is deleted elsewhere."""

    # Every binding has an id, so that a keymap can rebind it later.
    BINDINGS = [
        Binding("e", "edit", "Edit", id="detail.edit"),
        Binding("p", "panel('properties')", "Properties", id="detail.properties"),
        Binding("t", "panel('timeline')", "Timeline", id="detail.timeline"),
        Binding("c", "panel('conversation')", "Conversation", id="detail.conversation"),
        Binding("r", "reply", "Reply", id="detail.reply"),
        Binding("N", "note", "Note", id="detail.note"),
        Binding("z", "unfold", "Unfold", show=False, id="detail.unfold"),
        Binding("escape,q", "back", "Back", id="detail.back"),
        # j / k move as on the board; the arrows come with the table.
        Binding("j", "row(1)", "Down", show=False, id="detail.down"),
        Binding("k", "row(-1)", "Up", show=False, id="detail.up"),
        Binding("g", "ends(-1)", "First", show=False, id="detail.first"),
        Binding("G", "ends(1)", "Last", show=False, id="detail.last"),
    ]

    def __init__(self, desk: Desk, actor: Actor, ticket_id: str) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.ticket_id = str(ticket_id).strip().lstrip("#")
        # Raises DeskError for an unknown ticket before anything is drawn.
        self.ticket: Ticket = desk.ticket(self.ticket_id, actor)
        self.panel: Panel = "properties"
        self._timeline: list[TimelineItem] = []
        self._conversation: list[ConversationItem] = []
        self.unfolded = False
        self._stop_following: Callable[[], None] | None = None

    # -- layout -----------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="detail-title")
        yield Static(id="detail-where")
        yield Static(id="detail-tabs")
        with Horizontal(id="detail-body"):
            table = _PropertiesTable(id="detail-properties", cursor_type="row",
                                     classes="detail-panel")
            table.border_title = PANEL_TITLES["properties"]
            yield table
            with Vertical(id="detail-side"):
                timeline = VerticalScroll(Static(id="detail-timeline-text"),
                                          id="detail-timeline", classes="detail-panel")
                timeline.border_title = PANEL_TITLES["timeline"]
                yield timeline
                conversation = VerticalScroll(Static(id="detail-conversation-text"),
                                              id="detail-conversation", classes="detail-panel")
                conversation.border_title = PANEL_TITLES["conversation"]
                yield conversation
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._stop_following = follow_desk(self, self.desk, self.on_desk_notice)
        self._apply_width(self.app.size.width)
        self.show_ticket()
        self.properties_table.focus()
        # The SLA clock in the header moves on with the time (tui/clocks.py).
        self.set_interval(CLOCK_INTERVAL, self._show_where)

    def _show_where(self) -> None:
        self.query_one("#detail-where", Static).update(self._where())

    def on_resize(self) -> None:
        self._apply_width(self.size.width)
        # The value column takes what the new width leaves.
        self._fill_properties()

    def _apply_width(self, width: int) -> None:
        self.set_class(width < WIDE_FROM, "-narrow")
        for panel in PANELS:
            self.set_class(panel == self.panel, f"-show-{panel}")
        self._show_tabs()
        self.refresh_bindings()

    @property
    def narrow(self) -> bool:
        return self.has_class("-narrow")

    @property
    def properties_table(self) -> DataTable[Text]:
        table: DataTable[Text] = self.query_one("#detail-properties", DataTable)
        return table

    # -- what is shown ---------------------------------------------------------------

    def show_ticket(self) -> None:
        """Redraw everything from the desk (a ticket has few properties and a
        short timeline, so this is cheap)."""
        self.ticket = self.desk.ticket(self.ticket_id, self.actor)
        self._timeline = self.desk.timeline(self.ticket_id, self.actor)
        self._conversation = self.desk.conversation(self.ticket_id, self.actor)
        self.query_one("#detail-title", Static).update(
            Content(f"#{self.ticket.id} {show_line(self.ticket.subject)}"))
        self._show_where()
        self._fill_properties()
        self._fill_timeline()
        self._fill_conversation()
        self._show_tabs()

    def _where(self) -> Content:
        try:
            pipeline, stage = self.desk.stage(self.ticket.stage, self.actor)
        except DeskError:
            # The stage went away between two notices; the next one fixes it.
            return Content(f"stage {self.ticket.stage}")
        state = ("Open", "$text-success") if stage.is_open else ("Closed", "$text-primary")
        where = Content.assemble(pipeline.label, " / ", (stage.label, "bold"),
                                 " (", (state[0], f"bold {state[1]}"), ")")
        clock = self.desk.sla_clocks()(self.ticket)
        if clock is None:
            return where
        # Issue 17: the SLA clock, said in words (C3), bold when breached.
        now = self.desk.now()
        due = clock.due.strftime("%H:%M" if clock.due.date() == now.date() else "%m-%d %H:%M")
        said = f"{clock.marked()}, due {due}"
        return Content.assemble(where, " · ", (said, "bold $text-error" if clock.breached
                                                else ""))

    def _fill_properties(self) -> None:
        table = self.properties_table
        keep = self._cursor_property()
        properties = self.desk.properties(self.actor)
        label_width = min(24, max(len(p.label) for p in properties))
        # What is left of the panel for the values: its border, padding,
        # scrollbar and the two columns' cell padding.
        room = table.size.width - 1 - label_width - 4
        value_width = max(12, room)
        table.clear(columns=True)
        table.add_column(Text("Property", style="bold"), width=label_width, key="label")
        table.add_column(Text("Value", style="bold"), width=value_width, key="value")
        now = self.desk.now()
        for prop in properties:
            label = Text(prop.label, no_wrap=True, overflow="ellipsis")
            # Text, not str: a DataTable reads a str cell as markup.
            table.add_row(label, self._value_text(prop, now), key=prop.name)
        names = [p.name for p in properties]
        if keep in names:
            table.move_cursor(row=names.index(keep), animate=False)

    def _value_text(self, prop: PropertyDef, now: datetime) -> Text:
        value = Text(self._say(prop, now), no_wrap=True, overflow="ellipsis")
        if prop.read_only:
            note = MOVED_NOTE if prop.name in MOVED_PROPERTIES else READ_ONLY_NOTE
            value.append(f" {note}" if value.plain else note, style="dim italic")
        return value

    def _say(self, prop: PropertyDef, now: datetime) -> str:
        """A value as a person reads it (one line: a table row)."""
        ticket = self.ticket
        config = self.desk.config
        match prop.name:
            case "pipeline" | "stage":
                try:
                    pipeline, stage = self.desk.stage(ticket.stage, self.actor)
                except DeskError:
                    return ticket.stage
                # Open / Closed is said in the header, beside the stage.
                return pipeline.label if prop.name == "pipeline" else stage.label
            case "contact":
                return self._contact()
            case "age":
                return precise_duration(now - ticket.create_date)
            case "time_to_close":
                if ticket.close_date is None:
                    return ""
                return precise_duration(ticket.close_date - ticket.create_date)
        if prop.builtin:
            text = say(config, ticket, prop.name, now)
        else:
            text = say_value(self.desk.config, prop.name, ticket.props.get(prop.name))
        if prop.type is not PropertyType.LONG_TEXT:
            return show_line(text)  # one line, however it is stored (a desk from before)
        lines = text.splitlines()
        # A long text shows its first line; the editor shows it whole.
        return lines[0] + " …" if len(lines) > 1 else text

    def _contact(self) -> str:
        email = self.ticket.contact
        if not email:
            return ""
        try:
            contact = self.desk.contact(email, self.actor)
        except DeskError:
            return email
        return f"{contact.name} <{contact.email}>" if contact.name else contact.email

    def _fill_timeline(self) -> None:
        lines: list[Content] = []
        for item in reversed(self._timeline):  # newest first
            lines.append(Content.assemble(
                f"{item.at:%Y-%m-%d %H:%M}  {item.who}  ", (item.what, "bold")))
            for label, before, after in item.changes:
                lines.append(Content(f"    {label}: {before} → {after}"))
        if not lines:
            lines.append(Content("Nothing recorded yet."))
        self.query_one("#detail-timeline-text", Static).update(Content("\n").join(lines))
        self.query_one("#detail-timeline").border_title = (
            f"{PANEL_TITLES['timeline']} · {counted(len(self._timeline), 'entry', 'entries')}")

    def _fill_conversation(self) -> None:
        text = self.query_one("#detail-conversation-text", Static)
        text.set_class(not self._conversation, "-empty")
        text.update(conversation_content(self._conversation, self.desk.config, self.unfolded))
        title = PANEL_TITLES["conversation"]
        if self._conversation:
            title += f" · {counted(len(self._conversation), 'item')}"
        folds = folded_count(self._conversation)
        if folds:
            title += " · z folds" if self.unfolded else " · z unfolds"
        self.query_one("#detail-conversation").border_title = title

    def _show_tabs(self) -> None:
        parts: list[Content | tuple[str, str] | str] = []
        for panel in PANELS:
            title = PANEL_TITLES[panel]
            if panel == "timeline":
                title += f" ({count(len(self._timeline))})"
            elif panel == "conversation":
                title += f" ({count(len(self._conversation))})"
            parts.append((f" {title} ", "reverse bold") if panel == self.panel else f" {title} ")
            parts.append(" ")
        parts.append(("p / t / c switch", "italic"))
        self.query_one("#detail-tabs", Static).update(Content.assemble(*parts))

    def _cursor_property(self) -> str | None:
        table = self.properties_table
        if table.row_count == 0:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return str(row_key.value) if row_key.value is not None else None

    # -- following the desk ----------------------------------------------------------------

    def on_desk_notice(self, notice: Notice) -> None:
        mine = [e for e in notice.entries if self.ticket_id in ticket_ids(e.event)]
        if not mine and not notice.settings:
            return
        if any(isinstance(e.event, TicketDeleted) for e in mine):
            self._leave(f"Ticket #{self.ticket_id} was deleted (by {mine[-1].actor}).")
            return
        try:
            self.show_ticket()
        except DeskError as err:
            # No longer visible to this user, say (U2 / P6).
            self._leave(err.message)

    def _leave(self, why: str) -> None:
        if self._stop_following is not None:
            self._stop_following()
            self._stop_following = None
        # markup=False: the desk's words are shown as they are.
        self.notify(why, title="Ticket closed", severity="warning", markup=False)
        if not self.is_attached or self not in self.app.screen_stack:
            return
        # An editor open on top of this screen goes too.
        self.pop_until_active()
        self.dismiss(None)

    # -- actions --------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_panel(self, panel: Panel) -> None:
        self.panel = panel
        self._apply_width(self.size.width)
        target = {"properties": "#detail-properties", "timeline": "#detail-timeline",
                  "conversation": "#detail-conversation"}[panel]
        self.query_one(target).focus()

    def action_row(self, step: int) -> None:
        focused = self.focused
        if isinstance(focused, DataTable):
            focused.move_cursor(row=focused.cursor_row + step)
        elif isinstance(focused, VerticalScroll):
            focused.scroll_relative(y=step, animate=False)

    def action_ends(self, direction: int) -> None:
        focused = self.focused
        if isinstance(focused, DataTable):
            focused.move_cursor(row=0 if direction < 0 else focused.row_count - 1)
        elif isinstance(focused, VerticalScroll):
            if direction < 0:
                focused.scroll_home(animate=False)
            else:
                focused.scroll_end(animate=False)

    def action_reply(self) -> None:
        self._write(note=False)

    def action_note(self) -> None:
        self._write(note=True)

    def _write(self, note: bool) -> None:
        """The reply editor; once sent, the conversation is in view, where
        the reply (or note) shows."""
        from tui.screens.reply_dialog import ReplyDialog

        def done(sent: bool | None) -> None:
            if sent:
                self.action_panel("conversation")
                self.query_one("#detail-conversation", VerticalScroll).scroll_end(
                    animate=False)

        try:
            dialog = ReplyDialog(self.desk, self.actor, self.ticket_id, note=note)
        except DeskError as err:
            self.notify(err.message, severity="warning", markup=False)
            return
        self.app.push_screen(dialog, done)

    def action_unfold(self) -> None:
        """z: quoted history and signatures, unfolded or folded again."""
        self.unfolded = not self.unfolded
        self._fill_conversation()
        if self.narrow and self.panel != "conversation":
            self.action_panel("conversation")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Narrow, `e` edits only while the properties are in view: the row
        # it would edit is otherwise out of sight. (None: shown greyed.)
        if action == "edit" and self.narrow and self.panel != "properties":
            return None
        return True

    @on(DataTable.RowSelected, "#detail-properties")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    def action_edit(self) -> None:
        name = self._cursor_property()
        if name is None:
            return
        prop = next((p for p in self.desk.properties(self.actor) if p.name == name), None)
        if prop is None:
            return
        if prop.read_only:
            if prop.name in MOVED_PROPERTIES:
                why = f"{prop.label} changes when the ticket moves; move it on the board."
            else:
                why = f"{prop.label} is set by pipedesk; it cannot be edited."
            self.notify(why, title="Read-only", severity="warning", markup=False)
            return
        self.app.push_screen(_PropertyEditor(self.desk, self.actor, self.ticket, prop))


class _PropertiesTable(DataTable[Text]):
    # In a table of rows, Home and End go to the first and last row (the
    # table's own keys scroll sideways, which this table never needs).
    BINDINGS = [
        Binding("home", "scroll_top", "First", show=False, id="detail.properties.first"),
        Binding("end", "scroll_bottom", "Last", show=False, id="detail.properties.last"),
    ]


# -- the editor ------------------------------------------------------------------------------


class _PropertyEditor(ModalScreen[bool]):
    """Edits one property of one ticket; dismisses with True once the desk
    took the value. A refusal is shown here and the editor stays open."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="detail.editor.cancel"),
        # Long text only: Enter makes a new line there, so saving needs its
        # own key; the Save button (Tab, Enter) is the other way.
        Binding("ctrl+s", "save", "Save", id="detail.editor.save"),
    ]

    def __init__(self, desk: Desk, actor: Actor, ticket: Ticket, prop: PropertyDef) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.ticket_id = ticket.id
        self.subject = ticket.subject
        self.prop = prop
        self.initial = typed_value(ticket, prop.name)
        self.choices = choices(desk.config, prop)

    @property
    def long_text(self) -> bool:
        return self.prop.type is PropertyType.LONG_TEXT

    def compose(self) -> ComposeResult:
        with Vertical(id="editor"):
            yield Static(Content.assemble(("Edit " + self.prop.label, "bold"),
                                          f"  #{self.ticket_id} {show_line(self.subject)}"),
                         id="editor-title")
            if self.choices is not None:
                legal = {value for _, value in self.choices}
                # Text, not str: a Select reads a str option as markup, and a
                # user's or an option's name may hold a "[".
                options = [(Text(shown), value) for shown, value in self.choices]
                # The prompt is read as markup where the Select shows it: a
                # label that could be markup is left out of it.
                label = self.prop.label.lower()
                yield _ValueSelect(options, prompt=f"(no {label})" if "[" not in label
                                   else "(none)",
                                   value=self.initial if self.initial in legal else Select.NULL,
                                   id="editor-value")
            elif self.prop.name == "contact":
                yield ContactPicker(self.initial, self._find_contacts, input_id="editor-value",
                                    placeholder=placeholder(self.prop, picker=True),
                                    compact=False)
            elif self.long_text:
                yield TextArea(self.initial, id="editor-value", soft_wrap=True)
            else:
                yield _ValueInput(self.initial, placeholder=placeholder(self.prop),
                                  id="editor-value", select_on_focus=False)
            yield Static(id="editor-error")
            yield Static(Content(self._hint()), id="editor-hint")
            if self.long_text:
                with Horizontal(id="editor-buttons"):
                    yield Button("Save", id="editor-save", variant="primary", compact=True)
                    yield Button("Cancel", id="editor-cancel", compact=True)
        yield Footer(compact=True)

    def _hint(self) -> str:
        if self.choices is not None:
            return (f"Picking one saves it · “(no {self.prop.label.lower()})” clears · "
                    "Escape cancels")
        if self.long_text:
            return "Ctrl+S or the Save button saves · Escape cancels"
        if self.prop.name == "contact":
            return "↓ lists contacts · Enter saves · empty clears · Escape cancels"
        return "Enter saves · empty clears · Escape cancels"

    def _find_contacts(self, text: str) -> list[Contact]:
        return self.desk.find_contacts(text, self.actor)

    @on(ContactPicker.Picked)
    def _contact_picked(self, event: ContactPicker.Picked) -> None:
        event.stop()
        self.save(event.email)

    @on(ContactPicker.AddContact)
    def _add_contact(self, event: ContactPicker.AddContact) -> None:
        """ "Add contact …": the contact dialog, started with what was
        typed; the new contact is then the ticket's."""
        event.stop()
        picker = event.picker

        def added(email: str | None) -> None:
            if email is None:
                picker.field.focus()
                return
            picker.fill(email)
            self.save(email)

        self.app.push_screen(ContactDialog(self.desk, self.actor, typed=event.typed), added)

    def on_mount(self) -> None:
        field = self.query_one("#editor-value")
        field.focus()
        if isinstance(field, Select):
            # The choices show at once: one key to pick, one to save.
            field.action_show_overlay()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "save":
            return self.long_text
        return True

    # -- saving -------------------------------------------------------------------------

    def save(self, raw: str) -> None:
        try:
            self.desk.edit_ticket(self.ticket_id, {self.prop.name: raw}, self.actor)
        except Queued as err:  # the server away: it waits, and shows (docs/sync.md)
            self.app.notify(err.message, title="Waits for the server", severity="warning",
                            markup=False)
            self.dismiss(True)
            return
        except DeskError as err:
            error = self.query_one("#editor-error", Static)
            error.update(Content(f"✗ {err.message}"))
            error.add_class("-shown")
            return
        self.dismiss(True)

    @on(Input.Submitted, "#editor-value")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        self.save(event.value)

    @on(Select.Changed, "#editor-value")
    def _picked(self, event: Select.Changed) -> None:
        event.stop()
        value = "" if event.value is Select.NULL else str(event.value)
        if value == self.initial:
            # The Select reports its first value too; nothing to save. After
            # a refusal, going back to the value the ticket has clears it.
            self.query_one("#editor-error").remove_class("-shown")
            return
        self.save(value)

    def action_save(self) -> None:
        if self.long_text:
            self.save(self.query_one("#editor-value", TextArea).text)

    @on(Button.Pressed, "#editor-save")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#editor-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)

    def action_cancel(self) -> None:
        self.dismiss(False)


class _ValueInput(Input):
    # Input's own Enter binding is hidden; this one says in the footer what
    # Enter does here.
    BINDINGS = [Binding("enter", "submit", "Save", id="detail.editor.save_typed")]


class _ValueSelect(Select[str]):
    BINDINGS = [Binding("enter", "show_overlay", "Choose", id="detail.editor.choose")]


# -- helpers: values as typed, values as read ----------------------------------------------




def precise_duration(delta: timedelta) -> str:
    """A duration to the minute for the detail: "45 min", "2 h 5 min",
    "3 d 4 h" (the board's cards round further)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
