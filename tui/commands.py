"""pipedesk's commands in Textual's command palette (`:` or Ctrl+P).

The palette offers what `palette_commands` lists: one `PaletteCommand`
(name, help, what it does) each, so a new command is one more entry there.
The provider follows Textual's `Provider` API: `discover` lists them all
when nothing is typed yet, `search` the ones whose name fits what is typed.
Beside the fixed ones: each pipeline's board ("Board: Support pipeline"), and
a ticket by its number ("#17" or "17" offers "Open ticket #17: …"), both
as the desk shows them to the user.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import NamedTuple, Protocol, runtime_checkable

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from core import Desk, DeskError
from core.access import Actor, may_administer
from core.remote.status import Syncing
from core.text import show_line


@runtime_checkable
class PaletteHost(Protocol):
    """What the palette needs of the app (tui.app.PipedeskApp is one): said
    here, so the app imports the palette and not the other way round."""

    desk: Desk
    actor: Actor

    def open_board(self, pipeline_id: str) -> None: ...
    def on_board(self, action: str) -> None: ...
    def open_ticket(self, ticket_id: str) -> None: ...
    def action_search(self) -> None: ...
    def action_triage(self) -> None: ...
    def open_search(self, query: str) -> None: ...
    def saved_views(self) -> dict[str, str]: ...
    def action_contacts(self) -> None: ...
    def action_people(self) -> None: ...
    def action_tokens(self) -> None: ...
    def action_conflicts(self) -> None: ...
    def action_quarantine(self) -> None: ...
    def action_notifications(self) -> None: ...
    def exit(self) -> None: ...


class PaletteCommand(NamedTuple):
    name: str
    help: str
    run: Callable[[], object]


def palette_commands(app: PaletteHost) -> list[PaletteCommand]:
    """The commands on offer, in the order the palette lists them."""
    boards = [PaletteCommand(f"Board: {show_line(p.label)}", "Open this pipeline's board",
                             partial(app.open_board, p.id))
              for p in app.desk.pipelines(app.actor)]
    on_board = [PaletteCommand(name, help, partial(app.on_board, action))
                for name, help, action in (
                    ("Pipelines", "Open, create, rename, reorder, delete pipelines", "pipelines"),
                    ("Stage editor", "The stages of the board's pipeline", "stages"),
                    ("Automate tab", "The board's pipeline's automation", "automate"),
                    ("Card properties", "What the board's cards show (P7)", "cards"),
                    ("Property definitions", "Create, edit, archive ticket properties",
                     "properties"),
                    ("Keys", "Every key of the board", "keys"))]
    return [
        *boards,
        PaletteCommand("Triage queue", "Every open ticket you see, most urgent first; "
                       "assign, move, reply", app.action_triage),
        PaletteCommand("Search", "Find tickets across every pipeline: words, priority:urgent "
                       "owner:none …", app.action_search),
        # The person's saved views ([views] in their own config).
        *(PaletteCommand(f"View: {show_line(name)}", show_line(query),
                         partial(app.open_search, query))
          for name, query in app.saved_views().items()),
        PaletteCommand("Contacts", "List, find, add and edit contacts", app.action_contacts),
        PaletteCommand("Users and teams", "Who works on this desk, their rights and teams (C1)",
                       app.action_people),
        # Offered to whom the desk lets manage them (core/access.py decides).
        *([PaletteCommand("API tokens", "Tokens scripts and the server's clients sign in "
                          "with; make one, revoke one", app.action_tokens)]
          if may_administer(app.desk.config, app.actor) else []),
        PaletteCommand("Notifications", "What automation told you (A4b)",
                       app.action_notifications),
        PaletteCommand("Mail quarantine", "Mail kept aside, and why; take it again",
                       app.action_quarantine),
        *([PaletteCommand("Conflicts", "Changes made offline the server refused; apply "
                          "again or discard", app.action_conflicts)]
          if isinstance(app.desk, Syncing) else []),
        *on_board,
        PaletteCommand("Quit", "Leave pipedesk", app.exit),
    ]


class DeskCommands(Provider):
    """pipedesk's own commands for the palette."""

    def _commands(self) -> list[PaletteCommand]:
        app = self.app
        return palette_commands(app) if isinstance(app, PaletteHost) else []

    def _ticket_command(self, query: str) -> PaletteCommand | None:
        """"#17" or "17": open that ticket, if the user may see it."""
        app = self.app
        number = query.strip().removeprefix("#")
        if not (isinstance(app, PaletteHost) and number.isascii() and number.isdigit()):
            return None
        try:
            ticket = app.desk.ticket(number, app.actor)
        except DeskError:
            return None
        return PaletteCommand(f"Open ticket #{ticket.id}: {show_line(ticket.subject)}",
                              "Its properties and timeline", partial(app.open_ticket, ticket.id))

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        ticket = self._ticket_command(query)
        if ticket is not None:
            yield Hit(1.0, Text(ticket.name), ticket.run, text=ticket.name, help=ticket.help)
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run,
                          text=command.name, help=command.help)
