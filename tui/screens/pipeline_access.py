"""Who may view and who may edit a pipeline (P6): the dialog of key `a`
in pipeline selection.

Two columns side by side, "May view" and "May edit", each either
everyone (the default) or the users and teams ticked in its list. Saved
through `Desk.set_pipeline_access`, which decides who may hand out access
(administrators): anyone else's save is refused there, and the refusal
shows here.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Checkbox, Footer, OptionList, Static

from core import Actor, Desk, DeskError
from core.model import Pipeline
from tui.screens.dialogs import DeskDialog
from tui.widgets.check_list import CheckList
from tui.widgets.flag_box import FlagBox

SIDES = (("view", "May view"), ("edit", "May edit"))


def audience(desk: Desk, actor: Actor) -> list[tuple[str, str]]:
    """Whom a pipeline's access may name, as P6 writes them: the teams,
    then the active agents (administrators see every pipeline anyway)."""
    teams = [(f"team:{t.id}", f"Team {t.name}") for t in desk.teams(actor)]
    users = [(f"user:{u.id}", u.name) for u in desk.users(actor)
             if u.active and u.role != "administrator"]
    return teams + users


class PipelineAccessDialog(DeskDialog[str | None]):
    """`PipelineAccessDialog(desk, actor, pipeline)`; dismisses with the
    pipeline's id once the desk saved its access, or None (Escape)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="access.cancel"),
        Binding("ctrl+s", "save", "Save", id="access.save"),
        # On the switches and in the lists (which take Enter themselves,
        # below): Enter saves.
        Binding("enter", "save", "Save", id="access.save_enter"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline: Pipeline) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.pipeline = pipeline

    def compose(self) -> ComposeResult:
        people = audience(self.desk, self.actor)
        access = self.pipeline.access
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble("Access to ", (self.pipeline.label, "bold")))
            with Horizontal(id="access-sides"):
                for side, label in SIDES:
                    named = getattr(access, side)
                    with Vertical(classes="access-side"):
                        yield Static(Content(label), classes="access-label")
                        yield FlagBox("Everyone", named is None, id=f"{side}-everyone",
                                      compact=True)
                        yield CheckList(people, named or (), id=f"{side}-list")
            yield Static(Content("Administrators view and edit every pipeline; "
                                 "editing needs viewing."), classes="access-note")
            yield self.error_line()
            yield self.hint_line("Tab next · Space ticks or switches · Enter saves · "
                                 "Esc cancels")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for side, _ in SIDES:
            self._everyone(side)
        self.query_one("#view-everyone", FlagBox).focus()

    def _everyone(self, side: str) -> None:
        """With "Everyone" on, the names do not count: their list is out
        of the way (Tab passes it)."""
        self.query_one(f"#{side}-list", CheckList).disabled = \
            self.query_one(f"#{side}-everyone", FlagBox).value

    @on(Checkbox.Changed)
    def _switched(self, event: Checkbox.Changed) -> None:
        self.clear_error()
        side = (event.checkbox.id or "").partition("-")[0]
        if side in dict(SIDES):
            self._everyone(side)

    @on(OptionList.OptionSelected)
    def _enter(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def chosen(self, side: str) -> list[str] | None:
        """None for everyone, else the names ticked (perhaps none: then
        only administrators)."""
        if self.query_one(f"#{side}-everyone", FlagBox).value:
            return None
        return self.query_one(f"#{side}-list", CheckList).ticked

    def action_save(self) -> None:
        try:
            saved = self.desk.set_pipeline_access(self.pipeline.id, self.actor,
                                                  self.chosen("view"), self.chosen("edit"))
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(saved.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
