"""The board: one pipeline, its stages as columns, the newest tickets in each.

It follows the desk: every Notice (a change made here or noticed from
another process) redraws the columns in place, and a change to the
pipeline's stages rebuilds them.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.app import ComposeResult
from textual.containers import HorizontalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from core import Actor, Desk
from core.events import Notice
from tui.screens.board_view import BoardView, board_view
from tui.widgets.stage_column import StageColumn

EMPTY_DESK_HINT = "No tickets yet — run `pipedesk demo` for sample tickets"
EMPTY_PIPELINE_HINT = "No tickets in this pipeline yet"

# Narrower than this and "Waiting on contact" no longer fits a column. When
# the stages do not fit side by side at this width, the columns keep it and
# the board scrolls sideways (the arrow keys scroll it) instead.
MIN_COLUMN_WIDTH = 20


class BoardScreen(Screen[None]):
    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str | None = None) -> None:
        super().__init__(id="board")
        self.desk = desk
        self.actor = actor
        self.pipeline_id = pipeline_id
        self._shape: list[str] = []
        self._stop_following: Callable[[], None] | None = None

    def compose(self) -> ComposeResult:
        view = self._look()
        hint = Static(hint_line(view), id="board-hint")
        hint.display = view.total == 0
        yield Static(title_line(view), id="pipeline-title")
        yield hint
        with HorizontalScroll(id="stage-columns") as columns:
            columns.set_class(crowded(len(view.columns), self.app.size.width), "crowded")
            for column in view.columns:
                yield StageColumn(column)
        yield Footer()

    def on_resize(self, event: events.Resize) -> None:
        # A query, not query_one: the columns may be between two composes.
        self.query("#stage-columns").set_class(crowded(len(self._shape), event.size.width),
                                               "crowded")

    def on_mount(self) -> None:
        self._stop_following = self.desk.subscribe(self.on_desk_notice)

    def on_unmount(self) -> None:
        if self._stop_following is not None:
            self._stop_following()

    def on_desk_notice(self, notice: Notice) -> None:
        self.show_board()

    def show_board(self) -> None:
        shape = self._shape
        view = self._look()
        if view.shape != shape:
            # Stages were added, removed or reordered (maybe in another
            # terminal): build the columns again.
            self.refresh(recompose=True)
            return
        self.query_one("#pipeline-title", Static).update(title_line(view))
        hint = self.query_one("#board-hint", Static)
        hint.update(hint_line(view))
        hint.display = view.total == 0
        for widget, column in zip(self.query(StageColumn), view.columns, strict=True):
            widget.show(column)

    def _look(self) -> BoardView:
        view = board_view(self.desk, self.actor, self.pipeline_id)
        self.pipeline_id = view.pipeline.id if view.pipeline is not None else None
        self._shape = view.shape
        return view


def crowded(stages: int, width: int) -> bool:
    return stages * MIN_COLUMN_WIDTH > width


def title_line(view: BoardView) -> Content:
    if view.pipeline is None:
        return Content.styled("No pipeline you may view", "bold")
    tickets = "1 ticket" if view.total == 1 else f"{view.total} tickets"
    return Content.assemble((view.pipeline.label, "bold"), f" · {tickets}")


def hint_line(view: BoardView) -> str:
    """Shown only while the board is empty: what to do next."""
    if view.pipeline is None:
        return "Ask an administrator to give you access to a pipeline."
    return EMPTY_PIPELINE_HINT if view.tickets_elsewhere else EMPTY_DESK_HINT
