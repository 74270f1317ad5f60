"""`?`: every key of the screen it was opened from (C2).

The footer has room for the main keys only; this lists all of them, hidden
ones included, read from the bindings themselves (so a keymap that rebinds
a key shows here as rebound, and nothing is listed that does not work).
`i` shows the bindings' ids instead of what they do: the names a user's
config file remaps them by (core/user_config.py).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.dom import DOMNode
from textual.keys import format_key
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.screens.dialogs import DeskDialog

# Key names as a person reads them in a hint ("Enter", not "⏎").
KEY_NAMES = {
    "enter": "Enter", "escape": "Esc", "tab": "Tab", "space": "Space",
    "backspace": "Backspace", "delete": "Del", "insert": "Ins",
    "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End",
    "up": "↑", "down": "↓", "left": "←", "right": "→",
}

# Textual's own copy key works with a mouse selection only: not a key a
# keyboard user can act on, so it is left out.
LEFT_OUT_ACTIONS = frozenset({"screen.copy_text"})

# From this many keys on, the list takes two columns so that it fits 80x24.
TWO_COLUMNS_FROM = 10


def keys_of(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding active on `screen`: its own,
    then the app's (a modal screen stops there, as Textual does). Keys of
    one action and description are joined: ("← / h", "Left")."""
    return [(keys, what) for keys, what, _ in _keys_with_ids(screen)]


def ids_of(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, binding ids) in the order of `keys_of`: what a keymap names.
    Textual's own keys (Tab …) have no id and cannot be remapped."""
    return [(keys, ", ".join(ids) or "(no id)") for keys, _, ids in _keys_with_ids(screen)]


def _keys_with_ids(screen: Screen[Any]) -> list[tuple[str, str, list[str]]]:
    app = screen.app
    chain: list[tuple[DOMNode, BindingsMap]] = [(screen, screen._bindings.copy())]
    if not screen.is_modal:
        chain.append((app, app._bindings.copy()))
    found: dict[tuple[int, str, str], list[Binding]] = {}
    claimed: set[str] = set()
    for namespace, bindings in chain:
        # In the order the screen declares them, also once a keymap moved
        # one to another key.
        declared = {binding.id: n for n, (_, binding) in enumerate(bindings)}
        if app._keymap:
            bindings.apply_keymap(app._keymap)
        # The screen's own keys (the ones with an id, by pipedesk's rule)
        # before the stock keys Textual adds, such as Tab.
        for key, binding in sorted(bindings, key=lambda kb: (kb[1].id is None,
                                                             declared.get(kb[1].id, 0))):
            # A key the screen binds hides the app's binding of that key.
            if key in claimed or binding.system or binding.action in LEFT_OUT_ACTIONS:
                continue
            what = _description(binding)
            if not what or app._check_action_state(binding.action, namespace) is False:
                continue
            claimed.add(key)
            found.setdefault((id(namespace), binding.action, what), []).append(binding)
    listed = []
    for (_, _, what), group in found.items():
        # Plain keys before ones with modifiers: "q / Ctrl+Q".
        group.sort(key=lambda b: "+" in b.key)
        names = list(dict.fromkeys(key_name(b) for b in group))
        ids = list(dict.fromkeys(b.id for b in group if b.id))
        listed.append((" / ".join(names), what, ids))
    return listed


def key_name(binding: Binding) -> str:
    """"Ctrl+S", "Enter", "<", "?" …"""
    if binding.key_display:
        return binding.key_display
    modifiers, key = binding.parse_key()
    name = KEY_NAMES.get(key) or format_key(key)
    # "F6" as printed on the key (a keymap may bind function keys).
    if modifiers and len(name) == 1 or (key[:1] == "f" and key[1:].isdigit()):
        name = name.upper()
    return "+".join([*(m.capitalize() for m in modifiers), name])


def _description(binding: Binding) -> str:
    text = binding.description
    # A description that is only a glyph ("◀") says little in a list of
    # keys; the tooltip, where there is one, says it in words.
    if binding.tooltip and not any(c.isalnum() for c in text):
        text = binding.tooltip
    return text[:1].upper() + text[1:]


class KeysHelpScreen(DeskDialog[None]):
    """`KeysHelpScreen(bindings, ids)`: lists (key, description) pairs,
    usually `keys_of(screen)`; with `ids` (`ids_of(screen)`), `i` switches
    to the bindings' ids and back. Dismisses with None on Escape, `?` or q."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="keys_help.close"),
        Binding("question_mark,q", "close", "Close", show=False, id="keys_help.close_also"),
        Binding("j", "scroll(1)", "Down", show=False, id="keys_help.down"),
        Binding("k", "scroll(-1)", "Up", show=False, id="keys_help.up"),
        Binding("i", "switch_ids", "Ids", id="keys_help.ids"),
    ]

    def __init__(self, bindings: list[tuple[str, str]],
                 ids: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.described = list(bindings)
        self.ids = ids
        self.bindings = self.described
        self.showing_ids = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield self.title_line("Keys")
            with VerticalScroll(id="keys-list"):
                yield Static(self._table(), id="keys-table")
            yield self.hint_line(self._hint())
        yield Footer(compact=True)

    def _hint(self) -> str:
        if self.showing_ids:
            return "Binding ids, for [keymap] in your config file · i shows what keys do"
        return "Escape, ? or q closes" + (" · i shows binding ids" if self.ids else "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.ids is not None if action == "switch_ids" else True

    def action_switch_ids(self) -> None:
        if self.ids is None:
            return
        self.showing_ids = not self.showing_ids
        self.bindings = self.ids if self.showing_ids else self.described
        self.query_one("#keys-table", Static).update(self._table())
        self.query_one("#dialog-hint", Static).update(Content(self._hint()))

    def on_mount(self) -> None:
        self.query_one("#keys-list").focus()

    def _table(self) -> Content:
        if not self.bindings:
            return Content("This screen has no keys of its own.")
        columns = 2 if len(self.bindings) >= TWO_COLUMNS_FROM else 1
        rows = -(-len(self.bindings) // columns)  # column by column, as one reads
        key_width = min(14, max(len(key) for key, _ in self.bindings))
        # The dialog's inside is 74 cells; two columns share it with a gap.
        what_width = (72 // columns) - key_width - 2
        lines: list[Content] = []
        for row in range(rows):
            parts: list[Content] = []
            for column in range(columns):
                n = column * rows + row
                if n >= len(self.bindings):
                    break
                key, what = self.bindings[n]
                cell = Content.assemble((_fit(key, key_width), "bold"), "  ",
                                        _fit(what, what_width))
                parts.append(cell)
            lines.append(Content("  ").join(parts))
        return Content("\n").join(lines)

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, rows: int) -> None:
        self.query_one("#keys-list", VerticalScroll).scroll_relative(y=rows, animate=False)


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[:width - 1] + "…"
