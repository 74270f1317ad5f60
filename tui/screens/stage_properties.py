"""Conditional stage properties (S7), from the stage editor (key `p`).

The dialog edits one stage's ordered list of properties, each required or
not, and hands the list back: the stage editor keeps it with its other
unsaved edits, so it is saved or dropped with them (S8). Read-only and
calculated properties are never offered, nor archived ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Static

from core import Actor, Desk
from core.model import PropertyDef, StageProperty
from tui.screens.property_choice import PropertyChoiceDialog, choice_bindings
from tui.widgets.pick_list import PickList

# Words, not colour alone, say which is which (16 colours, no colour).
REQUIRED = "✱ required"
OPTIONAL = "  optional"


class StagePropertiesDialog(PropertyChoiceDialog[list[StageProperty] | None]):
    """`StagePropertiesDialog(desk, actor, stage_label, chosen)`; dismisses
    with the new list (w, Ctrl+S, Enter, or the Done button), or None
    (Escape, or the Cancel button)."""

    BINDINGS = [
        *choice_bindings("stage_props"),
        Binding("r,space", "required", "Required", id="stage_props.required"),
        # Two keys: some terminals keep Ctrl+S for flow control.
        Binding("w,ctrl+s", "done", "Done", id="stage_props.done"),
        Binding("escape", "cancel", "Cancel", id="stage_props.cancel"),
    ]

    def __init__(self, desk: Desk, actor: Actor, stage_label: str,
                 chosen: Sequence[StageProperty]) -> None:
        super().__init__(desk, actor, [sp.name for sp in chosen])
        self.stage_label = stage_label
        self.required = {sp.name for sp in chosen if sp.required}

    def compose(self) -> ComposeResult:
        # The shared frame's body, with buttons: a mouse user, or one who
        # tabs to Done, finishes without knowing the keys.
        with Vertical(classes="dialog"):
            yield self.title_line(self.heading())
            yield Static(Content(self.intro()))
            yield PickList(id="chosen")
            yield Static(Content(self.empty()), id="none-chosen")
            yield self.error_line()
            yield self.hint_line(self.hint())
            with Horizontal(classes="dialog-buttons"):
                yield Button("Done", id="stage-props-done", compact=True)
                yield Button("Cancel", id="stage-props-cancel", compact=True)
        yield Footer(compact=True)

    def heading(self) -> Content:
        # assemble: the label is text, even when it holds "[".
        return Content.assemble("Properties asked for in '", self.stage_label, "'")

    def intro(self) -> str:
        return ("Asked for when a user creates a ticket in this stage or moves one "
                "into it; a required one must be given.")

    def empty(self) -> str:
        return "No properties: tickets enter without questions."

    def hint(self) -> str:
        # Two lines broken by hand: a wrap would split one key from its word.
        return ("a add · d remove · r or Space required/optional\n"
                "K J or Shift+↑ ↓ move · Enter, w or Ctrl+S done · Esc cancel")

    def offered(self) -> list[PropertyDef]:
        return [p for p in self.desk.properties(self.actor)
                if not p.read_only and not p.archived]

    def row(self, name: str) -> str:
        return REQUIRED if name in self.required else OPTIONAL

    def action_required(self) -> None:
        n = self.cursor
        if n is not None and self.names:
            self.required ^= {self.names[n]}
            self.show_names(n)

    def action_remove(self) -> None:
        # Added again later, it comes back optional, as any addition does.
        n = self.cursor
        if n is not None and self.names:
            self.required.discard(self.names[n])
        super().action_remove()

    def action_done(self) -> None:
        self.dismiss([StageProperty(name=n, required=n in self.required) for n in self.names])

    @on(Button.Pressed, "#stage-props-done")
    def _done_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_done()

    @on(Button.Pressed, "#stage-props-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()
