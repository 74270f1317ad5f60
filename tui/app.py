"""The terminal client: `run(desk)` opens the board of the last pipeline used.

Only this module and tui/screens, tui/widgets import Textual, and nothing
imports them until the board opens, so `pipedesk --help` and the other
commands start fast.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from core import LOCAL_ADMIN, Actor, Desk, DeskError
from tui.memory import last_pipeline
from tui.screens.board import BoardScreen

# How often the desk looks for what other processes wrote. A look costs a
# stat and a short read when nothing changed.
FOLLOW_INTERVAL = 0.5


class PipedeskApp(App[None]):
    TITLE = "pipedesk"
    CSS_PATH = "pipedesk.tcss"
    # Textual's command palette offers none of the desk's actions, and its
    # footer entry would take the room of ours at 80 columns.
    ENABLE_COMMAND_PALETTE = False
    # Every binding has an id, so that a keymap can rebind it later.
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("r", "refresh", "Refresh", id="app.refresh"),
    ]

    def __init__(self, desk: Desk, actor: Actor = LOCAL_ADMIN) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self._follow_timer: Timer | None = None

    def get_default_screen(self) -> Screen[Any]:
        return BoardScreen(self.desk, self.actor, last_pipeline(self.desk.data_dir))

    def on_mount(self) -> None:
        self._follow_timer = self.set_interval(FOLLOW_INTERVAL, self.follow_desk)

    def follow_desk(self) -> bool:
        """Take in what other processes wrote; the screens hear of it as a
        Notice from the desk and redraw what changed. False when the desk
        could not be read."""
        try:
            self.desk.refresh()
        except DeskError as err:
            # A file went bad under us: say so once, not every half second,
            # and show the board as it was until the user presses r.
            if self._follow_timer is not None:
                self._follow_timer.pause()
            self.notify(f"{err.message}\nPress r to try again.",
                        title="Cannot read the desk", severity="error", timeout=30)
            return False
        return True

    def action_refresh(self) -> None:
        if self.follow_desk() and self._follow_timer is not None:
            self._follow_timer.resume()


def run(desk: Desk) -> None:
    PipedeskApp(desk).run()
