"""Copying tickets to the clipboard for a hand-over (issue 17 item 5):
the text is core/handover.py's; Textual sends it to the terminal as OSC 52,
which reaches the person's own clipboard over SSH, and through tmux where
its `set-clipboard` lets it (docs/search.md)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App

from core import Desk
from core.handover import SUMMARY_LINES, summary, ticket_line
from core.present import counted
from core.records import Ticket
from core.remote.status import Syncing


def _server(desk: Desk) -> str:
    return desk.sync_status().server if isinstance(desk, Syncing) else ""


def copy_ticket(app: App[object], desk: Desk, ticket: Ticket) -> None:
    app.copy_to_clipboard(ticket_line(desk.config, ticket, _server(desk), desk.sla_clocks())
                          + "\n")
    app.notify(f"Copied #{ticket.id} to the clipboard.", markup=False)


def copy_summary(app: App[object], desk: Desk, title: str, tickets: Sequence[Ticket]) -> None:
    app.copy_to_clipboard(summary(desk.config, title, tickets, _server(desk),
                                  desk.sla_clocks()))
    listed = min(len(tickets), SUMMARY_LINES)
    more = f" (the first {listed})" if len(tickets) > listed else ""
    app.notify(f"Copied {counted(len(tickets), 'ticket')}{more} to the clipboard.",
               markup=False)
