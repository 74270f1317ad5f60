"""The contact field of the ticket form and of the detail's editor: type a
few letters of a name or an address, and the desk's contacts that fit show
in a list below the field.

The keys stay in the field: ↓ / ↑ move through the list (↓ opens it on an
empty field), Enter takes the highlighted contact, Escape closes the list.
When no contact has the address typed, the list ends with "Add contact …":
the picker says so with `AddContact`, and the screen opens the contact
dialog and hands the new contact back with `fill`. The picker only finds
and fills; the desk checks what the field holds when the ticket is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from core.present import contact_line
from core.records import Contact

# The list shows this many contacts at most (a desk may hold thousands);
# typing more of a name narrows it.
SHOWN = 50
ADD_OPTION = "--add-contact"
MORE_OPTION = "--more"


def add_label(typed: str) -> str:
    return f"Add contact {typed.strip()}…" if typed.strip() else "Add a contact…"


class ContactPicker(Widget):
    """`ContactPicker(value, find, input_id=…)`: an `Input` (with the id
    `input_id`, so a form reads it as any other field; `compact` as the
    form's other fields) and the list of what `find(text)` gives for the
    text typed."""

    DEFAULT_CSS = """
    ContactPicker { height: auto; width: 1fr; }
    ContactPicker > Input { width: 1fr; }
    /* The list floats over what is below the field, as a choice's does,
     * framed so its rows are not taken for fields. */
    ContactPicker > _ContactList {
        display: none; width: 1fr; height: auto; max-height: 9;
        overlay: screen; constrain: none inside;
        border: round $primary; padding: 0; background: $surface;
        scrollbar-size-vertical: 1;
        /* One contact a line: a long address is cut, not wrapped. */
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    ContactPicker.-open > _ContactList { display: block; }
    /* The keys are the list's while it is open, though the field keeps
     * the focus: its highlight is drawn as a focused list's (a choice's
     * open list looks the same). */
    ContactPicker > _ContactList > .option-list--option-highlighted {
        color: $block-cursor-foreground; background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    """

    class Picked(Message):
        """A contact was taken from the list; the field holds its email."""

        def __init__(self, picker: ContactPicker, email: str) -> None:
            super().__init__()
            self.picker = picker
            self.email = email

        @property
        def control(self) -> ContactPicker:
            return self.picker

    class AddContact(Message):
        """The user chose "Add contact …" with `typed` in the field."""

        def __init__(self, picker: ContactPicker, typed: str) -> None:
            super().__init__()
            self.picker = picker
            self.typed = typed

        @property
        def control(self) -> ContactPicker:
            return self.picker

    def __init__(self, value: str, find: Callable[[str], list[Contact]], *, input_id: str,
                 placeholder: str = "", compact: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self._compact = compact
        self.find = find
        self._value = value
        self._input_id = input_id
        self._placeholder = placeholder
        # The email just filled in: its own Changed must not open the list.
        self._filled: str | None = None

    def compose(self) -> ComposeResult:
        # select_on_focus off: Tab back into a filled field must not arm
        # the next key to wipe it (as the ticket form's other fields).
        yield _ContactField(self._value, placeholder=self._placeholder, id=self._input_id,
                            compact=self._compact, select_on_focus=False)
        yield _ContactList()

    @property
    def field(self) -> Input:
        return self.query_one(Input)

    @property
    def choices(self) -> OptionList:
        return self.query_one(_ContactList)

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    # -- the list -------------------------------------------------------------------

    def show_list(self) -> None:
        """Fill the list for the text in the field, and open it."""
        typed = self.field.value
        found = self.find(typed)
        # Text, not str: an option's str is read as markup, and a name may
        # hold "[".
        options: list[Option] = [Option(Text(contact_line(c)), id=c.email)
                                 for c in found[:SHOWN]]
        if len(found) > SHOWN:
            options.append(Option(Text(f"… {len(found) - SHOWN:,} more: type more of a name "
                                       "or address", style="italic"),
                                  id=MORE_OPTION, disabled=True))
        folded = typed.strip().casefold()
        if not any(c.email.casefold() == folded for c in found):
            options.append(Option(Text(add_label(typed), style="bold"), id=ADD_OPTION))
        choices = self.choices
        choices.set_options(options)
        choices.highlighted = 0
        self.add_class("-open")
        self.refresh_bindings()

    def close_list(self) -> None:
        self.remove_class("-open")
        self.refresh_bindings()

    def fill(self, email: str) -> None:
        """Put `email` in the field (a contact picked, or just added)."""
        self._filled = email
        field = self.field
        field.value = email
        field.cursor_position = len(email)
        self.close_list()

    def action_move(self, step: int) -> None:
        if not self.is_open:
            if step < 0:
                raise SkipAction()
            self.show_list()
            return
        if step > 0:
            self.choices.action_cursor_down()
        else:
            self.choices.action_cursor_up()

    def action_close(self) -> None:
        if not self.is_open:
            raise SkipAction()
        self.close_list()

    def _take(self, option: Option) -> None:
        if option.id == ADD_OPTION:
            self.close_list()
            self.post_message(self.AddContact(self, self.field.value))
        elif option.id is not None and option.id != MORE_OPTION:
            self.fill(option.id)
            self.post_message(self.Picked(self, option.id))

    # -- the field's events ------------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.value == self._filled:
            return
        self._filled = None
        if not event.input.has_focus:
            return
        if event.value.strip():
            self.show_list()
        else:
            self.close_list()

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        # Enter takes the highlighted entry while the list is open; with it
        # closed, Enter goes on to the screen (create, save).
        if not self.is_open:
            return
        option = self.choices.highlighted_option
        if option is None:
            self.close_list()
            return
        event.stop()
        self._take(option)

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._take(event.option)
        self.field.focus()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if event.widget is self.field:
            self.close_list()


class _ContactField(Input):
    """The field of the picker. Its keys are bound here, ahead of the
    Input's own ↑ ↓ (which scroll), so that they work and the footer says
    what they do; the picker does the work."""

    BINDINGS = [
        Binding("down", "move(1)", "Contacts", id="contact_picker.down"),
        Binding("up", "move(-1)", "Up", show=False, id="contact_picker.up"),
        Binding("escape", "close", "Close list", id="contact_picker.close"),
    ]

    @property
    def picker(self) -> ContactPicker:
        parent = self.parent
        assert isinstance(parent, ContactPicker)
        return parent

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Escape and ↑ belong to the list only while it is open; otherwise
        # Escape reaches the dialog (cancel), and the footer leaves them out.
        if action == "close" or (action == "move" and parameters == (-1,)):
            return self.picker.is_open
        return super().check_action(action, parameters)

    def action_move(self, step: int) -> None:
        self.picker.action_move(step)

    def action_close(self) -> None:
        self.picker.action_close()


class _ContactList(OptionList, can_focus=False):
    """The keys stay in the field: the list never takes the focus (Tab goes
    from field to field as before)."""
