"""An ordered choice of properties, edited in a dialog: the frame shared by
a stage's conditional properties (S7) and a pipeline's card properties (P7).

Add (from a picker of what may be offered), reorder and remove; a subclass
says what may be offered, how a row reads, and what finishing does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from core import Actor, Desk
from core.model import PropertyDef
from core.present import property_label
from tui.screens.dialogs import DeskDialog, ResultT
from tui.widgets.pick_list import PickList


class PropertyChoiceDialog(DeskDialog[ResultT]):
    """The list is `self.names`, in order. Subclasses give the words
    (`heading`, `intro`, `empty`, `hint`), what may be `offered`, and what
    `action_done` does; `row` may add to a row's text."""

    # The bindings every such dialog has; subclasses add their own.
    CHOICE_BINDINGS = [
        Binding("a", "add", "Add", id="{prefix}.add"),
        Binding("K,shift+up", "move(-1)", "Up", show=False, id="{prefix}.up"),
        Binding("J,shift+down", "move(1)", "Down", show=False, id="{prefix}.down"),
        Binding("d", "remove", "Remove", id="{prefix}.remove"),
    ]

    def __init__(self, desk: Desk, actor: Actor, names: Sequence[str]) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.names = list(names)

    # -- what a subclass says ----------------------------------------------------

    def heading(self) -> Content:
        raise NotImplementedError

    def intro(self) -> str:
        raise NotImplementedError

    def empty(self) -> str:
        raise NotImplementedError

    def hint(self) -> str:
        raise NotImplementedError

    def offered(self) -> list[PropertyDef]:
        raise NotImplementedError

    def row(self, name: str) -> str:
        return ""

    def kept_problem(self, names: list[str]) -> str | None:
        """Why the list may not become `names` (the desk's rule, checked as
        the edit is made), or None."""
        return None

    def action_done(self) -> None:
        raise NotImplementedError

    # -- the dialog ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(self.heading())
            yield Static(Content(self.intro()))
            yield PickList(id="chosen")
            yield Static(Content(self.empty()), id="none-chosen")
            yield self.error_line()
            yield self.hint_line(self.hint())
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.show_names(0)

    @property
    def cursor(self) -> int | None:
        return self.query_one("#chosen", OptionList).highlighted

    def label(self, name: str) -> str:
        return property_label(self.desk.config, name)

    def show_names(self, highlight: int | None) -> None:
        options = self.query_one("#chosen", OptionList)
        options.clear_options()
        options.add_options(
            Option(Content(f"{n}. {self.label(name):<28} {self.row(name)}".rstrip()))
            for n, name in enumerate(self.names, start=1))
        options.display = bool(self.names)
        self.query_one("#none-chosen").display = not self.names
        if self.names and highlight is not None:
            options.highlighted = max(0, min(highlight, len(self.names) - 1))
        options.focus()

    def action_add(self) -> None:
        self.clear_error()
        offered = [p for p in self.offered() if p.name not in self.names]
        if not offered:
            self.show_error("Every property that can be chosen is on the list already.")
            return

        def picked(name: str | None) -> None:
            if name is not None:
                self.names.append(name)
                self.show_names(len(self.names) - 1)

        self.app.push_screen(PropertyPicker(offered), picked)

    def action_move(self, step: int) -> None:
        n = self.cursor
        if n is None or not 0 <= n + step < len(self.names):
            return
        self.names.insert(n + step, self.names.pop(n))
        self.show_names(n + step)

    def action_remove(self) -> None:
        n = self.cursor
        if n is None or not self.names:
            return
        kept = self.names[:n] + self.names[n + 1:]
        problem = self.kept_problem(kept)
        if problem:
            self.show_error(problem)
            return
        self.clear_error()
        self.names = kept
        self.show_names(n)

    @on(OptionList.OptionSelected, "#chosen")
    def _enter(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_done()

    def action_cancel(self) -> None:
        self.dismiss(self.cancelled())

    def cancelled(self) -> Any:
        return None


def choice_bindings(prefix: str) -> list[Binding]:
    """The shared bindings with ids of the dialog's own (`prefix`.add …)."""
    return [Binding(b.key, b.action, b.description, show=b.show,
                    id=(b.id or "").format(prefix=prefix))
            for b in PropertyChoiceDialog.CHOICE_BINDINGS]


class PropertyPicker(DeskDialog[str | None]):
    """Picks one property; dismisses with its name, or None (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="property_picker.cancel")]

    def __init__(self, offered: Sequence[PropertyDef]) -> None:
        super().__init__()
        self.offered = list(offered)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("Add a property")
            yield PickList(*(Option(Content(f"{p.label}  ({p.type.value})"), id=p.name)
                             for p in self.offered), id="offered")
            yield self.hint_line("↑ ↓ choose · Enter adds · Esc cancels")
        yield Footer(compact=True)

    @on(OptionList.OptionSelected, "#offered")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
