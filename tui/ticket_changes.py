"""One ticket's command or the bulk one (T4, T6): what the bulk actions
(tui/bulk_actions.py) and the owner, team and priority dialog
(tui/screens/bulk_edit.py) both call. Its own module so that the dialog
needs nothing of the actions that open it (no import cycle)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.app import App

from core import Actor, Desk
from core.records import Ticket
from core.remote.status import Queued


def set_values(desk: Desk, actor: Actor, tickets: Sequence[Ticket],
               values: dict[str, Any]) -> None:
    """T4 for one ticket, T6 for many."""
    if len(tickets) == 1:
        desk.edit_ticket(tickets[0].id, values, actor)
    else:
        desk.bulk_edit([t.id for t in tickets], values, actor)


def waits(app: App[Any], err: Queued) -> None:
    """The server away: the change waits, and the screens show it (docs/sync.md)."""
    app.notify(err.message, title="Waits for the server", severity="warning", markup=False)
