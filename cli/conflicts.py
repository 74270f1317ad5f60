"""`pipedesk conflicts …`: the changes made while the server did not
answer that it refused when they were sent later (issue 16 item 5;
docs/sync.md), as the app's Conflicts screen shows them: list them, apply
one again, or discard it. Only a desk on a server has them."""

from __future__ import annotations

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core import DeskError
from core.remote.queue import Conflict
from core.remote.status import Syncing
from core.text import show_line


@group()
def conflicts() -> None:
    """Changes made offline that the server refused: list, retry, discard."""


def _syncing(session: Session) -> Syncing:
    desk = session.desk
    if not isinstance(desk, Syncing):
        raise DeskError("Conflicts come of changes made offline on a server's desk; this "
                        "desk is kept on this host (give --server URL, or pipedesk login).")
    return desk


def _find(desk: Syncing, ref: str) -> Conflict:
    """A conflict by the start of its key, as `list` shows it."""
    ref = ref.strip()
    found = [c for c in desk.open_conflicts() if ref and c.change.key.startswith(ref)]
    if len(found) != 1:
        known = ", ".join(c.change.key[:8] for c in desk.open_conflicts()) or "there are none"
        said = "it names several" if found else known
        raise DeskError(f"No conflict {show_line(ref)!r} ({said}).")
    return found[0]


@conflicts.command("list")
@json_option
@pass_session
def conflicts_list(session: Session, as_json: bool) -> None:
    """The conflicts, oldest first."""
    found = _syncing(session).open_conflicts()
    if as_json:
        emit_json([{"id": c.change.key, "change": c.change.what, "ticket": c.change.ticket,
                    "reason": c.reason, "at": c.at, "sends": c.change.body} for c in found])
        return
    if not found:
        click.echo("No conflicts: every change made offline was applied.")
        return
    table(["ID", "CHANGE", "WHY THE SERVER REFUSED IT"],
          [[c.change.key[:8], c.change.what, c.reason] for c in found])


@conflicts.command("retry")
@click.argument("ref", metavar="ID")
@pass_session
def conflicts_retry(session: Session, ref: str) -> None:
    """Send the change again as it was (when what stood in its way is gone)."""
    desk = _syncing(session)
    conflict = _find(desk, ref)
    desk.apply_again(conflict)
    click.echo(f"Applied: {conflict.change.what}.")


@conflicts.command("discard")
@click.argument("ref", metavar="ID")
@pass_session
def conflicts_discard(session: Session, ref: str) -> None:
    """Give the change up: the server's state stands."""
    desk = _syncing(session)
    conflict = _find(desk, ref)
    desk.discard(conflict)
    click.echo(f"Discarded: {conflict.change.what}.")
