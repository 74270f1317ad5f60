"""The mail quarantine (issue 13): mail the desk kept aside because it would
not parse or no channel takes it, with when it came, its size and why. `t`
takes the highlighted message again (once its channel exists, say) and says
what became of it; `mail quarantine list|retry` on the command line does the
same.

The quarantine is a folder, not the journal: the list is read again when
the desk changes (a retry, a channel added).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk, DeskError
from core.events import Notice
from core.present import file_size, when
from core.text import show_line
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("When", "Size", "Reason")
EMPTY = "The quarantine is empty: every message that came in was taken."


class QuarantineScreen(TableScreen[None]):
    AUTO_FOCUS = "#quarantine-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="quarantine.back"),
        Binding("t", "retry", "Try again", id="quarantine.retry"),
        *cursor_bindings("quarantine"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(desk, actor)
        self.outcome = ""
        self._reasons: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(Content("Mail quarantine"), classes="screen-title",
                     id="quarantine-title")
        yield Static(classes="screen-line", id="quarantine-hint")
        yield DataTable[Text](cursor_type="row", id="quarantine-table", classes="desk-table")
        yield Static(id="quarantine-outcome")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self.show()

    def _on_notice(self, notice: Notice) -> None:
        if self.is_mounted:
            self.show(select=self.highlighted)

    def show(self, select: str | None = None) -> None:
        items = self.desk.quarantine(self.actor)
        self._reasons = {q.key: q.reason for q in items}
        # The reason takes what the date and the size leave of the width.
        reason_width = max(20, self.size.width - 16 - 8 - 10)
        self.fill(HEADERS, [(q.key, (when(q.at), file_size(q.size), show_line(q.reason)))
                            for q in items], (16, 8, reason_width), select=select)
        count = len(items)
        hint = (EMPTY if not count else
                f"{count} message{'s' if count != 1 else ''} kept aside · "
                "t takes the highlighted one again · Esc back")
        self.query_one("#quarantine-hint", Static).update(Content(hint))
        self._show_reason()

    def on_data_table_row_highlighted(self) -> None:
        self._show_reason()

    def _show_reason(self) -> None:
        """Below the table: what the last retry did, and the highlighted
        message's whole reason (the column cuts it)."""
        reason = self._reasons.get(self.highlighted or "")
        lines = [self.outcome] if self.outcome else []
        lines.append(f"Why: {show_line(reason)}" if reason is not None else
                     "Retry a message once what kept it out is fixed (a channel added "
                     "for its address, say).")
        self.query_one("#quarantine-outcome", Static).update(Content("\n".join(lines)))

    def action_back(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        key = self.highlighted
        if key is None:
            return
        try:
            intake = self.desk.retry_quarantined(key, self.actor)
        except DeskError as err:
            self.outcome = f"✗ {show_line(err.message)}"
        else:
            self.outcome = show_line(said(intake.outcome, intake.ticket, intake.reason))
        self.show()


def said(outcome: str, ticket: str | None, reason: str) -> str:
    """What became of a message taken again, in a user's words."""
    match outcome:
        case "created":
            return f"✓ Taken: it made ticket #{ticket}."
        case "appended":
            return f"✓ Taken: it is on ticket #{ticket} now."
        case "duplicate":
            return f"✓ Already taken before (ticket #{ticket}); nothing doubled."
        case "ignored":
            return f"Taken, but set aside: {reason}"
    return f"✗ Still kept aside: {reason}"
