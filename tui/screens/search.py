"""Search (key `s` on the board, or "Search" in the command palette): one
query across every pipeline the user sees, in the query language of
docs/search.md, the results as you type.

The query goes to `Desk.find_tickets`, so what is found is what the desk
lets the user see (U2, P6), on every surface alike; a query that does not
read says what and where under the field, and the last results stay until
it reads again. The newest activity first; the first `SHOWN` are listed
(a table row costs about 0.2 ms to add), and the title says how many fit.
Enter opens the highlighted ticket; Tab or Down goes from the field to the
list, `/` back. On the list, space selects (v all found) and m, A, E, d
act on the selection (tui/screens/ticket_table.py).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from core.present import counted, say_value
from core.query import QueryError
from core.records import Ticket
from tui.clocks import CLOCK_INTERVAL
from tui.screens.table_screen import cursor_bindings
from tui.screens.ticket_table import RowLabels, TicketTableScreen, selection_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("#", "Pipeline", "Stage", "Priority", "Owner", "Subject")
SHOWN = 200
# One line at 80 columns: the fields, with a value where one says most
# (docs/search.md has the rest).
HINT = "priority: owner:me team: stage: pipeline: age:>2h updated: due:<30m -not"


# What the list's keys do while the query is typed in: nothing, they are
# letters of the query (g and G, first and last, are priority keys of the
# table, and would be taken first).
LIST_ACTIONS = frozenset({"cursor", "copy_ticket", "copy_found", "pick", "pick_all", "move",
                          "assign_to_me", "edit", "delete"})


class SearchScreen(TicketTableScreen):
    """`SearchScreen(desk, actor, query="")`."""

    AUTO_FOCUS = "#search-query"
    BINDINGS = [
        Binding("enter", "open", "Open", id="search.open"),
        *selection_bindings("search", shown=("pick", "move", "edit", "delete")),
        Binding("slash", "query", "Query", id="search.query"),
        Binding("y", "copy_ticket", "Copy", show=False, id="search.copy_ticket"),
        Binding("Y", "copy_found", "Copy all", show=False, id="search.copy_found"),
        Binding("escape", "back", "Back", id="search.back"),
        *cursor_bindings("search"),
    ]

    def __init__(self, desk: Desk, actor: Actor, query: str = "") -> None:
        super().__init__(desk, actor)
        self.query_text = query
        self.found: list[Ticket] = []
        self.problem = ""

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="search-title")
        yield Input(self.query_text, placeholder="Search: words, or priority:urgent "
                    "owner:none …", id="search-query", compact=True, select_on_focus=False)
        yield Static(Content(HINT), id="search-hint")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="search-table",
                              classes="desk-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show_results()
        # `due:`, `age:` and the Due column move on with the time (tui/clocks.py).
        self.set_interval(CLOCK_INTERVAL, lambda: self.show_results(select=self.highlighted))

    def _on_notice(self, notice: Notice) -> None:
        if self.is_mounted and (notice.entries or notice.settings):
            self.show_results(select=self.highlighted)
            self.forget_gone(notice)

    @on(Input.Changed, "#search-query")
    def _typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self.show_results()

    @on(Input.Submitted, "#search-query")
    def _to_list(self) -> None:
        if self.table.row_count:
            self.table.focus()

    def show_results(self, select: str | None = None) -> None:
        try:
            found = self.desk.find_tickets(self.query_text, self.actor, sort="-updated")
        except QueryError as err:
            self.problem = f"column {err.column}: {err.what}"  # where first: 80 columns
        except DeskError as err:
            self.problem = err.message
        else:
            self.problem = ""
            self.found = found
            self._fill(select)
        self.show_title()

    def in_view(self) -> list[Ticket]:
        return self.found

    def _fill(self, select: str | None) -> None:
        config = self.desk.config

        # Issue 17: where a pipeline the user sees sets SLA targets, a Due
        # column after Priority.
        due = self.due_cell()
        timed = due is not None

        def cells(t: Ticket, labels: RowLabels) -> list[str]:
            return [labels.pipeline(t), labels.stage(t), say_value(config, "priority", t.priority),
                    *([due(t)] if due is not None else []), labels.owner(t), t.subject]

        headers = (*HEADERS[:4], "Due", *HEADERS[4:]) if timed else HEADERS
        widths = [9, 10, 8, 8, 9] if timed else [12, 14, 8, 10]
        self.fill_tickets(headers, self.found[:SHOWN], cells, widths, select)

    def show_title(self) -> None:
        total = len(self.found)
        title = f"Search · {counted(total, 'ticket')} found"
        if total > SHOWN:
            title += f", the {SHOWN} with the newest activity shown"
        title += self.selection_said() or " · Enter opens · / the query · Esc back"
        self.query_one("#search-title", Static).update(Content(title))
        hint = self.query_one("#search-hint", Static)
        hint.update(Content(f"✗ {self.problem}" if self.problem else HINT))
        hint.set_class(bool(self.problem), "-problem")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the query is typed in, g and G (first, last: priority keys
        # of the table), y and Y are letters of the query.
        return not (action in LIST_ACTIONS and isinstance(self.focused, Input))

    @on(DataTable.RowSelected, "#search-table")
    def _selected(self) -> None:
        self.action_open()  # Enter on the list: the table takes the key first

    def action_open(self) -> None:
        key = self.highlighted
        if key is not None:
            self.open_ticket(key)

    def action_copy_found(self) -> None:
        self.copy_view(f"Search “{self.query_text}”")

    def action_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def key_down(self) -> None:
        if self.focused is self.query_one("#search-query", Input) and self.table.row_count:
            self.table.focus()
