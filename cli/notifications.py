"""`pipedesk notifications`: the internal notifications stage actions send
(A4b), as the TUI's notifications screen lists them."""

from __future__ import annotations

import click

from cli.common import Session, command, emit_json, json_option, pass_session, table
from core.present import when


@command()
@json_option
@click.option("--mark-read", is_flag=True, help="Mark them all as read.")
@pass_session
def notifications(session: Session, as_json: bool, mark_read: bool) -> None:
    """Your internal notifications (A4b), newest first."""
    desk = session.desk if mark_read else session.reading
    found = desk.notifications(session.actor)
    rows = [{"id": n.id, "at": n.at.isoformat(), "ticket": n.ticket, "text": n.text,
             "unread": desk.is_unread(n, session.actor)} for n in found]
    if mark_read:
        desk.mark_notifications_read(session.actor)
    if as_json:
        emit_json(rows)
        return
    table(["", "WHEN", "TICKET", "TEXT"],
          [["\u2022" if r["unread"] else "", when(n.at), f"#{n.ticket}" if n.ticket else "",
            n.text] for r, n in zip(rows, found, strict=True)])
