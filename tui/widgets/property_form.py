"""A form of ticket properties: one labelled field per property.

Used wherever a dialog asks for properties: the ticket form (subject,
contact, priority and the stage's conditional properties, S7) and the move
dialog (the target stage's properties). The form only collects what the user
typed or picked, as text; `Desk` checks and converts it with `coerce`, so a
refusal reads the same here as on the command line.

Each property gets a field that fits its type: a one-line field for text,
numbers and dates, a list to pick from for choices, users, teams and yes/no,
and a few lines for long text. Fields are one row high (three for long
text) so that a form with several properties still fits 80x24 (C3).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.widget import Widget
from textual.widgets import Input, Label, Select, TextArea

from core.model import DeskConfig, PropertyDef, PropertyType
from core.properties import say_option
from core.records import Contact, Ticket
from tui.widgets.contact_picker import ContactPicker

# A property to ask for, and whether the stage requires it (S7).
FormField = tuple[PropertyDef, bool]

REQUIRED_MARK = " *"
# What an empty field of a form for many tickets says when their values
# differ (T6): left empty, each ticket keeps its own.
EACH_KEEPS = "each keeps its own"


class PropertyForm(Widget):
    """`PropertyForm(fields, config, initial=None)`: one row per
    `(PropertyDef, required)`; required ones are marked with `*`. `initial`
    holds values as a person would type them (see `typed_value`).
    `values()` gives back the raw text per property name, None for empty.
    With `find_contacts` (text -> the contacts that fit), the contact is
    asked for with a `ContactPicker`. `mixed` names the properties of a
    form for many tickets whose values differ (see `common_values`): their
    empty field says that each ticket keeps its own."""

    DEFAULT_CSS = """
    PropertyForm { height: auto; }
    PropertyForm > .property-row { height: 1; }
    PropertyForm > .property-row.-long { height: 3; }
    PropertyForm .property-label {
        width: 18; height: 1; padding-right: 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    /* Where the keys go, said without colour: compact fields have no border
     * to light up, so the focused field's label is shown reversed. */
    PropertyForm > .property-row.-focused > .property-label { text-style: bold reverse; }
    /* A band of its own marks each field's room (compact fields have no
     * border). */
    PropertyForm Input, PropertyForm SelectCurrent, PropertyForm TextArea {
        background: $panel;
    }
    /* Hints in the fields, light enough to read on the band with 16 colours
     * too (Textual's own grey falls on the band's colour there); italic
     * tells them from typed text. */
    PropertyForm Input > .input--placeholder,
    PropertyForm TextArea > .text-area--placeholder,
    PropertyForm SelectCurrent Static#label,
    PropertyForm SelectCurrent .arrow {
        color: $foreground 70%; text-style: italic;
    }
    PropertyForm SelectCurrent.-has-value Static#label { color: $foreground; text-style: none; }
    PropertyForm Input, PropertyForm Select, PropertyForm TextArea { width: 1fr; }
    PropertyForm TextArea { height: 3; }
    /* The open list of a choice floats over the fields below it: a frame
     * keeps its options apart from them. */
    PropertyForm SelectOverlay.-textual-compact { border: round $primary !important; }
    """

    def __init__(self, fields: Sequence[FormField], config: DeskConfig,
                 initial: Mapping[str, str] | None = None, *,
                 find_contacts: Callable[[str], list[Contact]] | None = None,
                 mixed: Collection[str] = (),
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.fields = list(fields)
        self.config = config
        self.initial = dict(initial or {})
        self.find_contacts = find_contacts
        self.mixed = frozenset(mixed)

    def compose(self) -> ComposeResult:
        for prop, required in self.fields:
            long_text = prop.type is PropertyType.LONG_TEXT
            with Horizontal(classes="property-row -long" if long_text else "property-row"):
                yield Label(Content(prop.label + (REQUIRED_MARK if required else "")),
                            classes="property-label")
                yield self._field(prop, required)

    def _field(self, prop: PropertyDef, required: bool) -> Widget:
        name = field_id(prop.name)
        initial = self.initial.get(prop.name, "")
        options = choices(self.config, prop)
        mixed = prop.name in self.mixed
        if options is not None:
            legal = {value for _, value in options}
            # Text, not str: a Select reads a str option as markup, and a
            # user's or an option's name may hold a "[".
            return Select([(Text(shown), value) for shown, value in options],
                          prompt=(f"({EACH_KEEPS})" if mixed else
                                  "(choose one)" if required else "(none)"),
                          value=initial if initial in legal else Select.NULL,
                          id=name, compact=True)
        hint = EACH_KEEPS if mixed else placeholder(prop)
        if prop.type is PropertyType.LONG_TEXT:
            return TextArea(initial, id=name, soft_wrap=True, compact=True, placeholder=hint)
        if prop.name == "contact" and self.find_contacts is not None:
            return ContactPicker(initial, self.find_contacts, input_id=name,
                                 placeholder=EACH_KEEPS if mixed else
                                 placeholder(prop, picker=True))
        # A field gone back to keeps its text: the dialog's (DeskDialog).
        return Input(initial, placeholder=hint, id=name, compact=True)

    # The focused field's row is marked with a class rather than with
    # :focus-within, which does not restyle the label beside the field.
    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        row = _row_of(event.widget)
        for other in self.query(".property-row"):
            other.set_class(other is row, "-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        row = _row_of(event.widget)
        if row is not None:
            row.remove_class("-focused")

    # -- reading and steering ------------------------------------------------------

    def values(self) -> dict[str, str | None]:
        """Raw text per property name, as typed or picked; None for an empty
        field. Nothing is checked here: the desk does that."""
        result: dict[str, str | None] = {}
        for prop, _ in self.fields:
            field = self.query_one(f"#{field_id(prop.name)}")
            text: str | None
            if isinstance(field, Select):
                text = None if field.is_blank() else str(field.value)
            elif isinstance(field, TextArea):
                text = field.text
            else:
                assert isinstance(field, Input)
                text = field.value
            result[prop.name] = text if text and text.strip() else None
        return result

    def field(self, name: str) -> Widget:
        return self.query_one(f"#{field_id(name)}")

    def focus_first(self, empty_required: bool = False) -> bool:
        """Focus the first field (or the first empty required one); False
        when there is none."""
        values = self.values()
        for prop, required in self.fields:
            if not empty_required or (required and values[prop.name] is None):
                self.field(prop.name).focus()
                return True
        return False


def _row_of(widget: Widget) -> DOMNode | None:
    return next((node for node in widget.ancestors_with_self
                 if node.has_class("property-row")), None)


def field_id(name: str) -> str:
    # Property names are lower-case letters, digits and _, so this is a
    # valid widget id.
    return f"property-{name}"


def choices(config: DeskConfig, prop: PropertyDef) -> list[tuple[str, str]] | None:
    """(shown, raw value) for a property picked from a list; None for a
    property that is typed."""
    match prop.type:
        case PropertyType.CHOICE:
            # Priorities are stored in capitals and said as people write them (T4).
            return [(say_option(prop.name, option), option) for option in prop.options]
        case PropertyType.USER:
            return [(user.name, user.id) for user in config.users]
        case PropertyType.TEAM:
            return [(team.name, team.id) for team in config.teams]
        case PropertyType.YES_NO:
            return [("Yes", "yes"), ("No", "no")]
    return None


def placeholder(prop: PropertyDef, picker: bool = False) -> str:
    """A word on what to type (the format only; the desk checks it);
    `picker`: the contact is asked for with a `ContactPicker`."""
    match prop.type:
        case PropertyType.NUMBER:
            return "a number, e.g. 12 or 4.5"
        case PropertyType.DATE:
            return "YYYY-MM-DD"
        case PropertyType.DATETIME:
            return "YYYY-MM-DD HH:MM"
        case PropertyType.LONG_TEXT:
            return "several lines; Tab leaves the field"
    if prop.name == "contact":
        return "type a name or email; ↓ lists contacts" if picker else (
            "the contact's email address")
    return ""


def common_values(tickets: Sequence[Ticket], names: Sequence[str]) -> tuple[
        dict[str, str], set[str]]:
    """What a form for many tickets starts with (T6): each property's value
    where every ticket has the same, else empty; and the names whose values
    differ (`PropertyForm`'s `mixed`)."""
    initial: dict[str, str] = {}
    mixed: set[str] = set()
    for name in names:
        seen = {typed_value(t, name) for t in tickets}
        if len(seen) == 1:
            initial[name] = seen.pop()
        else:
            initial[name] = ""
            mixed.add(name)
    return initial, mixed


def changed_values(values: Mapping[str, str | None],
                   initial: Mapping[str, str]) -> dict[str, str | None]:
    """What a form for many tickets changes (T6): the fields the user
    filled in or emptied, not the ones left as they started, so that a
    field their values differ in, left empty, leaves each its own."""
    return {name: value for name, value in values.items()
            if value != (initial.get(name) or None)}


def typed_value(ticket: Ticket, name: str) -> str:
    """A ticket's value as a person would type it again (what a form starts
    with); empty text for no value."""
    if name in Ticket.__struct_fields__ and name != "props":
        value = getattr(ticket, name)
    else:
        value = ticket.props.get(name)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
