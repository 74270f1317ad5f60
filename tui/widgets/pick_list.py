"""A list to pick from in a dialog that moves with j / k as well as the
arrows, as the board and the tables do: a user who moves with j and then
acts (`d` removes, Enter chooses) acts on the row they see highlighted."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import OptionList


class PickList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="pick_list.down"),
        Binding("k", "cursor_up", "Up", show=False, id="pick_list.up"),
    ]
