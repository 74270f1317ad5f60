"""A notification that is on screen once at most.

Some things are said again and again while they last: the desk cannot be
read (every press of r), a ticket under the cursor moved elsewhere (every
move another terminal makes). Shown as plain notifications they pile up and
cover the board for as long as their timeouts run, even after what they say
stopped being true. A `OneNotice` replaces what it said before, and is taken
away as soon as it is no longer so.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.notifications import Notification, Notify, SeverityLevel


class OneNotice:
    """`OneNotice(owner)`: the notice of a screen or of the app (`owner`),
    shown by the app."""

    def __init__(self, owner: DOMNode) -> None:
        self.owner = owner
        self._shown: Notification | None = None

    @property
    def app(self) -> App[Any]:
        return self.owner.app

    def show(self, message: str, *, title: str = "",
             severity: SeverityLevel = "information", timeout: float = 5) -> None:
        """Say `message` in place of what this notice said before. Desk text
        (file names, labels) may hold "[": it is never read as markup."""
        self.clear()
        self._shown = Notification(message, title, severity, timeout, markup=False)
        # What App.notify does, keeping hold of the notification so that it
        # can be taken away (App.notify returns nothing).
        self.app.post_message(Notify(self._shown))

    def clear(self) -> None:
        """Take the notice away, if it is still on screen."""
        shown, self._shown = self._shown, None
        if shown is None:
            return
        if shown in self.app._notifications:
            self._drop(shown)
        else:
            # Shown a moment ago: its Notify is still on its way, and runs
            # before this.
            self.app.call_later(self._drop, shown)

    def _drop(self, shown: Notification) -> None:
        # Textual has no public call to take one notification away.
        if shown in self.app._notifications:
            self.app._unnotify(shown)
