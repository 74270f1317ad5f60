"""The desk's notices, carried to the screens by one signal the app owns.

The app subscribes to the desk once (`DeskNotices`) and publishes each
`Notice` on a Textual `Signal`. A screen or widget that shows the desk's
data follows that signal (`follow_desk`), and Textual ends the subscription
with the widget: a screen cannot forget to unsubscribe, and one dismissed
while the desk changes hears nothing more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from textual.app import App
from textual.dom import DOMNode
from textual.signal import Signal

from core import Desk
from core.events import Notice

# The signal of each running app. An app other than PipedeskApp (a test's
# host of one screen) gets its own the first time a screen follows the desk.
_of_app: WeakKeyDictionary[App[Any], DeskNotices] = WeakKeyDictionary()


class DeskNotices:
    """`DeskNotices.of(app, desk)`: the signal on which `app` tells its
    screens what the desk took in or wrote."""

    def __init__(self, app: App[Any], desk: Desk) -> None:
        self.desk = desk
        self.signal: Signal[Notice] = Signal(app, "desk-notices")
        # Asked first about each notice; False keeps it from the screens
        # (the app's: the acting user was deactivated, and every query of
        # the screens would be refused).
        self.admit: Callable[[Notice], bool] = lambda notice: True
        self._stop = desk.subscribe(self._heard)

    def _heard(self, notice: Notice) -> None:
        if self.admit(notice):
            self.signal.publish(notice)

    @classmethod
    def of(cls, app: App[Any], desk: Desk) -> DeskNotices:
        notices = _of_app.get(app)
        if notices is None or notices.desk is not desk:
            if notices is not None:
                notices.close()
            notices = _of_app[app] = cls(app, desk)
        return notices

    def close(self) -> None:
        """Stop listening to the desk (the app is closing)."""
        self._stop()


def follow_desk(node: DOMNode, desk: Desk,
                on_notice: Callable[[Notice], None]) -> Callable[[], None]:
    """Call `on_notice` with each notice of `desk` while `node` is mounted
    (call it from `on_mount`), synchronously as the desk publishes, as a
    subscriber of the desk itself would be. Returns a function that stops
    it sooner (all of `node`'s following: a node follows the desk once)."""
    signal = DeskNotices.of(node.app, desk).signal

    def heard(notice: Notice) -> None:
        try:
            on_notice(notice)
        except Exception as error:  # noqa: BLE001 - handed on, not swallowed
            # Signal.publish would only log it: a screen's bug must show as
            # any other handler's does (Textual stops with the traceback).
            node.app._handle_exception(error)

    signal.subscribe(node, heard, immediate=True)
    return lambda: signal.unsubscribe(node)
