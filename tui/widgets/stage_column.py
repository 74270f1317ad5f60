"""One stage of the board, drawn line by line.

A column of 40,000 tickets is one widget: `render_line` draws only the rows
on screen from the board index's list, so opening, scrolling and moving cost
the same whatever the count. Moving the cursor repaints the two cards it
left and reached, not the column; so does picking a card for a bulk
action (`picked`, the board's selection), whose mark is a sign before the
id (C3), not a colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import datetime

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from core.model import Stage
from core.present import count
from core.records import Ticket
from core.text import show_line
from tui.selection import MARK

HEADER_HEIGHT = 3  # label, "Open · 12", a rule
CARD_HEIGHT = 3  # "#id subject", the card's properties, a blank line

# Says a card property's value for people: (ticket, now) -> text.
CardField = Callable[[Ticket, datetime], str]


class StageColumn(Widget):
    DEFAULT_CSS = """
    StageColumn {
        width: 1fr;
        height: 1fr;
        padding-left: 1;
        border-right: solid $primary;
    }
    StageColumn:last-of-type { border-right: none; }
    """
    COMPONENT_CLASSES = {
        "stage-column--label",
        "stage-column--open",
        "stage-column--closed",
        "stage-column--id",
        "stage-column--details",
        "stage-column--cursor",
        "stage-column--more",
        "stage-column--picked",
    }

    def __init__(self, stage: Stage, tickets: list[Ticket], total: int,
                 details: Callable[[Ticket], str], picked: Container[str] = ()) -> None:
        # No id: a board rebuilt in place mounts new columns while the old
        # ones are still being removed.
        super().__init__(classes="stage-column")
        self.stage = stage
        self.tickets = tickets
        self.total = total  # before the filter
        self.details = details
        self.picked = picked  # the ids of the board's selection
        self.top = 0  # first card shown
        self.cursor = 0  # the card the cursor is on
        self.active = False  # the column the board's cursor is in

    # -- what it shows --------------------------------------------------------

    def show(self, stage: Stage, tickets: list[Ticket], total: int) -> None:
        """New content (a move, a filter, another terminal's change)."""
        self.stage, self.tickets, self.total = stage, tickets, total
        self.cursor = min(self.cursor, max(0, len(tickets) - 1))
        self._keep_cursor_in_view()
        self.refresh()

    def repaint_ticket(self, ticket_id: str) -> None:
        """A ticket changed in place: repaint its card if it is on screen."""
        for row in range(self.top, min(len(self.tickets), self.top + self.cards_in_view)):
            if self.tickets[row].id == ticket_id:
                self._refresh_card(row)

    @property
    def selected(self) -> Ticket | None:
        return self.tickets[self.cursor] if self.tickets else None

    @property
    def cards_in_view(self) -> int:
        return max(1, (self.content_size.height - HEADER_HEIGHT) // CARD_HEIGHT)

    # -- the cursor ----------------------------------------------------------

    def set_active(self, active: bool) -> None:
        if active != self.active:
            self.active = active
            self._refresh_card(self.cursor)

    def move_cursor(self, row: int) -> None:
        if not self.tickets:
            return
        row = max(0, min(row, len(self.tickets) - 1))
        if row == self.cursor:
            return
        old, self.cursor = self.cursor, row
        top = self.top
        self._keep_cursor_in_view()
        if self.top != top:
            self.refresh()
        else:
            self._refresh_card(old)
            self._refresh_card(row)

    def _keep_cursor_in_view(self) -> None:
        room = self.cards_in_view
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + room:
            self.top = self.cursor - room + 1
        self.top = max(0, min(self.top, max(0, len(self.tickets) - room)))

    def _refresh_card(self, row: int) -> None:
        y = HEADER_HEIGHT + (row - self.top) * CARD_HEIGHT
        if 0 <= row - self.top < self.cards_in_view:
            self.refresh(Region(0, y, self.size.width, CARD_HEIGHT))

    def on_resize(self) -> None:
        self._keep_cursor_in_view()

    # -- drawing ------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if width <= 0:
            return Strip.blank(0)
        if y < HEADER_HEIGHT:
            return self._header_line(y, width)
        row, part = divmod(y - HEADER_HEIGHT, CARD_HEIGHT)
        index = self.top + row
        room = self.cards_in_view
        hidden = len(self.tickets) - (self.top + room)
        if row == room - 1 and part == CARD_HEIGHT - 1 and hidden > 0:
            return self._line([(f"↓ {hidden} more", self._style("more"))], width)
        if index >= len(self.tickets) or row >= room:
            return Strip.blank(width, self.rich_style)
        ticket = self.tickets[index]
        cursor = self.active and index == self.cursor
        base = self._style("cursor") if cursor else Style()
        if part == 0:
            # Customer text, drawn past Textual's own filter: one row, and
            # nothing in it reaches the terminal as a control (core/text.py).
            subject = show_line(ticket.subject)
            mark = ([(f"{MARK} ", self._style("picked") + base)]
                    if ticket.id in self.picked else [])
            return self._line([*mark, (f"#{ticket.id} ", self._style("id") + base),
                               (subject, base)], width, fill=base)
        if part == 1:
            return self._line([(show_line(self.details(ticket)), self._style("details") + base)],
                              width, fill=base)
        return Strip.blank(width, self.rich_style)

    def _header_line(self, y: int, width: int) -> Strip:
        if y == 0:
            return self._line([(show_line(self.stage.label), self._style("label"))], width)
        if y == 1:
            shown = len(self.tickets)
            # Counts as the board's title says them: 17,622, not 17622.
            tickets = (count(shown) if shown == self.total
                       else f"{count(shown)} of {count(self.total)}")
            # Open/Closed is spelled out, not only coloured, for 16 colours.
            state = ("Open", self._style("open")) if self.stage.is_open else (
                "Closed", self._style("closed"))
            return self._line([state, (f" · {tickets}", Style(bold=True))], width)
        return self._line([("─" * width, self._style("details"))], width)

    def _line(self, parts: list[tuple[str, Style]], width: int,
              fill: Style | None = None) -> Strip:
        segments, used = [], 0
        for text, style in parts:
            room = width - used
            if room <= 0:
                break
            if cell_len(text) > room:
                text = set_cell_size(text, room - 1) + "…"
            segments.append(Segment(text, self.rich_style + style))
            used += cell_len(text)
        if used < width:
            segments.append(Segment(" " * (width - used), self.rich_style + (fill or Style())))
        return Strip(segments, width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"stage-column--{name}", partial=True)
