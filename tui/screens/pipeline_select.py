"""Pipeline selection (key `p` on the board): pipelines in their order with
open and closed ticket counts; open one, create, rename, reorder, delete.

Every change goes through `Desk`; a refusal (P2 a label taken, P5 a pipeline
that holds tickets or is the last one) is shown as the desk words it, and
nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from tui.screens.dialogs import ConfirmDialog, DeskDialog, MessageDialog


class LabelPrompt(DeskDialog[bool]):
    """Asks for a label and hands it to `act`; a DeskError from `act` stays
    in the prompt. Dismisses True once `act` succeeded."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="label.cancel")]

    def __init__(self, title: str, act: Callable[[str], object], value: str = "") -> None:
        super().__init__()
        self.dialog_title = title
        self.act = act
        self.value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            yield Input(value=self.value, placeholder="Label", id="label-input")
            yield self.error_line()
            yield self.hint_line("Enter saves · Esc cancels")
        yield Footer(compact=True)

    @on(Input.Submitted, "#label-input")
    def _submit(self, event: Input.Submitted) -> None:
        try:
            self.act(event.value)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class PipelineSelectScreen(Screen[str | None]):
    """Dismisses with the id of the pipeline to open, or None (Escape)."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="pipelines.open"),
        Binding("n", "create", "New", id="pipelines.create"),
        Binding("r", "rename", "Rename", id="pipelines.rename"),
        Binding("K,shift+up", "reorder(-1)", "Up", id="pipelines.move_up"),
        Binding("J,shift+down", "reorder(1)", "Down", id="pipelines.move_down"),
        Binding("d", "delete", "Delete", id="pipelines.delete"),
        Binding("j", "cursor(1)", "Next", show=False, id="pipelines.next"),
        Binding("k", "cursor(-1)", "Previous", show=False, id="pipelines.previous"),
        Binding("escape", "back", "Back", id="pipelines.back"),
    ]
    DEFAULT_CSS = """
    PipelineSelectScreen #pipelines-title { height: 1; padding: 0 1; text-style: bold; }
    PipelineSelectScreen #pipelines-hint { height: 1; padding: 0 1; color: $text-muted; }
    PipelineSelectScreen DataTable { height: 1fr; border-top: solid $primary; }
    """

    def __init__(self, desk: Desk, actor: Actor, current: str | None = None) -> None:
        super().__init__(id="pipelines")
        self.desk = desk
        self.actor = actor
        self.current = current
        self._stop_following: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Pipelines", id="pipelines-title")
        # The table keeps Enter for itself (and out of the footer): say it.
        yield Static(Content("Enter opens the highlighted pipeline's board"),
                     id="pipelines-hint")
        table: DataTable[str | int | Text] = DataTable(cursor_type="row", zebra_stripes=False,
                                                id="pipelines-table")
        table.add_columns("#", "Label", "Stages", "Open", "Closed")
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._stop_following = self.desk.subscribe(self._on_notice)
        self.show_pipelines(select=self.current)
        self.query_one(DataTable).focus()

    def on_unmount(self) -> None:
        if self._stop_following is not None:
            self._stop_following()

    def _on_notice(self, notice: Notice) -> None:
        self.show_pipelines(select=self.highlighted)

    @property
    def table(self) -> DataTable[str | int | Text]:
        return self.query_one(DataTable)

    @property
    def highlighted(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def show_pipelines(self, select: str | None = None) -> None:
        table = self.table
        table.clear()
        for n, pipeline in enumerate(self.desk.pipelines(self.actor), start=1):
            counts = self.desk.stage_counts(pipeline.id, self.actor)
            open_ids = {s.id for s in pipeline.stages if s.is_open}
            opened = sum(c for sid, c in counts.items() if sid in open_ids)
            closed = sum(c for sid, c in counts.items() if sid not in open_ids)
            # Text, not markup: a label may hold "[".
            table.add_row(n, Text(pipeline.label), len(pipeline.stages), opened, closed,
                          key=pipeline.id)
        if select is not None:
            try:
                table.move_cursor(row=table.get_row_index(select))
            except Exception:  # the pipeline went away (another terminal)
                table.move_cursor(row=0)

    # -- actions -------------------------------------------------------------

    def action_open(self) -> None:
        self.dismiss(self.highlighted)

    @on(DataTable.RowSelected)
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor(self, step: int) -> None:
        table = self.table
        table.move_cursor(row=table.cursor_row + step)

    def action_create(self) -> None:
        made: list[str] = []

        def create(label: str) -> None:
            made.append(self.desk.create_pipeline(label, self.actor).id)

        keep = self.highlighted
        self.app.push_screen(LabelPrompt("New pipeline", create),
                             lambda ok: self.show_pipelines(made[0] if made else keep))

    def action_rename(self) -> None:
        pipeline_id = self.highlighted
        if pipeline_id is None:
            return
        current = self.desk.pipeline(pipeline_id, self.actor)
        self.app.push_screen(
            LabelPrompt(f"Rename '{current.label}'",
                        lambda label: self.desk.rename_pipeline(pipeline_id, label, self.actor),
                        value=current.label),
            lambda ok: self.show_pipelines(pipeline_id))

    def action_reorder(self, step: int) -> None:
        pipeline_id = self.highlighted
        if pipeline_id is None:
            return
        position = self.table.cursor_row + 1 + step
        try:
            self.desk.reorder_pipeline(pipeline_id, position, self.actor)
        except DeskError:
            return  # already first or last: nothing to do
        self.show_pipelines(pipeline_id)

    def action_delete(self) -> None:
        pipeline_id = self.highlighted
        if pipeline_id is None:
            return
        label = self.desk.pipeline(pipeline_id, self.actor).label

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk.delete_pipeline(pipeline_id, self.actor)
            except DeskError as err:
                self.app.push_screen(MessageDialog("Pipeline not deleted", err.message))
                return
            self.show_pipelines(self.highlighted)

        self.app.push_screen(ConfirmDialog("Delete pipeline?", f"'{label}'", "Delete"),
                             confirmed)
