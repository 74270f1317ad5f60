"""The triage queue (key `T` on the board, or "Triage queue" in the command
palette; issue 17 item 2): every open ticket the user may see, across
pipelines, most urgent first, for the person on call.

The order: priority (Urgent first, none last), then age (the oldest
first), the query language's `urgency` sort (core/query.py). SLA clocks
(issue 17 item 3) will put breached and soon-due ones ahead of that; until
then there are none. A ticket nobody owns says so in
the Owner column. What is listed comes from `Desk.find_tickets`
("stage:open"), so it is what the desk lets the user see (U2, P6). Enter
opens, `m` moves, `A` assigns to me, `r` replies, `y` and `Y` copy (the
highlighted ticket, the queue); the queue follows the desk.
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
from core.present import counted, duration, say_value
from core.records import Ticket
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("#", "Priority", "Age", "Pipeline", "Stage", "Owner", "Subject")
SHOWN = 200
NOBODY = "unassigned"
EMPTY = "Nothing open that you may see: the queue is empty."


class TriageScreen(TableScreen[None]):
    """`TriageScreen(desk, actor)`."""

    AUTO_FOCUS = "#triage-table"
    BINDINGS = [
        Binding("enter", "open", "Open", id="triage.open"),
        Binding("m", "move", "Move", id="triage.move"),
        Binding("A", "assign_to_me", "Assign to me", id="triage.assign_to_me"),
        Binding("r", "reply", "Reply", id="triage.reply"),
        Binding("y", "copy_ticket", "Copy", id="triage.copy_ticket"),
        Binding("Y", "copy_queue", "Copy all", show=False, id="triage.copy_queue"),
        Binding("escape", "back", "Back", id="triage.back"),
        *cursor_bindings("triage"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.queue: list[Ticket] = []

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="triage-title")
        yield Static(id="triage-empty")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="triage-table",
                              classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_queue()

    def _on_notice(self, notice: Notice) -> None:
        if self.is_mounted and (notice.entries or notice.settings):
            self.show_queue(select=self.highlighted)

    def show_queue(self, select: str | None = None) -> None:
        self.queue = self.desk.find_tickets("stage:open", self.actor, sort="urgency")
        config, now = self.desk.config, self.desk.now()
        pipelines = {p.id: p for p in self.desk.pipelines(self.actor)}
        stages = {s.id: s.label for p in pipelines.values() for s in p.stages}
        names = {u.id: u.name for u in config.users}
        rows = [(t.id, [f"#{t.id}", say_value(config, "priority", t.priority) or "—",
                        duration(now - t.create_date),
                        pipelines[t.pipeline].label if t.pipeline in pipelines else t.pipeline,
                        stages.get(t.stage, t.stage),
                        names.get(t.owner, t.owner) if t.owner else NOBODY, t.subject])
                for t in self.queue[:SHOWN]]
        fixed = [5, 8, 6, 10, 12, 10]
        room = max(12, self.app.size.width - sum(fixed) - 2 * len(HEADERS) - 2)
        self.fill(HEADERS, rows, [*fixed, room], select)
        nobody = sum(1 for t in self.queue if t.owner is None)
        title = (f"Triage · {counted(len(self.queue), 'open ticket')} · "
                 f"{counted(nobody, 'unassigned', 'unassigned')}"
                 + (f" · the {SHOWN} most urgent shown" if len(self.queue) > SHOWN else "")
                 + " · Enter opens")
        self.query_one("#triage-title", Static).update(Content(title))
        empty = self.query_one("#triage-empty", Static)
        empty.update(Content("" if self.queue else EMPTY))
        empty.display = not self.queue

    def _highlighted_ticket(self) -> Ticket | None:
        key = self.highlighted
        return next((t for t in self.queue if t.id == key), None)

    @on(DataTable.RowSelected, "#triage-table")
    def _selected(self) -> None:
        self.action_open()  # Enter: the table takes the key first

    def action_open(self) -> None:
        ticket = self._highlighted_ticket()
        if ticket is not None:
            self.open_ticket(ticket.id)

    def action_move(self) -> None:
        ticket = self._highlighted_ticket()
        if ticket is None:
            return
        from tui.screens.move_dialog import MoveTicketDialog

        self.app.push_screen(MoveTicketDialog(self.desk, self.actor, ticket.id, None))

    def action_assign_to_me(self) -> None:
        ticket = self._highlighted_ticket()
        if ticket is None:
            return
        try:
            self.desk.edit_ticket(ticket.id, {"owner": self.desk.me(self.actor).id}, self.actor)
        except DeskError as err:
            self.notify(err.message, title="Not assigned", severity="error", markup=False)
            return
        self.notify(f"#{ticket.id} is yours now.", markup=False)

    def action_reply(self) -> None:
        ticket = self._highlighted_ticket()
        if ticket is None:
            return
        from tui.screens.reply_dialog import ReplyDialog

        self.app.push_screen(ReplyDialog(self.desk, self.actor, ticket.id))

    def action_copy_ticket(self) -> None:
        from tui.handing_over import copy_ticket

        ticket = self._highlighted_ticket()
        if ticket is not None:
            copy_ticket(self.app, self.desk, ticket)

    def action_copy_queue(self) -> None:
        from tui.handing_over import copy_summary

        copy_summary(self.app, self.desk, "Triage queue", self.queue)

    def action_back(self) -> None:
        self.dismiss(None)
