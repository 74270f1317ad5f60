"""The frame of a screen that lists tickets from every pipeline in a table:
the search screen and the triage queue.

It says a ticket's pipeline, stage and owner as people read them (one set
of label maps per fill, `RowLabels`), and keeps the selection (T6): space
picks the highlighted ticket (and goes on to the next), `v` every ticket in
view (every one found or queued, also past the rows listed), Escape clears
it before it goes back. m, A, E and d act on the selection, else on the
highlighted ticket, each in one command of the desk (tui/bulk_actions.py);
Y copies the selection, else the whole list. A picked row is marked with
a sign in the # column, not a colour alone (C3). A new query keeps the
selection (the title counts the selected tickets it does not find as
hidden); a change of the desk that takes a selected ticket out of the list
(deleted, moved out of sight, closed under the triage queue) takes it out
of the selection too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding

from core import Actor, Desk, DeskError
from core.events import Notice, ticket_ids
from core.present import count
from core.records import Ticket
from tui.bulk_actions import BulkKeys
from tui.screens.table_screen import TableScreen
from tui.selection import MARK, Selection

# The # column: the mark (or a blank), "#" and four digits; 80 columns
# have no more room.
ID_WIDTH = 6
PIPELINE = "Pipeline"
# The last column (the subject) is never narrower.
MIN_LAST = 12


@dataclass(frozen=True)
class RowLabels:
    """A ticket's pipeline, stage and owner as people read them; the maps
    are made once for a table's rows."""

    pipelines: Mapping[str, str]
    stages: Mapping[str, str]
    names: Mapping[str, str]

    def pipeline(self, ticket: Ticket) -> str:
        return self.pipelines.get(ticket.pipeline, ticket.pipeline)

    def stage(self, ticket: Ticket) -> str:
        return self.stages.get(ticket.stage, ticket.stage)

    def owner(self, ticket: Ticket) -> str:
        """The owner's name; empty for a ticket nobody owns."""
        return self.names.get(ticket.owner, ticket.owner) if ticket.owner else ""


def row_labels(desk: Desk, actor: Actor) -> RowLabels:
    pipelines = desk.pipelines(actor)
    return RowLabels({p.id: p.label for p in pipelines},
                     {s.id: s.label for p in pipelines for s in p.stages},
                     {u.id: u.name for u in desk.config.users})


def selection_bindings(screen: str, shown: Collection[str] = ()) -> list[Binding]:
    """The selection's keys and what acts on it, with the screen's ids
    (`search.select` …); `shown` names the actions the footer shows."""
    keys = [
        ("space", "pick", "Select", "select"),
        ("v", "pick_all", "Select all", "select_all"),
        ("m", "move", "Move", "move"),
        ("A", "assign_to_me", "Assign to me", "assign_to_me"),
        ("E", "edit", "Set", "edit"),
        ("d", "delete", "Delete", "delete"),
    ]
    return [Binding(key, action, words, show=action in shown, id=f"{screen}.{name}",
                    tooltip="Owner, team, priority" if action == "edit" else "")
            for key, action, words, name in keys]


