"""The unread-notifications count (A4b), in the top right of every screen.

It follows the desk, so a notification made by automation here or in
another terminal shows at once; it says its key, `!`, in its own text. With
nothing unread it takes no room."""

from __future__ import annotations

from textual.widgets import Static

from core import Actor, Desk
from core.events import Notice
from core.present import count
from tui.desk_notices import follow_desk


class UnreadBadge(Static):
    # Unscoped: the screen must name the layer the badge floats on.
    SCOPED_CSS = False
    DEFAULT_CSS = """
    Screen { layers: base badge; }
    UnreadBadge {
        /* Its own layer: docked there, it takes no room from the screen's
         * own widgets; it sits over the right end of the title line. */
        layer: badge; dock: right; width: auto; height: 1; padding: 0 1;
        /* Reverse reads with 16 colours too. */
        text-style: bold reverse; display: none;
    }
    UnreadBadge.-unread { display: block; }
    """

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__(classes="unread-badge")
        self.desk = desk
        self.actor = actor

    def on_mount(self) -> None:
        follow_desk(self, self.desk, self._on_notice)
        self.update_count()

    def _on_notice(self, notice: Notice) -> None:
        self.update_count()

    def update_count(self) -> None:
        unread = self.desk.unread_count(self.actor)
        self.set_class(unread > 0, "-unread")
        self.update(f"! {count(unread)} unread" if unread else "")
