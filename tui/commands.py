"""pipedesk's commands in Textual's command palette (`:` or Ctrl+P).

The palette offers what `palette_commands` lists: one `PaletteCommand`
(name, help, what it does) each, so a new command is one more entry there.
The provider follows Textual's `Provider` API: `discover` lists them all
when nothing is typed yet, `search` the ones whose name fits what is typed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from tui.app import PipedeskApp


class PaletteCommand(NamedTuple):
    name: str
    help: str
    run: Callable[[], object]


def palette_commands(app: PipedeskApp) -> list[PaletteCommand]:
    """The commands on offer, in the order the palette lists them."""
    return [
        PaletteCommand("Contacts", "List, find, add and edit contacts", app.action_contacts),
        PaletteCommand("Notifications", "What automation told you (A4b)",
                       app.action_notifications),
        PaletteCommand("Quit", "Leave pipedesk", app.exit),
    ]


class DeskCommands(Provider):
    """pipedesk's own commands for the palette."""

    def _commands(self) -> list[PaletteCommand]:
        from tui.app import PipedeskApp

        app = self.app
        return palette_commands(app) if isinstance(app, PipedeskApp) else []

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run,
                          text=command.name, help=command.help)
