"""What the board, the search screen and the triage queue do to the
tickets a key acts on (T6, issue 17 item 4): the selection when there is
one, else the ticket under the cursor.

Each change of many is one command of `Desk` for all of them: `bulk_move`
(through the move dialog, which asks S7's properties once for the lot),
`bulk_edit` (assign to me; the owner, team and priority dialog),
`bulk_delete` (after one confirmation that says how many). The desk checks
every ticket first: one it refuses refuses the lot, and its message, naming
the ticket, is shown; nothing changes. One ticket takes the one-ticket
command (`move_ticket`, `edit_ticket`, `delete_ticket`), which a desk on a
server queues while the server is away; a bulk change it does not.
`done` is called once the change is made, for the screen to clear its
selection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from textual.app import App

from core import Actor, Desk, DeskError
from core.present import count, counted
from core.records import Ticket
from core.remote.status import Queued
from core.text import show_line
from tui.ticket_changes import set_values, waits

# How many of the tickets a bulk delete's confirmation names (the rest it
# counts): the dialog fits 80x24.
NAMED = 5

Done = Callable[[], None]


def move(app: App[Any], desk: Desk, actor: Actor, tickets: Sequence[Ticket],
         stage_id: str | None = None, done: Done | None = None) -> None:
    """The move dialog for one ticket or the lot."""
    from tui.screens.move_dialog import MoveTicketDialog

    try:
        # One ticket by its id, looked up afresh, as before there were
        # selections; many as the screen shows them.
        dialog = MoveTicketDialog(desk, actor, tickets[0].id if len(tickets) == 1
                                  else tickets, stage_id)
    except DeskError as err:  # gone since the screen drew it
        app.notify(err.message, title="Not moved", severity="error", markup=False)
        return

    def moved(yes: bool | None) -> None:
        if yes and done is not None:
            done()

    app.push_screen(dialog, moved)


def assign_to_me(app: App[Any], desk: Desk, actor: Actor, tickets: Sequence[Ticket],
                 done: Done | None = None) -> None:
    try:
        set_values(desk, actor, tickets, {"owner": desk.me(actor).id})
    except Queued as err:
        waits(app, err)
    except DeskError as err:
        app.notify(err.message, title="Not assigned", severity="error", markup=False)
        return
    else:
        app.notify(f"#{tickets[0].id} is yours now." if len(tickets) == 1 else
                   f"{counted(len(tickets), 'ticket')} are yours now.", markup=False)
    if done is not None:
        done()


def edit(app: App[Any], desk: Desk, actor: Actor, tickets: Sequence[Ticket],
         done: Done | None = None) -> None:
    """The owner, team and priority dialog."""
    from tui.screens.bulk_edit import BulkEditDialog

    def edited(yes: bool | None) -> None:
        if yes and done is not None:
            done()

    app.push_screen(BulkEditDialog(desk, actor, tickets), edited)


def delete(app: App[Any], desk: Desk, actor: Actor, tickets: Sequence[Ticket],
           done: Done | None = None) -> None:
    """T5 and T6: after one confirmation; for the lot it says how many."""
    from tui.screens.dialogs import ConfirmDialog, MessageDialog

    def confirmed(yes: bool | None) -> None:
        if not yes:
            return
        try:
            if len(tickets) == 1:
                desk.delete_ticket(tickets[0].id, actor)
            else:
                desk.bulk_delete([t.id for t in tickets], actor)
        except Queued as err:
            waits(app, err)
        except DeskError as err:
            app.push_screen(MessageDialog("Not deleted", err.message))
            return
        else:
            if len(tickets) > 1:
                app.notify(f"Deleted {counted(len(tickets), 'ticket')}.", markup=False)
        if done is not None:
            done()

    if len(tickets) == 1:
        ticket = tickets[0]
        dialog = ConfirmDialog("Delete ticket?", f"#{ticket.id} {show_line(ticket.subject)}"
                               "\n\nThis cannot be undone.", "Delete")
    else:
        lines = [f"#{t.id} {show_line(t.subject)}" for t in tickets[:NAMED]]
        if len(tickets) > NAMED:
            lines.append(f"… and {count(len(tickets) - NAMED)} more")
        dialog = ConfirmDialog(f"Delete {counted(len(tickets), 'ticket')}?",
                               "\n".join(lines) + "\n\nThis cannot be undone.", "Delete")
    app.push_screen(dialog, confirmed)


class _Acting(Protocol):
    """What a screen with `BulkKeys` has."""

    @property
    def app(self) -> App[Any]: ...

    desk: Desk
    actor: Actor

    def targets(self) -> list[Ticket]: ...

    def bulk_done(self) -> None: ...


class BulkKeys:
    """`A`, `E` and `d` on a screen that lists tickets (the board, the
    search screen, the triage queue): each acts on the screen's `targets`
    (the selection, else the ticket under the cursor) and calls its
    `bulk_done` once the change is made. `m` is each screen's own (the
    board's names a stage)."""

    def action_assign_to_me(self: _Acting) -> None:
        tickets = self.targets()
        if tickets:
            assign_to_me(self.app, self.desk, self.actor, tickets, self.bulk_done)

    def action_edit(self: _Acting) -> None:
        tickets = self.targets()
        if tickets:
            edit(self.app, self.desk, self.actor, tickets, self.bulk_done)

    def action_delete(self: _Acting) -> None:
        tickets = self.targets()
        if tickets:
            delete(self.app, self.desk, self.actor, tickets, self.bulk_done)