class TicketTableScreen(BulkKeys, TableScreen[None]):
    """Subclasses say what is in view (`in_view`) and keep their title
    (`show_title`, which adds `selection_said()`), and fill the table with
    `fill_tickets`."""

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.selection = Selection()
        self._listed: dict[str, Ticket] = {}  # the rows, by id
        self._in_view_ids: set[str] | None = None  # of in_view(), made when asked

    # -- what a subclass says ------------------------------------------------------

    def in_view(self) -> Sequence[Ticket]:
        """Every ticket of the list, also past the rows shown."""
        raise NotImplementedError

    def show_title(self) -> None:
        raise NotImplementedError

    # -- the rows ------------------------------------------------------------------

    def due_cell(self) -> Callable[[Ticket], str] | None:
        """The Due column's cell (issue 17, core/sla.py: "25 min", "! 15 min"
        breached that long, "waiting" while paused, "—" with no clock), or
        None while no pipeline the user sees sets SLA targets: then the
        screen has no Due column."""
        if not any(p.sla.targets for p in self.desk.pipelines(self.actor)):
            return None
        clock = self.desk.sla_clocks()

        def due(ticket: Ticket) -> str:
            running = clock(ticket)
            return running.short() if running is not None else "—"

        return due

    def fill_tickets(self, headers: Sequence[str], tickets: Sequence[Ticket],
                     cells: Callable[[Ticket, RowLabels], list[str]],
                     widths: Sequence[int], select: str | None = None) -> None:
        """The rows of `tickets`: the # column, then `cells`. `widths` are
        those of the columns between # and the last; # is as wide as the
        longest id shown (an id is never cut: it is what people say to
        each other), the last takes what the screen leaves. While the user
        sees one pipeline only, a Pipeline column is left out: 80 columns
        have no room for what says nothing."""
        self._in_view_ids = None  # the list may be another now
        labels = row_labels(self.desk, self.actor)
        self._listed = {t.id: t for t in tickets}
        rows = [(t.id, [self._id_cell(t.id), *cells(t, labels)]) for t in tickets]
        headers, widths = [*headers], [max((len(t.id) + 2 for t in tickets), default=0), *widths]
        widths[0] = max(widths[0], ID_WIDTH)
        if PIPELINE in headers and len(labels.pipelines) == 1:
            gone = headers.index(PIPELINE)
            del headers[gone], widths[gone]
            rows = [(key, [c for n, c in enumerate(row) if n != gone]) for key, row in rows]
        room = max(MIN_LAST, self.app.size.width - sum(widths) - 2 * len(headers) - 2)
        self.fill(headers, rows, [*widths, room], select)

    @property
    def _in_view(self) -> set[str]:
        """The ids of `in_view()`: asked only while tickets are selected, so
        a keystroke that finds 100,000 does not make a set of them."""
        if self._in_view_ids is None:
            self._in_view_ids = {t.id for t in self.in_view()}
        return self._in_view_ids

    def _id_cell(self, ticket_id: str) -> str:
        return f"{MARK if ticket_id in self.selection else ' '}#{ticket_id}"

    def _repaint_marks(self, ticket_ids: Iterable[str]) -> None:
        table = self.table
        for ticket_id in ticket_ids:
            if ticket_id in self._listed:
                table.update_cell(ticket_id, "#", Text(self._id_cell(ticket_id)))
        self.show_title()

    def highlighted_ticket(self) -> Ticket | None:
        key = self.highlighted
        return self._listed.get(key) if key is not None else None

    def selection_said(self) -> str:
        """What the title adds while tickets are selected."""
        if not self.selection:
            return ""
        hidden = sum(1 for t in self.selection if t not in self._in_view)
        return (f" · {self.selection.said()}" + (f", {count(hidden)} hidden" if hidden else "")
                + " · Esc clears")

    def forget_gone(self, notice: Notice) -> None:
        """After the list was read again for a change of the desk: a
        selected ticket the change took out of the list is no longer
        selected, nor one the user may no longer see (a settings change)."""
        if not self.selection:
            return
        gone = self.selection.keep_only(self._visible) if notice.settings else []
        touched = {t for entry in notice.entries for t in ticket_ids(entry.event)}
        gone += self.selection.discard([t for t in touched if t not in self._in_view])
        if gone:
            self.show_title()

    def _visible(self, ticket_id: str) -> bool:
        try:
            self.desk.ticket(ticket_id, self.actor)
        except DeskError:
            return False
        return True

    # -- the selection (T6) ----------------------------------------------------------

    def picked_tickets(self) -> list[Ticket]:
        """The selection's tickets, in the list's order, then those the
        query hides; one gone meanwhile drops out."""
        picked = [t for t in self.in_view() if t.id in self.selection]
        if len(picked) < len(self.selection):
            found = {t.id for t in picked}
            for ticket_id in self.selection.ids:
                if ticket_id not in found:
                    try:
                        picked.append(self.desk.ticket(ticket_id, self.actor))
                    except DeskError:
                        self.selection.discard([ticket_id])
        return picked

    def targets(self) -> list[Ticket]:
        """What a key acts on: the selection, else the highlighted ticket."""
        if self.selection:
            return self.picked_tickets()
        ticket = self.highlighted_ticket()
        return [ticket] if ticket is not None else []

    def action_pick(self) -> None:
        ticket = self.highlighted_ticket()
        if ticket is None:
            return
        self.selection.toggle(ticket.id)
        self._repaint_marks([ticket.id])
        self.action_cursor(1)

    def action_pick_all(self) -> None:
        ids = [t.id for t in self.in_view()]
        self.selection.toggle_all(ids)
        self._repaint_marks(ids)

    def unpick_all(self) -> bool:
        """Empty the selection; True when it held any."""
        held = self.selection.ids
        if not self.selection.clear():
            return False
        self._repaint_marks(held)
        return True

    def bulk_done(self) -> None:
        self.unpick_all()

    def action_back(self) -> None:
        """Escape: the selection first, then back."""
        if not self.unpick_all():
            self.dismiss(None)

    # -- acting ------------------------------------------------------------------------

    def action_move(self) -> None:
        from tui import bulk_actions

        tickets = self.targets()
        if tickets:
            bulk_actions.move(self.app, self.desk, self.actor, tickets, done=self.bulk_done)

    def action_copy_ticket(self) -> None:
        from tui.handing_over import copy_ticket

        ticket = self.highlighted_ticket()
        if ticket is not None:
            copy_ticket(self.app, self.desk, ticket)

    def copy_view(self, title: str) -> None:
        """Y: the selection, else every ticket in view, to the clipboard."""
        from tui.handing_over import copy_summary

        if self.selection:
            copy_summary(self.app, self.desk, f"{title}, selected", self.picked_tickets())
        else:
            copy_summary(self.app, self.desk, title, self.in_view())
