"""A list of things to tick, each `[x] Name` or `[ ] Name`: the members of
a team, who may view or edit a pipeline. The marks read without colour
(C3); Space ticks or unticks the highlighted row, j / k move as in every
other list, and Enter is left to the dialog (it saves there)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.binding import Binding
from textual.content import Content
from textual.widgets.option_list import Option

from tui.widgets.pick_list import PickList


class CheckList(PickList):
    """`CheckList([(key, label), ...], ticked=keys)`; `ticked` is what is
    ticked now, in the list's order."""

    BINDINGS = [Binding("space", "switch", "Tick", id="check_list.switch")]

    def __init__(self, items: Sequence[tuple[str, str]], ticked: Iterable[str] = (), *,
                 id: str | None = None) -> None:
        self.items = list(items)
        self._ticked = set(ticked) & {key for key, _ in self.items}
        super().__init__(*(Option(self._prompt(key, label), id=key) for key, label in items),
                         id=id)

    def _prompt(self, key: str, label: str) -> Content:
        mark = "[x] " if key in self._ticked else "[ ] "
        return Content.assemble((mark, "bold"), label)

    @property
    def ticked(self) -> list[str]:
        return [key for key, _ in self.items if key in self._ticked]

    def action_switch(self) -> None:
        index = self.highlighted
        if index is None or not self.items:
            return
        key, label = self.items[index]
        self._ticked ^= {key}
        self.replace_option_prompt_at_index(index, self._prompt(key, label))
