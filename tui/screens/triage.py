"""The triage queue (key `T` on the board, or "Triage queue" in the command
palette; issue 17 item 2): every open ticket the user may see, across
pipelines, most urgent first, for the person on call.

The order is the query language's `urgency` sort (core/query.py):
breached SLA clocks first, then those soon due, then priority (Urgent
first, none last), then age (the oldest first). Where a pipeline sets SLA
targets, the Due column shows each clock (core/sla.py) in place of Age. A
ticket nobody owns says so in the Owner column. What is listed comes from
`Desk.find_tickets` ("stage:open"), so it is what the desk lets the user see (U2, P6). Enter
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

from core import Actor, Desk
from core.events import Notice
from core.present import counted, duration, say_value
from core.records import Ticket
from tui.clocks import CLOCK_INTERVAL
from tui.screens.table_screen import cursor_bindings
from tui.screens.ticket_table import RowLabels, TicketTableScreen, selection_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("#", "Priority", "Age", "Pipeline", "Stage", "Owner", "Subject")
SHOWN = 200
NOBODY = "unassigned"
EMPTY = "Nothing open that you may see: the queue is empty."


class TriageScreen(TicketTableScreen):
    """`TriageScreen(desk, actor)`. Space selects (`v` the whole queue);
    m, A, E (owner, team, priority), d and Y act on the selection, else on
    the highlighted ticket (tui/screens/ticket_table.py)."""

    AUTO_FOCUS = "#triage-table"
    BINDINGS = [
        Binding("enter", "open", "Open", id="triage.open"),
        *selection_bindings("triage", shown=("pick", "move", "assign_to_me", "edit", "delete")),
        Binding("r", "reply", "Reply", id="triage.reply"),
        # The search screen, over the queue (Escape comes back): from what is
        # urgent to a query of one's own (issue 17's on-call walk).
        Binding("s", "app.search", "Search", show=False, id="triage.search"),
        Binding("y", "copy_ticket", "Copy", show=False, id="triage.copy_ticket"),
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
        # Time alone moves a ticket from soon due to breached (tui/clocks.py).
        self.set_interval(CLOCK_INTERVAL, lambda: self.show_queue(select=self.highlighted))

    def _on_notice(self, notice: Notice) -> None:
        if self.is_mounted and (notice.entries or notice.settings):
            self.show_queue(select=self.highlighted)
            self.forget_gone(notice)

    def in_view(self) -> list[Ticket]:
        return self.queue

    def show_queue(self, select: str | None = None) -> None:
        self.queue = self.desk.find_tickets("stage:open", self.actor, sort="urgency")
        config, now = self.desk.config, self.desk.now()
        # With SLA targets, the Due column (the time left, or "!" and how
        # long breached) takes the place of Age: 80 columns hold no more.
        due = self.due_cell()
        timed = due is not None

        def when(t: Ticket) -> str:
            return due(t) if due is not None else duration(now - t.create_date)

        def cells(t: Ticket, labels: RowLabels) -> list[str]:
            return [say_value(config, "priority", t.priority) or "—", when(t),
                    labels.pipeline(t), labels.stage(t), labels.owner(t) or NOBODY, t.subject]

        # The # column holds the selection's mark: Stage gives it a column.
        widths = [8, 8 if timed else 6, 9 if timed else 10, 11, 10]
        headers = (*HEADERS[:2], "Due", *HEADERS[3:]) if timed else HEADERS
        self.fill_tickets(headers, self.queue[:SHOWN], cells, widths, select)
        self.show_title()
        empty = self.query_one("#triage-empty", Static)
        empty.update(Content("" if self.queue else EMPTY))
        empty.display = not self.queue

    def show_title(self) -> None:
        nobody = sum(1 for t in self.queue if t.owner is None)
        title = (f"Triage · {counted(len(self.queue), 'open ticket')} · "
                 f"{counted(nobody, 'unassigned', 'unassigned')}"
                 + (f" · the {SHOWN} most urgent shown" if len(self.queue) > SHOWN else "")
                 + (self.selection_said() or " · Enter opens"))
        self.query_one("#triage-title", Static).update(Content(title))

    @on(DataTable.RowSelected, "#triage-table")
    def _selected(self) -> None:
        self.action_open()  # Enter: the table takes the key first

    def action_open(self) -> None:
        ticket = self.highlighted_ticket()
        if ticket is not None:
            self.open_ticket(ticket.id)

    def action_reply(self) -> None:
        ticket = self.highlighted_ticket()
        if ticket is None:
            return
        from tui.screens.reply_dialog import ReplyDialog

        self.app.push_screen(ReplyDialog(self.desk, self.actor, ticket.id))

    def action_copy_queue(self) -> None:
        self.copy_view("Triage queue")
