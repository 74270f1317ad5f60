"""Every binding id a keymap can name: pipedesk's screens and widgets, and
the Textual widgets they use.

Screens are imported only when they open, so this imports them all: call
it after the first board is on screen, and only when a keymap needs
checking.
"""

from __future__ import annotations

import importlib
import pkgutil

from textual.binding import Binding
from textual.dom import DOMNode

import tui.screens
import tui.widgets

OWNERS = frozenset({"tui", "textual"})


def every_binding_id() -> set[str]:
    for package in (tui.screens, tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    importlib.import_module("tui.app")
    ids: set[str] = set()
    todo: list[type[DOMNode]] = [DOMNode]
    seen: set[type[DOMNode]] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo += cls.__subclasses__()
        # pipedesk's and Textual's own classes (not, say, a test's).
        if cls.__module__.partition(".")[0] in OWNERS:
            ids |= {b.id for b in vars(cls).get("BINDINGS", ())
                    if isinstance(b, Binding) and b.id and "{" not in b.id}
    return ids
