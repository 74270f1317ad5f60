"""A yes/no switch that reads without colour: `[x] Marketing contact` or
`[ ] Marketing contact`.

Textual's own checkbox draws the same X whether it is on or off and tells
them apart by shade alone, which 16 colours lose (C3). Space switches it;
Enter is left to the dialog (it saves there, as in the dialog's fields).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.content import Content
from textual.widgets import Checkbox


class FlagBox(Checkbox, inherit_bindings=False):
    BINDINGS = [Binding("space", "toggle_button", "Switch", id="flag_box.switch")]

    DEFAULT_CSS = """
    FlagBox, FlagBox.-textual-compact {
        border: none; padding: 0; height: 1; width: auto; background: transparent;
    }
    FlagBox:focus, FlagBox.-textual-compact:focus { border: none; text-style: bold reverse; }
    """

    def render(self) -> Content:
        mark = "[x] " if self.value else "[ ] "
        return Content.assemble((mark, "bold"), self.label)
