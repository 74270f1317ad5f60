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
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from core import Actor, Desk, DeskError
from core.model import PropertyDef, StageProperty
from tui.screens.dialogs import DeskDialog

REQUIRED = "✱ required"
OPTIONAL = "  optional"


class StagePropertiesDialog(DeskDialog[list[StageProperty] | None]):
    """`StagePropertiesDialog(desk, actor, stage_label, chosen)`; dismisses
    with the new list (w, Ctrl+S or Enter), or None (Escape)."""

    BINDINGS = [
        Binding("a", "add", "Add", id="stage_props.add"),
        Binding("r,space", "required", "Required", id="stage_props.required"),
        Binding("K,shift+up", "move(-1)", "Up", show=False, id="stage_props.up"),
        Binding("J,shift+down", "move(1)", "Down", show=False, id="stage_props.down"),
        Binding("d", "remove", "Remove", id="stage_props.remove"),
        # Two keys: some terminals keep Ctrl+S for flow control.
        Binding("w,ctrl+s", "done", "Done", id="stage_props.done"),
        Binding("escape", "cancel", "Cancel", id="stage_props.cancel"),
    ]

    DEFAULT_CSS = """
    StagePropertiesDialog > .dialog { width: 64; }
    StagePropertiesDialog #chosen {
        height: auto; max-height: 12; border: none; padding: 0; margin-top: 1;
        background: $surface;
    }
    """

    def __init__(self, desk: Desk, actor: Actor, stage_label: str,
                 chosen: Sequence[StageProperty]) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.stage_label = stage_label
        self.chosen = [sp.model_copy() for sp in chosen]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble("Properties asked for in '",
                                                   self.stage_label, "'"))
            yield Static(Content("Asked for when a user creates a ticket in this stage or "
                                 "moves one into it; a required one must be given."))
            yield OptionList(id="chosen")
            yield Static(Content("No properties: tickets enter without questions."),
                         id="none-chosen")
            yield self.error_line()
            yield self.hint_line("a add · r or Space required/optional · K J move · d remove "
                                 "· Enter or w done · Esc cancel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show(0)

    @property
    def cursor(self) -> int | None:
        return self.query_one("#chosen", OptionList).highlighted

    def _label(self, name: str) -> str:
        try:
            return self.desk.property(name).label
        except DeskError:
            return name

    def _show(self, highlight: int | None) -> None:
        options = self.query_one("#chosen", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(f"{n}. {self._label(sp.name):<28} "
                           f"{REQUIRED if sp.required else OPTIONAL}"))
            for n, sp in enumerate(self.chosen, start=1))
        options.display = bool(self.chosen)
        self.query_one("#none-chosen").display = not self.chosen
        if self.chosen and highlight is not None:
            options.highlighted = max(0, min(highlight, len(self.chosen) - 1))
        options.focus()

    def offered(self) -> list[PropertyDef]:
        """What may be added: not read-only, not archived, not chosen yet."""
        taken = {sp.name for sp in self.chosen}
        return [p for p in self.desk.properties(self.actor)
                if not p.read_only and not p.archived and p.name not in taken]

    def action_add(self) -> None:
        self.clear_error()
        offered = self.offered()
        if not offered:
            self.show_error("Every property that can be asked for is on the list already.")
            return

        def picked(name: str | None) -> None:
            if name is not None:
                self.chosen.append(StageProperty(name=name))
                self._show(len(self.chosen) - 1)

        self.app.push_screen(PropertyPicker(offered), picked)

    def action_required(self) -> None:
        n = self.cursor
        if n is not None and self.chosen:
            self.chosen[n].required = not self.chosen[n].required
            self._show(n)

    def action_move(self, step: int) -> None:
        n = self.cursor
        if n is None or not 0 <= n + step < len(self.chosen):
            return
        self.chosen.insert(n + step, self.chosen.pop(n))
        self._show(n + step)

    def action_remove(self) -> None:
        n = self.cursor
        if n is not None and self.chosen:
            del self.chosen[n]
            self._show(n)

    @on(OptionList.OptionSelected, "#chosen")
    def _enter(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_done()

    def action_done(self) -> None:
        self.dismiss(self.chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PropertyPicker(DeskDialog[str | None]):
    """Picks one property; dismisses with its name, or None (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="stage_props.pick.cancel")]

    DEFAULT_CSS = """
    PropertyPicker > .dialog { width: 48; }
    PropertyPicker OptionList {
        height: auto; max-height: 14; border: none; padding: 0; background: $surface;
    }
    """

    def __init__(self, offered: Sequence[PropertyDef]) -> None:
        super().__init__()
        self.offered = list(offered)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("Add a property")
            yield OptionList(*(Option(Content(f"{p.label}  ({p.type.value})"), id=p.name)
                               for p in self.offered), id="offered")
            yield self.hint_line("↑ ↓ choose · Enter adds · Esc cancels")
        yield Footer(compact=True)

    @on(OptionList.OptionSelected, "#offered")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
