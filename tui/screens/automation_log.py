"""The automation log (A6), from the Automate tab (`l`): every action run
for the pipeline's tickets, newest first — ticket, action, result, error."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk
from core.automation.log import LogItem
from core.events import AutomationRan, Notice
from core.present import action_run_cell, count, counted, when
from tui.screens.table_screen import NEWEST_SHOWN, TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

# A failure stands out without colour too: the word is in capitals.
_SHOUTED = {"failed": "FAILED", "stopped": "STOPPED"}


class AutomationLogScreen(TableScreen[None]):
    AUTO_FOCUS = "#log-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="log.back"),
        Binding("enter", "open", "Open ticket", priority=True, id="log.open"),
        *cursor_bindings("log"),
    ]

    def __init__(self, desk: Desk, actor: Actor, pipeline_id: str) -> None:
        super().__init__(desk, actor)
        self.pipeline_id = pipeline_id
        self.items: list[LogItem] = []

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(classes="screen-title", id="log-title")
        table = DataTable[Text](cursor_type="row", id="log-table", classes="desk-table")
        table.add_columns("When", "Ticket", "Stage", "Action", "Result")
        yield table
        yield Static(id="log-detail")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self._fill()

    def _on_notice(self, notice: Notice) -> None:
        if any(isinstance(e.event, AutomationRan) for e in notice.entries):
            self._fill()

    def _fill(self) -> None:
        # One more than is shown: to know whether there are more.
        ran = self.desk.automation_log(self.actor, self.pipeline_id, limit=NEWEST_SHOWN + 1)
        self.items = ran[:NEWEST_SHOWN]
        table = self.table
        table.clear()
        for n, item in enumerate(self.items):
            table.add_row(Text(when(item.at)), Text(f"#{item.ticket}"), Text(item.stage),
                          Text(action_run_cell(item.action, item.kind)),
                          Text(_SHOUTED.get(item.result, item.result)), key=str(n))
        label = self.desk.pipeline(self.pipeline_id, self.actor).label
        if len(ran) > NEWEST_SHOWN:
            shown = f"the newest {count(NEWEST_SHOWN)} actions run"
        else:
            shown = f"{counted(len(ran), 'action')} run"
        self.query_one("#log-title", Static).update(Content(
            f"Automation log — {label} · {shown}"))
        self._show_detail()

    def on_data_table_row_highlighted(self) -> None:
        self._show_detail()

    def _current(self) -> LogItem | None:
        key = self.highlighted
        return self.items[int(key)] if key is not None and key.isdigit() else None

    def _show_detail(self) -> None:
        item = self._current()
        text = item.detail if item and item.detail else (
            "" if item else "Nothing has run yet: actions run when a ticket enters a stage.")
        self.query_one("#log-detail", Static).update(Content(text))

    def action_open(self) -> None:
        item = self._current()
        if item is not None:
            self.open_ticket(item.ticket)

    def action_back(self) -> None:
        self.dismiss(None)
