"""The tickets of one pipeline, per stage, in board order, kept current.

The board draws from this. It is built once when a board opens (one pass
over the desk's tickets) and then changed only where a `Notice` says a
ticket changed, so a move among 100,000 tickets costs a few list operations,
not a rebuild. A filter narrows every column; typing one more letter
narrows the previous result instead of scanning the desk again.

Free of Textual, so it is tested on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter

from core import Actor, Desk
from core.access import Sight, sight_of, visible_tickets
from core.bulk import gc_paused
from core.events import Notice, ticket_ids
from core.model import Pipeline
from core.records import Ticket


def board_order(ticket: Ticket) -> tuple[datetime, int]:
    """Newest first by this key, read backwards: create date, then id (a
    later ticket has a larger id), so tickets imported in the same second
    still come in a fixed order."""
    return (ticket.create_date, int(ticket.id))


def search_text(ticket: Ticket) -> str:
    """What `/` matches: id, subject, contact."""
    return f"#{ticket.id} {ticket.subject} {ticket.contact or ''}".casefold()


def place(tickets: list[Ticket], key: tuple[datetime, int]) -> int:
    """Where `key` goes in a newest-first list (bisect for a list in
    descending order). A column's list and its filtered list are both."""
    lo, hi = 0, len(tickets)
    while lo < hi:
        mid = (lo + hi) // 2
        if board_order(tickets[mid]) > key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def find(tickets: list[Ticket], ticket: Ticket) -> int | None:
    """The row of `ticket` (by identity) in a newest-first list, found by
    bisection: its order key never changes (create date and id are fixed).
    A list read in an older order may hold tickets of one second out of id
    order: those are looked through, never the whole list."""
    index = place(tickets, board_order(ticket))
    if index < len(tickets) and tickets[index] is ticket:
        return index
    created = ticket.create_date
    below = index
    while below < len(tickets) and tickets[below].create_date == created:
        if tickets[below] is ticket:
            return below
        below += 1
    above = index - 1
    while above >= 0 and tickets[above].create_date == created:
        if tickets[above] is ticket:
            return above
        above -= 1
    return None


@dataclass
class Column:
    stage_id: str
    tickets: list[Ticket] = field(default_factory=list)

    def insert(self, ticket: Ticket) -> int:
        index = place(self.tickets, board_order(ticket))
        self.tickets.insert(index, ticket)
        return index

    def remove(self, ticket: Ticket) -> int | None:
        index = find(self.tickets, ticket)
        if index is None:
            # Not where its key says: look for it (never seen; a ticket must
            # not stay on the board after it left the column).
            index = next((n for n, t in enumerate(self.tickets) if t is ticket), -1)
            if index < 0:
                return None
        del self.tickets[index]
        return index


@dataclass
class Change:
    """What a notice changed on this board."""

    stages: set[str] = field(default_factory=set)  # columns whose content changed
    tickets: set[str] = field(default_factory=set)  # tickets changed in place
    rebuilt: bool = False  # the pipeline's stages or who sees what changed: redraw all


