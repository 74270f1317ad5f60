"""Conditional stage properties (S7), from the stage editor (key `p`).

The dialog edits one stage's ordered list of properties, each required or
not, and hands the list back: the stage editor keeps it with its other
unsaved edits, so it is saved or dropped with them (S8). Read-only and
calculated properties are never offered, nor archived ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.content import Content

from core import Actor, Desk
from core.model import PropertyDef, StageProperty
from tui.screens.property_choice import PropertyChoiceDialog, choice_bindings

REQUIRED = "✱ required"
OPTIONAL = "  optional"


class StagePropertiesDialog(PropertyChoiceDialog[list[StageProperty] | None]):
    """`StagePropertiesDialog(desk, actor, stage_label, chosen)`; dismisses
    with the new list (w, Ctrl+S or Enter), or None (Escape)."""

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

    def heading(self) -> Content:
        return Content.assemble("Properties asked for in '", self.stage_label, "'")

    def intro(self) -> str:
        return ("Asked for when a user creates a ticket in this stage or moves one "
                "into it; a required one must be given.")

    def empty(self) -> str:
        return "No properties: tickets enter without questions."

    def hint(self) -> str:
        return ("a add · r or Space required/optional · K J move · d remove · "
                "Enter or w done · Esc cancel")

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

    def action_done(self) -> None:
        self.dismiss([StageProperty(name=n, required=n in self.required) for n in self.names])
