"""API tokens (key `a` on the users and teams screen): the tokens scripts
and server clients act with (issue 15, docs/server.md), as
`pipedesk token create | list | revoke` shows them. Administrators only:
the desk refuses anyone else (`Desk.api_tokens`), and this screen says so.

A new token's secret is shown once, in a dialog: only its digest is kept.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import DataTable, Footer, Static

from core import DeskError
from core.events import Notice
from core.model import ApiToken
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import TableScreen, cursor_bindings
from tui.widgets.unread_badge import UnreadBadge

HEADERS = ("Token", "User", "Name", "Made", "Status")
# 68 columns and the cells' padding: 80 wide holds them all.
WIDTHS = (6, 16, 18, 10, 18)


def status(token: ApiToken) -> str:
    return f"revoked {token.revoked:%Y-%m-%d}" if token.revoked else "active"


class TokensScreen(TableScreen[None]):
    """`TokensScreen(desk, actor)`; Escape goes back."""

    AUTO_FOCUS = "#tokens-table"
    BINDINGS = [
        Binding("escape", "back", "Back", id="tokens.back"),
        Binding("n", "create", "New token", id="tokens.create"),
        Binding("d", "revoke", "Revoke", id="tokens.revoke"),
        *cursor_bindings("tokens"),
    ]

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(Content("API tokens · a script or server client acts as the "
                             "token's user"), classes="screen-title")
        yield DataTable(cursor_type="row", id="tokens-table", classes="desk-table")
        yield Static(id="tokens-note")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.follow_desk(self._on_notice)
        self._fill()

    def _on_notice(self, notice: Notice) -> None:
        if notice.settings and self.is_mounted:
            self._fill(select=self.highlighted)

    def _fill(self, select: str | None = None) -> None:
        note = self.query_one("#tokens-note", Static)
        try:
            tokens = self.desk.api_tokens(self.actor)
        except DeskError as err:
            tokens = []
            note.update(Content(err.message))
        else:
            note.update(Content("No tokens yet: n makes one." if not tokens else ""))
        users = {u.id: u.name for u in self.desk.users(self.actor)}
        self.fill(HEADERS, [(t.id, (t.id, users.get(t.user, t.user), t.name,
                                    f"{t.created:%Y-%m-%d}", status(t))) for t in tokens],
                  WIDTHS, select)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        made: dict[str, str] = {}

        def create(line: str) -> str:
            # One line: who it acts as, then what it is for, as the command
            # line's `--user U --name N`.
            user, _, name = line.strip().partition(" ")
            if not user:
                raise DeskError("Say whose token it is: a user's id or email, then a name.")
            token, secret = self.desk.create_token(user, self.actor, name.strip())
            made[token.id] = secret
            return token.id

        def created(token_id: str | None) -> None:
            if token_id is None:
                return
            self._fill(select=token_id)
            self.app.push_screen(MessageDialog(
                "API token made",
                f"Token {token_id}. Its secret, shown this once (only a digest is kept):"
                f"\n\n{made[token_id]}"))

        self.app.push_screen(LabelPrompt("New API token", create,
                                         placeholder="user (id or email), then a name"),
                             created)

    def action_revoke(self) -> None:
        token_id = self.highlighted
        if token_id is None:
            return

        def revoke(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.desk.revoke_token(token_id, self.actor)
            except DeskError as err:
                self.app.push_screen(MessageDialog("Not revoked", err.message))

        self.app.push_screen(ConfirmDialog(
            "Revoke token?", f"Token {token_id} stops working at once, on every server.",
            "Revoke"), revoke)
