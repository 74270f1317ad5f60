"""Picks one stage of a pipeline (an email trigger's target, A3a / A3b):
the stages in order with Open / Closed, the current one marked."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from core.model import Pipeline
from core.text import show_line
from tui.screens.dialogs import DeskDialog
from tui.widgets.pick_list import PickList


class StagePicker(DeskDialog[str | None]):
    """`StagePicker(title, pipeline, current)`; dismisses with the stage id
    picked, or None (Escape)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="stage_picker.cancel")]

    def __init__(self, title: str, pipeline: Pipeline, current: str | None) -> None:
        super().__init__()
        self.dialog_title = title
        self.pipeline = pipeline
        self.current = current

    def compose(self) -> ComposeResult:
        width = max(len(s.label) for s in self.pipeline.stages)
        options = []
        for stage in self.pipeline.stages:
            mark = "●" if stage.id == self.current else " "
            options.append(Option(Content(
                f"{mark} {show_line(stage.label).ljust(width)}  ({stage.state.value})"),
                id=stage.id))
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            yield PickList(*options, id="stages")
            yield self.hint_line("↑ ↓ or j k choose · Enter picks · Esc cancels")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        stages = self.query_one("#stages", OptionList)
        ids = [s.id for s in self.pipeline.stages]
        if self.current in ids:
            stages.highlighted = ids.index(self.current)

    @on(OptionList.OptionSelected, "#stages")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
