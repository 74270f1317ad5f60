"""Every binding id a keymap can name: pipedesk's screens and widgets, and
the Textual widgets they use.

Screens are imported only when they open, so this imports them all: call
it after the first board is on screen, and only when a keymap needs
checking.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping

from textual.binding import Binding
from textual.dom import DOMNode

import tui.screens
import tui.widgets

OWNERS = frozenset({"tui", "textual"})


def every_binding_id() -> set[str]:
    return {binding.id for cls in binding_classes() for binding in _declared(cls) if binding.id}


def keymap_clashes(keymap: Mapping[str, str]) -> list[tuple[str, Binding]]:
    """(key, binding) for each binding the keymap (normalised, as
    `App._keymap`) takes a key from: the key now does another binding of
    the same screen or widget. Textual takes the key from it without a
    word when both have ids, so pipedesk says it."""
    lost: dict[tuple[str, str | None], Binding] = {}
    for cls in binding_classes():
        if cls.__module__.partition(".")[0] != "tui" or cls._merged_bindings is None:
            continue
        declared = cls._merged_bindings.key_to_bindings
        for binding_id, keys in keymap.items():
            if not any(b.id == binding_id for bs in declared.values() for b in bs):
                continue
            for key in keys.split(","):
                for other in declared.get(key, []):
                    if other.id != binding_id and other.id not in keymap:
                        lost.setdefault((key, other.id), other)
    return [(key, binding) for (key, _), binding in
            sorted(lost.items(), key=lambda kb: (kb[0][0], kb[0][1] or ""))]


def binding_classes() -> list[type[DOMNode]]:
    """Every screen and widget class of pipedesk's, and Textual's (not,
    say, a test's)."""
    for package in (tui.screens, tui.widgets):
        for module in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    importlib.import_module("tui.app")
    found: list[type[DOMNode]] = []
    todo: list[type[DOMNode]] = [DOMNode]
    seen: set[type[DOMNode]] = set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        todo += cls.__subclasses__()
        if cls.__module__.partition(".")[0] in OWNERS:
            found.append(cls)
    return found


def _declared(cls: type[DOMNode]) -> list[Binding]:
    # choice_bindings' template ids ("{prefix}.add") are not ids of a binding.
    return [b for b in vars(cls).get("BINDINGS", ())
            if isinstance(b, Binding) and b.id and "{" not in b.id]