class BoardIndex:
    def __init__(self, desk: Desk, actor: Actor, pipeline: Pipeline) -> None:
        self.desk = desk
        self.actor = actor
        self.pipeline = pipeline
        self.columns: dict[str, Column] = {}
        # ticket id -> (stage id, ticket) for what this board shows. The desk
        # changes tickets in place, so the stage a ticket was shown in, and a
        # deleted ticket itself, are known only from here.
        self._where: dict[str, tuple[str, Ticket]] = {}
        self._where_known = False
        self._filter = ""
        self._filtered: dict[str, list[Ticket]] | None = None
        self._search: dict[str, str] = {}
        # What the actor might see when the board was built (U3): a
        # settings change that leaves it as it is (a label elsewhere, a
        # template) leaves the board as it is too.
        self.sight: Sight  # what the index was built for (set by `rebuild`, below)
        self.rebuild()

    # -- building -----------------------------------------------------------

    def rebuild(self) -> None:
        with gc_paused():
            self._rebuild()

    def _rebuild(self) -> None:
        if self.pipeline.id:
            self.pipeline = self.desk.pipeline(self.pipeline.id, self.actor)
        # else the board's stand-in for no pipeline at all (P6): no stages.
        self.sight = sight_of(self.desk.config, self.actor)
        self.columns = {s.id: Column(s.id) for s in self.pipeline.stages}
        pipeline_id = self.pipeline.id
        mine = visible_tickets(self.desk.config, self.actor, self.desk.state.tickets.values(),
                               pipeline=pipeline_id)
        # The desk holds tickets in the order they were made (ascending ids):
        # reversed, then one stable sort in C by create date gives
        # board_order, newest first, without a Python key per ticket.
        mine.reverse()
        mine.sort(key=attrgetter("create_date"), reverse=True)
        append = {sid: c.tickets.append for sid, c in self.columns.items()}
        for ticket in mine:
            if ticket.stage in append:
                append[ticket.stage](ticket)
        # Where each ticket is shown is needed only once a notice comes: it
        # is read off the columns then, not while the board first opens.
        self._where_known = False
        self._search = {}
        self._refilter()

    def apply(self, notice: Notice) -> Change:
        """Bring the index up to date with a notice; say what changed."""
        if notice.settings:
            fresh = next((p for p in self.desk.pipelines(self.actor)
                          if p.id == self.pipeline.id), None)
            if fresh is None or fresh != self.pipeline:
                if fresh is not None:
                    self.pipeline = fresh
                    self.rebuild()
                return Change(rebuilt=True)
            if sight_of(self.desk.config, self.actor) != self.sight:
                # U3: the actor's rights changed (visibility, a team, the
                # pipeline's access): what the board shows is drawn again.
                self.rebuild()
                return Change(rebuilt=True)
        change = Change()
        self._know_where()
        for entry in notice.entries:
            for tid in ticket_ids(entry.event):
                self._update(tid, change)
        return change

    def _know_where(self) -> None:
        if not self._where_known:
            self._where = {t.id: (sid, t) for sid, c in self.columns.items() for t in c.tickets}
            self._where_known = True

    def _update(self, ticket_id: str, change: Change) -> None:
        shown = self._where.get(ticket_id)
        was = shown[0] if shown else None
        ticket = self.desk.state.tickets.get(ticket_id)
        visible = (ticket is not None and ticket.pipeline == self.pipeline.id
                   and ticket.stage in self.columns and self.sight.sees(ticket))
        now = ticket.stage if visible and ticket is not None else None
        self._search.pop(ticket_id, None)
        if was == now:
            if now is not None and ticket is not None:
                change.tickets.add(ticket_id)
                # Its subject may have changed: it may match the filter now,
                # or no longer.
                if self._refiltered(now, ticket):
                    change.stages.add(now)
            return
        if shown is not None:
            self.columns[shown[0]].remove(shown[1])
            self._unfilter(shown[0], shown[1])
            del self._where[ticket_id]
            change.stages.add(shown[0])
        if now is not None and ticket is not None:
            self.columns[now].insert(ticket)
            self._where[ticket_id] = (now, ticket)
            self._refiltered(now, ticket)
            change.stages.add(now)

    # -- reading --------------------------------------------------------------

    def tickets(self, stage_id: str) -> list[Ticket]:
        """The column's tickets as the board shows them (filtered)."""
        if self._filtered is not None:
            return self._filtered.get(stage_id, [])
        column = self.columns.get(stage_id)
        return column.tickets if column else []

    def count(self, stage_id: str) -> int:
        return len(self.tickets(stage_id))

    def total(self, stage_id: str) -> int:
        column = self.columns.get(stage_id)
        return len(column.tickets) if column else 0

    def position(self, ticket_id: str) -> tuple[str, int] | None:
        """Which column and row a ticket is in, as shown; None when this
        board does not show it (another pipeline, deleted, filtered out).
        Found by bisection: the cursor follows its ticket after every
        change, and a column may hold 40,000."""
        self._know_where()
        shown = self._where.get(ticket_id)
        if shown is None:
            return None
        stage_id, ticket = shown
        if self._filtered is not None and not self._matches(ticket):
            return None
        row = find(self.tickets(stage_id), ticket)
        return None if row is None else (stage_id, row)

    def shows(self, ticket_id: str) -> bool:
        """Whether the board shows this ticket (in one of its columns, and
        not filtered out); the board counts the selected tickets the filter
        hides with it. A lookup, not a bisection, so asking for each
        selected ticket costs little."""
        self._know_where()
        shown = self._where.get(ticket_id)
        return shown is not None and (self._filtered is None or self._matches(shown[1]))

    def where(self, ticket_id: str) -> str | None:
        """The stage of this board a ticket is in, shown or filtered out."""
        self._know_where()
        shown = self._where.get(ticket_id)
        return shown[0] if shown else None

    def neighbour(self, stage_id: str, ticket: Ticket) -> int | None:
        """The row a ticket that left the column leaves the cursor on: the
        card that came after it, or the last one; None in an empty column."""
        tickets = self.tickets(stage_id)
        if not tickets:
            return None
        return min(place(tickets, board_order(ticket)), len(tickets) - 1)

    # -- filtering -------------------------------------------------------------

    def prepare_search(self) -> None:
        """Work out every ticket's search text ahead of the first `/` (the
        board runs this in a thread after it first paints), so the first
        keystroke of a filter does not pay for 100,000 of them."""
        search = self._search
        for column in list(self.columns.values()):
            for ticket in list(column.tickets):
                if ticket.id not in search:
                    search[ticket.id] = search_text(ticket)

    @property
    def filter(self) -> str:
        return self._filter

    def set_filter(self, text: str) -> None:
        # Leading blanks mean nothing; a trailing one does ("#8 " is ticket
        # 8, not 83).
        needle = text.casefold().lstrip()
        previous, self._filter = self._filter, needle
        if not needle:
            self._filtered = None
            return
        if previous and needle.startswith(previous) and self._filtered is not None:
            # One more letter: the matches are among the previous matches.
            self._filtered = {sid: self._matching(ts, needle)
                              for sid, ts in self._filtered.items()}
        else:
            self._refilter()

    def _refilter(self) -> None:
        """Filter every column afresh (a new filter, a rebuilt board); a
        notice changes the filtered lists one ticket at a time instead."""
        if not self._filter:
            self._filtered = None
            return
        self._filtered = {sid: self._matching(c.tickets, self._filter)
                          for sid, c in self.columns.items()}

    def _matches(self, ticket: Ticket) -> bool:
        text = self._search.get(ticket.id)
        if text is None:
            text = self._search[ticket.id] = search_text(ticket)
        return self._filter in text

    def _unfilter(self, stage_id: str, ticket: Ticket) -> None:
        """A ticket left a column: out of the filtered list too."""
        if self._filtered is None:
            return
        shown = self._filtered.get(stage_id, [])
        row = find(shown, ticket)
        if row is not None:
            del shown[row]

    def _refiltered(self, stage_id: str, ticket: Ticket) -> bool:
        """Keep a ticket in, or out of, the filtered list of its column as it
        matches the filter now; one bisection, not a scan of the column.
        True when the filtered list changed."""
        if self._filtered is None:
            return False
        shown = self._filtered.setdefault(stage_id, [])
        row = find(shown, ticket)
        if self._matches(ticket):
            if row is None:
                shown.insert(place(shown, board_order(ticket)), ticket)
                return True
        elif row is not None:
            del shown[row]
            return True
        return False

    def _matching(self, tickets: list[Ticket], needle: str) -> list[Ticket]:
        search = self._search
        out = []
        for t in tickets:
            text = search.get(t.id)
            if text is None:
                text = search[t.id] = search_text(t)
            if needle in text:
                out.append(t)
        return out

