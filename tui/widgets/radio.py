"""A radio button whose mark says without colour whether it is chosen.

Textual draws every radio button with the same ● and tells the chosen one
by its colour alone; in 16 colours the two shades are hard to tell apart
(C3). Here the chosen one is ● and the others ○, in any colours.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import RadioButton

CHOSEN = "●"
NOT_CHOSEN = "○"


class MarkedRadioButton(RadioButton):
    # Textual draws an unchosen mark in the panel's own shade (it is meant
    # to vanish); ○ is drawn to be seen.
    DEFAULT_CSS = """
    MarkedRadioButton.marked > .toggle--button { color: $foreground; }
    MarkedRadioButton.marked.-on > .toggle--button { color: $text-success; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_class("marked")
        self._mark()

    def watch_value(self) -> None:
        self._mark()
        super().watch_value()

    def _mark(self) -> None:
        self.BUTTON_INNER = CHOSEN if self.value else NOT_CHOSEN
