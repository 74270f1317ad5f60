"""Conflicts (key `X` on the board, or the palette; issue 16 item 5,
docs/sync.md): the changes made while the server did not answer that it
refused when they were sent later — what was tried, why it was refused,
when — and, for the one under the cursor, the ticket as the server has
it now. `a` applies it again as it was, `e` edits what it sends first
(another stage, the value that was missing), `d` discards it. Nothing is
dropped without the person saying so.
"""

from __future__ import annotations

import json
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from core.remote.queue import Conflict
from core.remote.status import Syncing
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("Change", "Why the server refused it", "Made")
# 70 columns and the cells' padding: 80 wide holds them.
WIDTHS = (26, 36, 8)


class ConflictsScreen(TableScreen[None]):
    """`ConflictsScreen(desk, actor)` for a desk on a server; Escape goes back."""

    AUTO_FOCUS = "#conflicts-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="conflicts.back"),
        Binding("a", "apply", "Apply again", id="conflicts.apply"),
        Binding("e", "edit", "Edit, apply", id="conflicts.edit"),
        Binding("d", "discard", "Discard", id="conflicts.discard"),
        *cursor_bindings("conflicts"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        assert isinstance(desk, Syncing), "a desk on a server has conflicts"
        super().__init__(desk, actor)
        self.syncing: Syncing = desk

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(Content("Conflicts · changes made offline that the server refused"),
                     classes="screen-title")
        yield DataTable(cursor_type="row", id="conflicts-table", classes="desk-table")
        yield Static(id="conflicts-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self._fill()

    def _on_notice(self, notice: Notice) -> None:
        if self.is_mounted:
            self._fill(select=self.highlighted)

    def _conflicts(self) -> dict[str, Conflict]:
        return {c.change.key: c for c in self.syncing.open_conflicts()}

    def _fill(self, select: str | None = None) -> None:
        conflicts = self._conflicts()
        self.fill(HEADERS, [(key, (c.change.what, c.reason, c.at[11:16] or c.change.at[11:16]))
                            for key, c in conflicts.items()], WIDTHS, select)
        self._show_current()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_current()

    def _show_current(self) -> None:
        """Under the table: the change in full, and its ticket as it is now."""
        note = self.query_one("#conflicts-note", Static)
        conflict = self._conflicts().get(self.highlighted or "")
        if conflict is None:
            note.update(Content("No conflicts: every change made offline was applied."))
            return
        lines = [f"Tried: {conflict.change.what}", f"Refused: {conflict.reason}"]
        if conflict.change.ticket:
            try:
                ticket = self.desk.ticket(conflict.change.ticket, self.actor)
                stage = self.desk.stage(ticket.stage, self.actor)[1].label
                lines.append(f"Now: #{ticket.id} {ticket.subject} · {stage}")
            except DeskError:
                lines.append(f"Now: #{conflict.change.ticket} is not on the server "
                             "(deleted, or out of your sight)")
        note.update(Content("\n".join(lines)))

    def _current(self) -> Conflict | None:
        return self._conflicts().get(self.highlighted or "")

    def action_back(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        conflict = self._current()
        if conflict is not None:
            self._apply(conflict, None)

    def _apply(self, conflict: Conflict, body: dict[str, Any] | None) -> None:
        try:
            self.syncing.apply_again(conflict, body)
        except DeskError as err:
            self.app.push_screen(MessageDialog("Not applied", err.message))
        else:
            self.app.notify(f"Applied: {conflict.change.what}", markup=False)
        self._fill()

    def action_edit(self) -> None:
        """What the change sends, as JSON, to edit before it goes again."""
        conflict = self._current()
        if conflict is None:
            return
        edited: dict[str, dict[str, Any]] = {}

        def parse(text: str) -> str:
            try:
                body = json.loads(text)
            except ValueError as err:
                raise DeskError(f"Not JSON: {err}.") from None
            if not isinstance(body, dict):
                raise DeskError('Give an object, as {"stage": "Closed"}.')
            edited["body"] = body
            return "ok"

        def done(result: str | None) -> None:
            if result is not None:
                self._apply(conflict, edited["body"])

        self.app.push_screen(LabelPrompt(
            f"Edit, then apply: {conflict.change.what}", parse,
            value=json.dumps(conflict.change.body or {}, ensure_ascii=False)), done)

    def action_discard(self) -> None:
        conflict = self._current()
        if conflict is None:
            return

        def discard(yes: bool | None) -> None:
            if yes:
                self.syncing.discard(conflict)
                self._fill()

        self.app.push_screen(ConfirmDialog(
            "Discard the change?", f"{conflict.change.what} is given up; the server's "
            "state stands.", "Discard"), discard)
