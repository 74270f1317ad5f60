"""Card properties (P7), key `c` on the board: the properties a pipeline's
cards show, in order. Saved through `Desk.set_card_properties`; the board
follows the desk's notice at once, as it follows any settings change.

The subject is always a card's first line; the others, in this order, make
its second. Read-only properties (age, create date …) may be shown.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content

from core import Actor, Desk, DeskError
from core.model import PropertyDef
from core.rules import card_properties_problem
from tui.screens.property_choice import PropertyChoiceDialog, choice_bindings


class CardPropertiesDialog(PropertyChoiceDialog[bool]):
    """`CardPropertiesDialog(desk, actor, pipeline_id)`; dismisses True once
    saved (w, Ctrl+S or Enter), False when cancelled (Escape)."""

    BINDINGS = [
        *choice_bindings("cards"),
        # Two keys: some terminals keep Ctrl+S for flow control.
        Binding("w,ctrl+s", "done", "Save", id="cards.save"),
        Binding("escape", "cancel", "Cancel", id="cards.cancel"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str) -> None:
        pipeline = desk.pipeline(pipeline_id, actor)
        super().__init__(desk, actor, pipeline.card_properties)
        self.pipeline_id = pipeline.id
        self.pipeline_label = pipeline.label

    def heading(self) -> Content:
        return Content.assemble("Cards of '", self.pipeline_label, "' show")

    def intro(self) -> str:
        return "The subject heads every card; the others make its second line, in this order."

    def empty(self) -> str:
        return "Nothing but the subject."

    def hint(self) -> str:
        return "a add · K J move · d remove · Enter or w saves · Esc cancels"

    def kept_problem(self, names: list[str]) -> str | None:
        # P7: the subject stays (the desk refuses a list without it).
        return card_properties_problem(names)

    def offered(self) -> list[PropertyDef]:
        return [p for p in self.desk.properties(self.actor) if not p.archived]

    def action_done(self) -> None:
        try:
            self.desk.set_card_properties(self.pipeline_id, self.names, self.actor)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(True)

    def cancelled(self) -> bool:
        return False
