"""Notifications (key `!` on every screen): what automation told this user
(A4b), newest first. Opening the screen marks them read; the ones that were
unread keep their dot until the screen closes."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk
from core.events import Notice
from core.present import count, when
from tui.screens.table_screen import NEWEST_SHOWN, TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge


class NotificationsScreen(TableScreen[None]):
    AUTO_FOCUS = "#notifications-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="notifications.back"),
        Binding("enter", "open", "Open ticket", priority=True, id="notifications.open"),
        *cursor_bindings("notifications"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.unread: set[int] = set()

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static("Notifications", classes="screen-title", id="notifications-title")
        yield Static(Content("j k ↑ ↓ choose · Enter opens the ticket · • was unread · "
                             "Esc back"), classes="screen-hint")
        table = DataTable[Text](cursor_type="row", id="notifications-table",
                                classes="desk-table")
        table.add_columns("", "When", "Ticket", "Notification")
        yield table
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._fill()
        self.follow_desk(self._on_notice)

    def _on_notice(self, notice: Notice) -> None:
        # What is listed is marked read, so only a new notification to this
        # user leaves one unread; others' moves (the desk's timer brings
        # them) would rebuild the list for nothing.
        if self.desk.unread_count(self.actor):
            self._fill()

    def _fill(self) -> None:
        table = self.table
        kept = self.highlighted
        table.clear()
        found = self.desk.notifications(self.actor)
        # What is listed has been read: one that arrives while the screen is
        # open too. Each keeps its dot until the screen closes.
        fresh = {n.id for n in found if self.desk.is_unread(n, self.actor)}
        self.unread |= fresh
        for n in found[:NEWEST_SHOWN]:
            table.add_row(Text("•" if n.id in self.unread else ""), Text(when(n.at)),
                          Text(f"#{n.ticket}" if n.ticket else ""), Text(n.text),
                          key=str(n.id))
        if not found:
            table.add_row(Text(""), Text(""), Text(""),
                          Text("No notifications yet: automation sends them (A4b)."),
                          key="none")
        more = f" (newest {count(NEWEST_SHOWN)} shown)" if len(found) > NEWEST_SHOWN else ""
        self.query_one("#notifications-title", Static).update(
            f"Notifications — {len(found):,}, {len(self.unread):,} new{more}")
        if kept is not None and kept in table.rows:
            table.move_cursor(row=table.get_row_index(kept))
        if fresh:
            self.desk.mark_notifications_read(self.actor)

    def action_open(self) -> None:
        key = self.highlighted
        found = next((n for n in self.desk.notifications(self.actor) if str(n.id) == key), None)
        if found is not None and found.ticket is not None:
            self.open_ticket(found.ticket)

    def action_back(self) -> None:
        self.dismiss(None)
