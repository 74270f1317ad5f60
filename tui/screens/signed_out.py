"""What the app shows when its user may no longer use the desk (U1, U3):
an administrator deactivated or removed them, here or in another terminal.

Every query would be refused from then on, so the app stops following the
desk and shows the desk's reason instead of the board, with the one thing
left to do: leave.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from tui.screens.dialogs import DeskDialog


class SignedOutScreen(DeskDialog[None]):
    """`SignedOutScreen(reason)`: the desk's words; q, Enter or Escape quit."""

    AUTO_FOCUS = ""
    BINDINGS = [
        Binding("q,enter,escape", "app.quit", "Quit", id="signed_out.quit"),
    ]

    def __init__(self, reason: str) -> None:
        super().__init__(id="signed-out")
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("You can no longer use this desk")
            yield Static(Content(self.reason), classes="dialog-message")
            yield self.hint_line("q, Enter or Esc quits")
        yield Footer(compact=True)
