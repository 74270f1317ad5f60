"""Every text the terminal client draws passes through `core.text.show_text`.

Textual's `Content` and Rich's `Text` are how any widget puts words on the
screen (tables, dialogs, inputs, option lists, notifications), and each of
them filters what it is given through one function that takes a few
control codes out (BEL, BS, VT, FF, CR), and lets an escape (U+001B), the C1
controls and direction overrides through to the terminal. `install` puts
pipedesk's display rule (core/text.py) in the place of those two
functions, so a subject, a label or a name from the desk is drawn as text on
every screen, however it got on disk. The rule maps each character to one,
so the styles a widget put on a stretch of text stay on it.

`tui.screens` and `tui.widgets` install it when they are first imported,
so no screen can draw before it. The board's columns draw their cards as
segments of their own, past both (tui/widgets/stage_column.py), and show
them through `show_line`.

Both functions are internal to those libraries (pinned in constraints.txt):
`install` fails loudly should an upgrade rename them, and
tests/test_text.py checks that an escape never reaches the screen.
"""

from __future__ import annotations

import rich.text
import textual.content

from core.text import show_text

_FILTERS = ((textual.content, "_strip_control_codes"), (rich.text, "strip_control_codes"))


def install() -> None:
    """Show all text through `show_text` from now on (idempotent)."""
    for module, name in _FILTERS:
        if not callable(getattr(module, name, None)):
            raise RuntimeError(f"{module.__name__}.{name} is gone: text from the desk could "
                               "reach the terminal unfiltered; see tui/screen_text.py")
        setattr(module, name, show_text)
