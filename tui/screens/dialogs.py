"""Small modal dialogs and the frame every pipedesk dialog shares.

`DeskDialog` is the frame: a bordered box in the middle of the screen, a
title line, an error line for the desk's refusals, a hint line that says the
keys in words, and the footer. The ticket form, the move dialog and the keys
help build on it, so every dialog looks and answers the same way: Escape
cancels, Tab / Shift+Tab go from field to field (and a field gone back to
keeps its text, the cursor at its end), a refusal stays on screen inside the
dialog until the user fixes it or leaves.

`ConfirmDialog` asks yes or no (T5: delete after confirmation);
`MessageDialog` shows a refusal (P5) and waits to be read; `LabelPrompt`
asks for a label (a pipeline's, a stage's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Input, Static

from core import DeskError

ResultT = TypeVar("ResultT")


class DeskDialog(ModalScreen[ResultT]):
    """The frame of a pipedesk dialog. Subclasses compose their body in a
    `Vertical(classes="dialog")` from these parts, and call `show_error`
    with a DeskError's message."""

    # Tab moves between fields before the focused field sees the key: keys
    # typed ahead (a paste without bracketed paste, a burst over a slow SSH
    # link) then land in the field they were typed for. Without priority,
    # Tab bubbles up from the field first, and the keys after it are handed
    # to the field being left.
    BINDINGS = [
        Binding("tab", "app.focus_next", "Next field", show=False, priority=True,
                id="dialog.next_field"),
        Binding("shift+tab", "app.focus_previous", "Previous field", show=False,
                priority=True, id="dialog.previous_field"),
    ]

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True,
                  from_app_focus: bool = False) -> None:
        # A field reached with Tab or Shift+Tab (or a click, or on opening)
        # keeps its text as it is, the cursor at its end: Textual's Input
        # selects all of it on focus by default, and the next key typed
        # would wipe what the user went back to add to. Every focus in the
        # dialog comes through here, fields mounted later included.
        if isinstance(widget, Input):
            widget.select_on_focus = False
        super().set_focus(widget, scroll_visible, from_app_focus)

    def title_line(self, title: str | Content) -> Static:
        # Content, not str: a subject or a label may hold "[" (markup).
        text = title if isinstance(title, Content) else Content(title)
        return Static(text, classes="dialog-title")

    def error_line(self) -> Static:
        return Static(classes="dialog-error", id="dialog-error")

    def hint_line(self, hint: str) -> Static:
        return Static(Content(hint), classes="dialog-hint", id="dialog-hint")

    # The refusal on show, or empty text.
    error_text = ""

    def show_error(self, message: str) -> None:
        """Show the desk's refusal as it is; the dialog stays open."""
        self.error_text = message
        error = self.query_one("#dialog-error", Static)
        error.update(Content(f"✗ {message}"))
        error.add_class("-shown")
        # In a form taller than the screen the line may be out of view.
        error.scroll_visible(animate=False)

    def clear_error(self) -> None:
        self.error_text = ""
        self.query_one("#dialog-error", Static).remove_class("-shown")


class ConfirmDialog(DeskDialog[bool]):
    """Yes or no: `ConfirmDialog(title, message, confirm_label="Delete")`;
    dismisses with True to go ahead, False to leave things as they are.

    y confirms and n / Escape cancel from anywhere in the dialog. Enter
    presses the focused button, and for a destructive action (the default)
    the focus starts on Cancel, so an Enter typed ahead by habit deletes
    nothing. With `destructive=False` it starts on the confirm button.
    """

    BINDINGS = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        # The footer shows one key per action: n stands for Escape too.
        Binding("n", "cancel", "Cancel", id="confirm.no"),
        Binding("escape", "cancel", "Cancel", id="confirm.cancel"),
        # The two buttons sit side by side: the arrows go between them.
        Binding("left", "app.focus_previous", "Previous button", show=False,
                id="confirm.previous"),
        Binding("right", "app.focus_next", "Next button", show=False, id="confirm.next"),
    ]

    def __init__(self, title: str, message: str, confirm_label: str = "Delete", *,
                 destructive: bool = True) -> None:
        super().__init__()
        self.dialog_title = title
        self.message = message
        self.confirm_label = confirm_label
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            yield Static(Content(self.message), classes="dialog-message")
            yield self.hint_line(f"y {self.confirm_label} · n or Esc Cancel · "
                                 "← → and Enter pick a button")
            # No colour variants: the focused button, shown reversed, is the
            # one Enter presses, and nothing else should look chosen.
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.confirm_label, id="confirm-yes", compact=True)
                yield Button("Cancel", id="confirm-no", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-no" if self.destructive else "#confirm-yes").focus()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(False)


class MessageDialog(DeskDialog[None]):
    """A message to read, typically the desk's refusal:
    `MessageDialog(title, message)`; dismisses with None on Enter / Escape."""

    # Nothing takes the focus, so Enter reaches the screen's binding and
    # the footer can say what it does (a focused button would hide it).
    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("enter", "ok", "OK", id="message.ok"),
        Binding("escape", "close", "Close", id="message.close"),
    ]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.dialog_title = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            yield Static(Content(self.message), classes="dialog-message")
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", id="message-ok", compact=True, variant="primary")
        yield Footer(compact=True)

    def action_ok(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#message-ok")
    def _ok(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)


class LabelPrompt(DeskDialog[str | None]):
    """Asks for one line of text (a label, by default) and hands it to
    `act`, which returns the id of what it made or renamed; dismisses with
    that id, or None (Escape). A DeskError from `act` is shown in the
    prompt, which stays open. `placeholder` says what to type."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, act: Callable[[str], str], value: str = "",
                 placeholder: str = "Label") -> None:
        super().__init__()
        self.dialog_title = title
        self.act = act
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            yield Input(value=self.value, placeholder=self.placeholder, id="label-input")
            yield self.error_line()
            yield Static(Content("Enter saves · Esc cancels"), classes="dialog-hint")
        yield Footer(compact=True)

    @on(Input.Submitted, "#label-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            made = self.act(event.value)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(made)

    @on(Input.Changed, "#label-input")
    def _typing(self, event: Input.Changed) -> None:
        # The refusal was about the label before this change.
        self.clear_error()

    def action_cancel(self) -> None:
        self.dismiss(None)
