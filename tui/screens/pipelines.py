"""Pipeline selection (key `p` on the board): the pipelines in their order
(P4), with their open and closed ticket counts; open one, create (P2),
rename (P3), reorder (P4) and delete (P5) from here, and choose who may
view and edit each (P6, tui/screens/pipeline_access.py).

Every change goes through `Desk`. Whatever a rule refuses (a label taken, a
pipeline that still holds tickets, the last pipeline) is shown as the desk
words it, and nothing changes. The list follows the desk's notices, so a
pipeline made, renamed or filled in another terminal shows up here too.

Its dialogs are the shared ones of tui/screens/dialogs.py (`LabelPrompt`,
`ConfirmDialog`, `MessageDialog`), so they look and answer as every other
screen's do.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from core.model import Pipeline
from core.present import count
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen
from tui.widgets.unread_badge import UnreadBadge

# The columns after the label, with the narrowest width each may have (at
# least its header's). The counts say "tickets": "Open" alone beside
# "Stages" reads as a count of open stages.
NUMBER_COLUMNS = (("Stages", 6), ("Open tickets", 6), ("Closed tickets", 6))
# DataTable pads every cell by one on each side.
CELL_PADDING = 2
# Room kept free at the right for the table's vertical scrollbar.
SCROLLBAR = 2
# A label is cut (with …) rather than narrowed below this.
MIN_LABEL_WIDTH = 12


class PipelineSelectScreen(TableScreen[str | None]):
    """`PipelineSelectScreen(desk, actor, current=None)`; dismisses with the
    id of the pipeline whose board to open, or None (Escape)."""

    # Every binding has an id, so that a keymap can rebind it.
    BINDINGS = [
        # priority: the table would take Enter for itself and keep it out of
        # the footer; here it shows as "Open" and does just that.
        Binding("enter", "open", "Open", id="pipelines.open", priority=True),
        Binding("n", "create", "New", id="pipelines.create"),
        Binding("r", "rename", "Rename", id="pipelines.rename"),
        Binding("K,shift+up", "reorder(-1)", "Move up", id="pipelines.move_up"),
        Binding("J,shift+down", "reorder(1)", "Move down", id="pipelines.move_down"),
        Binding("d", "delete", "Delete", id="pipelines.delete"),
        Binding("escape", "back", "Back", id="pipelines.back"),
        # After Back: the footer is full at 80 columns; the hint names it.
        Binding("e", "stages", "Stages", id="pipelines.stages"),
        Binding("a", "access", "Access", show=False, id="pipelines.access"),
        # The arrows are the table's own; j / k as in the board and other
        # terminal tools.
        Binding("j", "cursor(1)", "Next", show=False, id="pipelines.next"),
        Binding("k", "cursor(-1)", "Previous", show=False, id="pipelines.previous"),
    ]

    def __init__(self, desk: Desk, actor: Actor, current: str | None = None) -> None:
        super().__init__(desk, actor)
        self.current = current
        # A notice asks for one redraw; several in one go get one.
        self._redraw_due = False

    # -- layout -------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(Content("Pipelines"), id="pipelines-title")
        # The footer has room for one key per action; the other keys in words.
        yield Static(Content("j k or ↑ ↓ choose · K J or Shift+↑ ↓ move it · "
                             "e stages · a access"), id="pipelines-hint")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="pipelines-table",
                                    classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_pipelines(select=self.current)
        self.table.focus()

    def on_resize(self) -> None:
        # The label column takes what the screen has to spare.
        self.show_pipelines(select=self.highlighted)

    def show_pipelines(self, select: str | None = None) -> None:
        """Rebuild the list from the desk; the cursor goes to `select`, or
        stays on its row when that pipeline is gone (deleted elsewhere)."""
        self._redraw_due = False
        table = self.table
        row_before = table.cursor_row
        scrolled = table.scroll_y
        pipelines = self.desk.pipelines(self.actor)
        rows = [self._row(n, p) for n, p in enumerate(pipelines, start=1)]
        table.clear(columns=True)
        widths = self._widths(rows)
        headers = ["#", "Label", *(name for name, _ in NUMBER_COLUMNS)]
        for n, (header, width) in enumerate(zip(headers, widths, strict=True)):
            table.add_column(Text(header, justify="left" if n == 1 else "right"),
                             width=width)
        for pipeline, row in zip(pipelines, rows, strict=True):
            label = Text(str(row[1]))
            label.truncate(widths[1], overflow="ellipsis")
            table.add_row(*(label if n == 1 else Text(str(cell), justify="right")
                            for n, cell in enumerate(row)), key=pipeline.id)
        self._update_title(len(pipelines))
        if not pipelines:
            return
        ids = [p.id for p in pipelines]
        target = ids.index(select) if select in ids else min(row_before, len(ids) - 1)
        # Clearing the table scrolls it home; a redraw for a change made
        # elsewhere should not make the list jump. Put the view back first
        # (once the new rows are measured), then bring the cursor into it.
        self.call_after_refresh(table.scroll_to, y=scrolled, animate=False)
        table.move_cursor(row=max(0, target), animate=False)

    def _row(self, n: int, pipeline: Pipeline) -> tuple[str, str, str, str, str]:
        counts = self.desk.stage_counts(pipeline.id, self.actor)
        opened = sum(counts.get(s.id, 0) for s in pipeline.stages if s.is_open)
        closed = sum(counts.get(s.id, 0) for s in pipeline.stages if not s.is_open)
        return (str(n), pipeline.label, count(len(pipeline.stages)), count(opened),
                count(closed))

    def _widths(self, rows: list[tuple[str, str, str, str, str]]) -> list[int]:
        """Column widths: the numbers as wide as they need, the label the
        rest of the screen (cut with … beyond that)."""
        number = max([1, *(len(str(r[0])) for r in rows)])
        counts = [max([least, len(header), *(len(str(r[i])) for r in rows)])
                  for i, (header, least) in enumerate(NUMBER_COLUMNS, start=2)]
        taken = number + sum(counts) + CELL_PADDING * (2 + len(counts)) + SCROLLBAR
        room = max(MIN_LABEL_WIDTH, self.app.size.width - taken)
        label = min(room, max([len("Label"), *(len(r[1]) for r in rows)]))
        return [number, label, *counts]

    def _update_title(self, shown: int) -> None:
        if shown:
            title = Content(f"Pipelines ({count(shown)})")
        else:
            # P6: someone may be allowed to see none.
            title = Content("Pipelines · none you may view")
        self.query_one("#pipelines-title", Static).update(title)

    # -- following the desk --------------------------------------------------------

    def _on_notice(self, notice: Notice) -> None:
        # Any notice may change the list: pipeline settings, or a ticket
        # created, moved or deleted (the counts). Redraw once after the
        # current batch of messages, not once per notice.
        if not self._redraw_due:
            self._redraw_due = True
            self.call_after_refresh(self._redraw_if_due)

    def _redraw_if_due(self) -> None:
        if self._redraw_due and self.is_mounted:
            self.show_pipelines(select=self.highlighted)

    # -- actions ------------------------------------------------------------

    def action_open(self) -> None:
        pipeline_id = self.highlighted
        if pipeline_id is not None:
            self.dismiss(pipeline_id)

    @on(DataTable.RowSelected, "#pipelines-table")
    def _row_clicked(self, event: DataTable.RowSelected) -> None:
        # Enter is the screen's (above); this is a click on the highlighted row.
        self.dismiss(str(event.row_key.value))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        def create(label: str) -> str:
            return self.desk.create_pipeline(label, self.actor).id

        def created(pipeline_id: str | None) -> None:
            self.show_pipelines(select=pipeline_id or self.highlighted)

        self.app.push_screen(LabelPrompt("New pipeline", create), created)

    def action_rename(self) -> None:
        pipeline_id = self.highlighted
        label = self._label_of(pipeline_id)
        if pipeline_id is None or label is None:
            return

        def rename(new_label: str) -> str:
            return self.desk.rename_pipeline(pipeline_id, new_label, self.actor).id

        def renamed(_: str | None) -> None:
            self.show_pipelines(select=pipeline_id)

        self.app.push_screen(LabelPrompt(f"Rename pipeline '{label}'", rename, value=label),
                             renamed)

    def _label_of(self, pipeline_id: str | None) -> str | None:
        """The pipeline's label now; None (and the list redrawn) when it is
        gone, deleted in another terminal since the list was drawn."""
        if pipeline_id is None:
            return None
        try:
            return self.desk.pipeline(pipeline_id, self.actor).label
        except DeskError:
            self.show_pipelines()
            return None

    def action_reorder(self, step: int) -> None:
        """K / J: one place up or down; the cursor stays on the pipeline.

        Positions count the pipelines in this list, which is every pipeline
        as long as everyone may view all of them (P6 will change that)."""
        pipeline_id = self.highlighted
        if pipeline_id is None:
            return
        target = self.table.cursor_row + step
        if not 0 <= target < self.table.row_count:
            return  # first or last already: there is nowhere to go
        try:
            self.desk.reorder_pipeline(pipeline_id, target + 1, self.actor)
        except DeskError as err:
            self.app.push_screen(MessageDialog("Pipeline not moved", err.message))
            return
        self.show_pipelines(select=pipeline_id)

    def action_stages(self) -> None:
        """The stage editor of the highlighted pipeline."""
        from tui.screens.stage_editor import StageEditorScreen

        pipeline_id = self.highlighted
        if pipeline_id is None or self._label_of(pipeline_id) is None:
            return
        self.app.push_screen(StageEditorScreen(self.desk, self.actor, pipeline_id),
                             lambda _: self.show_pipelines(select=pipeline_id))

    def action_access(self) -> None:
        """P6: who may view and edit the highlighted pipeline."""
        from tui.screens.pipeline_access import PipelineAccessDialog

        pipeline_id = self.highlighted
        if pipeline_id is None or self._label_of(pipeline_id) is None:
            return
        pipeline = self.desk.pipeline(pipeline_id, self.actor)
        self.app.push_screen(PipelineAccessDialog(self.desk, self.actor, pipeline),
                             lambda _: self.show_pipelines(select=pipeline_id))

    def action_delete(self) -> None:
        pipeline_id = self.highlighted
        label = self._label_of(pipeline_id)
        if pipeline_id is None or label is None:
            return
        try:
            # P5 first: asking "cannot be undone?" about a pipeline the desk
            # then refuses to delete wastes a key and reads as a promise.
            self.desk.check_delete_pipeline(pipeline_id, self.actor)
        except DeskError as err:
            self.app.push_screen(MessageDialog("Pipeline not deleted", err.message))
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk.delete_pipeline(pipeline_id, self.actor)
            except DeskError as err:
                # P5: the desk says how many tickets, and what to do (a
                # ticket may have come in from elsewhere since the check).
                self.app.push_screen(MessageDialog("Pipeline not deleted", err.message))
                return
            self.show_pipelines(select=self.highlighted)

        self.app.push_screen(
            ConfirmDialog("Delete pipeline?",
                          f"'{label}' and its stages will be deleted. This cannot be undone."),
            confirmed)

