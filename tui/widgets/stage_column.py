"""One stage of the board: its label, Open/Closed, its count, and the subjects
of its newest tickets as plain lines.

A single widget draws the whole column (no widget per ticket), so a stage
with thousands of tickets costs no more than the rows on screen.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from core.records import Ticket
from tui.screens.board_view import StageColumnView


class StageColumn(Widget):
    def __init__(self, column: StageColumnView) -> None:
        super().__init__(id=f"stage-{column.stage.id}", classes="stage-column")
        self.column = column

    def show(self, column: StageColumnView) -> None:
        self.column = column
        self.refresh()

    def render(self) -> Content:
        width, height = self.content_size
        heading = self.heading()
        room = max(0, height - len(heading) - 1)
        return Content("\n").join([*heading, Content("─" * width), *self.ticket_lines(room)])

    def heading(self) -> list[Content]:
        stage, count = self.column.stage, self.column.count
        # Open/Closed is spelled out, not only coloured, so that it reads the
        # same in a 16-colour terminal.
        state = ("Open", "$text-success") if stage.is_open else ("Closed", "$text-primary")
        return [
            Content.styled(stage.label, "bold"),
            Content.assemble(state, (f" · {count}", "bold")),
        ]

    def ticket_lines(self, room: int) -> list[Content]:
        """As many of the newest tickets as fit in `room` rows; when some do
        not fit, the last row says how many more there are."""
        count, newest = self.column.count, self.column.newest
        if room <= 0 or count == 0:
            return []
        if count <= room and len(newest) == count:
            return [ticket_line(t) for t in newest]
        shown = newest[: room - 1]
        more = Content.styled(f"+ {count - len(shown)} more", "italic")
        return [*(ticket_line(t) for t in shown), more]


def ticket_line(ticket: Ticket) -> Content:
    # The subject is the customer's text: kept literal, never read as markup,
    # and on one row even if it came with line breaks (mail, imports).
    subject = " ".join(ticket.subject.split())
    return Content.assemble((f"#{ticket.id}", "bold"), " ", subject)
