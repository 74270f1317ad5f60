"""What the screens' tests share: the stylesheet a host app loads.

A test runs one screen or dialog in a small host app instead of the whole
PipedeskApp; the screens' looks are in the app's stylesheet
(tui/pipedesk.tcss), so the host loads it too and draws them as the app does.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from textual.app import App

import tui
from core import LOCAL_ADMIN, Desk
from tui.screens.ticket_detail import TicketDetailScreen

SCREENS_CSS = str(Path(tui.__file__).with_name("pipedesk.tcss"))
# And the palette's, which hides the palette's footer entry as the app does:
# a host drawing a screen's footer shows the keys the app would.
APP_CSS: list[str | PurePath] = [SCREENS_CSS, Path(tui.__file__).with_name("palette.tcss")]


class DetailHost(App[None]):
    """Stands in for the board: it pushes the detail screen of one ticket
    (as the local administrator) and stays below."""

    CSS_PATH = APP_CSS

    def __init__(self, desk: Desk, ticket_id: str) -> None:
        super().__init__()
        self.desk = desk
        self.ticket_id = ticket_id

    def on_mount(self) -> None:
        self.push_screen(TicketDetailScreen(self.desk, LOCAL_ADMIN, self.ticket_id))
