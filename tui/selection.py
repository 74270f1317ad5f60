"""The tickets picked on a screen for a bulk action (T6, issue 17 item 4).

The board, the search screen and the triage queue each keep one: space
toggles the ticket under the cursor, `v` picks every ticket in view (the
board's: in the cursor's column; `V` all on the board), Escape clears. It
holds ticket ids only; a screen drops the ones it no longer shows (deleted,
moved out of sight, filtered out), so a bulk action acts on what is in view.

Free of Textual: a set kept in the order the tickets were picked, with the
words the screens show.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator

from core.present import count

# What marks a picked ticket, as a sign and not a colour only (C3): before
# a card's id on the board, in the # column of a table.
MARK = "●"


class Selection:
    def __init__(self) -> None:
        self._ids: dict[str, None] = {}

    def __contains__(self, ticket_id: object) -> bool:
        return ticket_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    def toggle(self, ticket_id: str) -> bool:
        """In if it was out, out if it was in; True when it is in now."""
        if ticket_id in self._ids:
            del self._ids[ticket_id]
            return False
        self._ids[ticket_id] = None
        return True

    def toggle_all(self, ticket_ids: Collection[str]) -> bool:
        """Every one of `ticket_ids` in, or, when every one was in already,
        every one out (`v` twice leaves things as they were). True when
        they are in now."""
        ids = self._ids
        if ticket_ids and all(t in ids for t in ticket_ids):
            for ticket_id in ticket_ids:
                del ids[ticket_id]
            return False
        ids.update(dict.fromkeys(ticket_ids))
        return True

    def keep_only(self, keep: Callable[[str], bool]) -> list[str]:
        """Drop the ids `keep` says no to; the ones dropped."""
        gone = [t for t in self._ids if not keep(t)]
        for ticket_id in gone:
            del self._ids[ticket_id]
        return gone

    def discard(self, ticket_ids: Iterable[str]) -> list[str]:
        """Drop these ids where held; the ones dropped."""
        gone = [t for t in ticket_ids if t in self._ids]
        for ticket_id in gone:
            del self._ids[ticket_id]
        return gone

    def clear(self) -> bool:
        """Empty it; True when it held any."""
        held = bool(self._ids)
        self._ids.clear()
        return held

    def said(self) -> str:
        """What a screen's title says: "12 selected"."""
        return f"{count(len(self._ids))} selected"
