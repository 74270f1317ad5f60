"""The frame of a screen built around one table of rows keyed by id: the
pipeline list, the stage editor, the property definitions.

It follows the desk (the app's signal, tui/desk_notices.py), keeps the row
a dialog is about visible while the screen is dimmed under that dialog,
and gives the cursor keys and the key of the highlighted row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar
from weakref import WeakKeyDictionary

from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from core import Actor, Desk, DeskError
from core.events import Notice
from tui.desk_notices import follow_desk

ResultT = TypeVar("ResultT")

# A list that only grows (notifications, the automation log) shows this many
# rows, newest first: adding a row to a DataTable costs about 0.2 ms, and a
# busy desk's lists run to tens of thousands.
NEWEST_SHOWN = 1000

# What each table was last filled with, and Textual's count of its changes
# then (a cell updated, a row added or removed moves it): filling a table
# that did not change since with the same rows again leaves it as it is
# (the search screen asks on every letter typed, and a letter often leaves
# the rows shown as they were).
_FILLED: WeakKeyDictionary[DataTable[Text], tuple[int, tuple[object, ...]]] = (
    WeakKeyDictionary())


def cursor_bindings(screen: str) -> list[Binding]:
    """j k, and g G / Home End, over a table screen's rows; `screen` names
    the binding ids ("properties.next" …). Home / End are priority bindings:
    the table would keep them for scrolling sideways."""
    return [
        Binding("j", "cursor(1)", "Next", show=False, id=f"{screen}.next"),
        Binding("k", "cursor(-1)", "Previous", show=False, id=f"{screen}.previous"),
        Binding("home,g", "cursor(-1000000)", "First", show=False, priority=True,
                id=f"{screen}.first"),
        Binding("end,G", "cursor(1000000)", "Last", show=False, priority=True,
                id=f"{screen}.last"),
    ]


class TableScreen(Screen[ResultT]):
    """Subclasses compose a `DataTable` with the class `desk-table`, and
    call `follow_desk(on_notice)` in `on_mount`."""

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor

    def follow_desk(self, on_notice: Callable[[Notice], None]) -> None:
        """Hear the desk's notices until this screen is gone."""
        follow_desk(self, self.desk, on_notice)

    def on_screen_suspend(self) -> None:
        self.table.add_class("-behind")

    def on_screen_resume(self) -> None:
        self.table.remove_class("-behind")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one(".desk-table", DataTable)

    def fill(self, headers: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]],
             widths: Sequence[int], select: str | None = None) -> None:
        fill_table(self.table, headers, rows, widths, select)

    @property
    def highlighted(self) -> str | None:
        """The key of the row under the cursor."""
        return highlighted_key(self.table)

    def open_ticket(self, ticket_id: str) -> None:
        """The ticket's detail screen; a ticket deleted (or out of sight)
        since the row was made is said so instead."""
        try:
            self.desk.ticket(ticket_id, self.actor)
        except DeskError as err:
            self.app.notify(err.message, severity="warning", markup=False)
            return
        from tui.screens.ticket_detail import TicketDetailScreen

        self.app.push_screen(TicketDetailScreen(self.desk, self.actor, ticket_id))

    def action_cursor(self, step: int) -> None:
        table = self.table
        if table.row_count:
            table.move_cursor(row=max(0, min(table.cursor_row + step, table.row_count - 1)))


def fill_table(table: DataTable[Text], headers: Sequence[str],
               rows: Sequence[tuple[str, Sequence[str]]], widths: Sequence[int],
               select: str | None = None) -> None:
    """Show `rows` (key, cells) in columns of `widths`, each cell cut to
    its width; the cursor goes to the row keyed `select`, else stays on
    its row number (its row may have just been removed)."""
    wanted = (tuple(headers), tuple(widths), tuple((key, tuple(row)) for key, row in rows))
    changes = getattr(table, "_update_count", None)
    keys = [key for key, _ in rows]
    if (changes is not None and table.row_count == len(rows)
            and _FILLED.get(table) == (changes, wanted)):
        if select in keys and keys.index(select) != table.cursor_row:
            table.move_cursor(row=keys.index(select), animate=False)
        return
    row_before = table.cursor_row
    table.clear(columns=True)
    for header, width in zip(headers, widths, strict=True):
        table.add_column(Text(header), key=header, width=width)
    for key, row in rows:
        cells = []
        for cell, width in zip(row, widths, strict=True):
            # Text, not str: a DataTable reads a str cell as markup, and
            # a name may hold "[".
            text = Text(cell)
            text.truncate(width, overflow="ellipsis")
            cells.append(text)
        table.add_row(*cells, key=key)
    if keys:
        target = keys.index(select) if select in keys else min(row_before, len(keys) - 1)
        table.move_cursor(row=max(0, target), animate=False)
    if changes is not None:
        _FILLED[table] = (table._update_count, wanted)


def highlighted_key(table: DataTable[Text]) -> str | None:
    """The key of the row under a table's cursor."""
    if table.row_count == 0:
        return None
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
