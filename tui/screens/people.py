"""Users and teams (key `U` on the board, or "Users and teams" in the
command palette): C1's settings for people, U1.

Two lists, one above the other: the users (name, email, role, what they
see, U2, and whether they are active) and the teams with their members.
Tab goes from one to the other. Administrators add and edit users,
deactivate and activate them, add, rename and remove teams and choose
their members; every change goes through `Desk`, so a refusal reads here
as on the command line. For anyone else the screen is read-only and says
why, in the desk's words: whether the actor may change people is the
desk's rule (`core.access.may_administer`), asked, not decided here.

The screen follows the desk: a user added in another terminal, or the
actor's own rights changed there, shows at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from core import Actor, Desk, DeskError
from core.access import administrators, may_administer
from core.events import Notice
from core.model import Team, User
from core.present import count
from tui.desk_notices import follow_desk
from tui.screens.dialogs import ConfirmDialog, LabelPrompt, MessageDialog
from tui.screens.table_screen import fill_table, highlighted_key
from tui.screens.user_dialog import TeamMembersDialog, UserDialog
from tui.widgets.unread_badge import UnreadBadge

USER_HEADERS = ("Name", "Email", "Role", "Sees", "Status")
TEAM_HEADERS = ("Team", "Members")
# What the actions that change people need: refused keys are hidden.
CHANGES = frozenset({"add_user", "add_team", "edit", "members", "switch", "tokens"})
# DataTable pads every cell by one on each side; and the scrollbar.
CELL_PADDING = 2
SCROLLBAR = 2


def sees(user: User) -> str:
    """U2 in a word or two: all, team or own, and whether tickets with no
    owner are seen too (which "all" includes)."""
    if user.visibility == "all":
        return "all"
    return f"{user.visibility}, unassigned" if user.unassigned else user.visibility


def read_only_reason(desk: Desk) -> str:
    """Why an agent sees this screen and cannot change it, with whom to ask
    (core.access.administrators: the desk's own words for that)."""
    return (f"Only administrators change users and teams; ask one "
            f"({administrators(desk.config)}).")


class PeopleScreen(Screen[None]):
    """`PeopleScreen(desk, actor)`; Escape goes back."""

    AUTO_FOCUS = "#people-users"
    BINDINGS = [
        Binding("n", "add_user", "New user", id="people.add_user"),
        Binding("t", "add_team", "New team", id="people.add_team"),
        Binding("e", "edit", "Edit", id="people.edit"),
        Binding("m", "members", "Members", id="people.members"),
        Binding("d", "switch", "Deactivate/Remove", id="people.switch"),
        Binding("a", "tokens", "API tokens", id="people.tokens"),
        Binding("escape", "back", "Back", id="people.back"),
        Binding("j", "cursor(1)", "Next", show=False, id="people.next"),
        Binding("k", "cursor(-1)", "Previous", show=False, id="people.previous"),
    ]

    def __init__(self, desk: Desk, actor: Actor) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield UnreadBadge(self.desk, self.actor)
        yield Static(id="people-title")
        yield Static(id="people-hint")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="people-users",
                              classes="people-table")
        yield DataTable[Text](cursor_type="row", zebra_stripes=False, id="people-teams",
                              classes="people-table")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        follow_desk(self, self.desk, self._on_notice)
        self.show_people()

    def _on_notice(self, notice: Notice) -> None:
        if notice.settings and self.is_mounted:
            self.show_people(self.highlighted_user, self.highlighted_team)

    # -- drawing ------------------------------------------------------------------

    # Whether the actor may change people, as the desk said when the lists
    # were last drawn (the footer asks often; settings changes redraw).
    may_change = False

    @property
    def users_table(self) -> DataTable[Text]:
        return self.query_one("#people-users", DataTable)

    @property
    def teams_table(self) -> DataTable[Text]:
        return self.query_one("#people-teams", DataTable)

    def show_people(self, user: str | None = None, team: str | None = None) -> None:
        try:
            users = self.desk.users(self.actor)
            teams = self.desk.teams(self.actor)
            self.may_change = may_administer(self.desk.config, self.actor)
        except DeskError:
            # The actor was just deactivated (here, by themself): the app
            # says so over this screen (tui/app.py, _admit).
            return
        names = {u.id: u.name for u in users}
        user_rows = [(u.id, [u.name, u.email, "admin" if u.role == "administrator" else "agent",
                             sees(u), "active" if u.active else "deactivated"])
                     for u in users]
        team_rows = [(t.id, [t.name, ", ".join(names.get(m, m) for m in t.members) or "—"])
                     for t in teams]
        fill_table(self.users_table, USER_HEADERS, user_rows, self._user_widths(user_rows), user)
        fill_table(self.teams_table, TEAM_HEADERS, team_rows, self._team_widths(team_rows), team)
        active = sum(1 for u in users if u.active)
        self.query_one("#people-title", Static).update(Content(
            f"Users and teams · {count(active)} active of {count(len(users))} users · "
            f"{count(len(teams))} teams"))
        hint = ("Tab: users ⇄ teams · j k ↑ ↓ choose · Enter edits" if self.may_change
                else read_only_reason(self.desk))
        self.query_one("#people-hint", Static).update(Content(hint))
        self.query_one("#people-hint", Static).set_class(not self.may_change, "-refused")
        self.refresh_bindings()

    def _room(self, columns: int) -> int:
        return self.app.size.width - CELL_PADDING * columns - SCROLLBAR

    def _user_widths(self, rows: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
        """Role, sees and status as wide as they need; the name and the
        email share the rest (the email up to 3/5 of it)."""
        needed = [max([len(h), *(len(r[n]) for _, r in rows)])
                  for n, h in enumerate(USER_HEADERS)]
        name, email, role, seen, status = needed
        rest = max(24, self._room(len(USER_HEADERS)) - role - seen - status)
        if name + email > rest:
            email = max(10, min(email, rest * 3 // 5))
            name = max(10, min(name, rest - email))
            email = max(10, min(needed[1], rest - name))
        return [name, email, role, seen, status]

    def _team_widths(self, rows: Sequence[tuple[str, Sequence[str]]]) -> list[int]:
        name = min(24, max([len("Team"), *(len(r[0]) for _, r in rows)]))
        return [name, max(10, self._room(len(TEAM_HEADERS)) - name)]

    @property
    def highlighted_user(self) -> str | None:
        return highlighted_key(self.users_table)

    @property
    def highlighted_team(self) -> str | None:
        return highlighted_key(self.teams_table)

    @property
    def on_teams(self) -> bool:
        return self.teams_table.has_focus

    # -- keys ---------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHANGES:
            # Hidden, not refused key by key: the hint line says why.
            return self.may_change
        return True

    def action_back(self) -> None:
        self.dismiss(None)

    def action_cursor(self, step: int) -> None:
        table = self.teams_table if self.on_teams else self.users_table
        if table.row_count:
            table.move_cursor(row=max(0, min(table.cursor_row + step, table.row_count - 1)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.may_change:
            self.action_edit()

    def action_tokens(self) -> None:
        from tui.screens.tokens import TokensScreen

        self.app.push_screen(TokensScreen(self.desk, self.actor))

    def action_add_user(self) -> None:
        def added(user_id: str | None) -> None:
            if user_id is not None:
                self.show_people(user=user_id, team=self.highlighted_team)
                self.users_table.focus()

        self.app.push_screen(UserDialog(self.desk, self.actor), added)

    def action_add_team(self) -> None:
        def add(name: str) -> str:
            return self.desk.add_team(name, self.actor).id

        def added(team_id: str | None) -> None:
            if team_id is not None:
                self.show_people(user=self.highlighted_user, team=team_id)
                self.teams_table.focus()

        self.app.push_screen(LabelPrompt("New team", add, placeholder="Team name"), added)

    def action_edit(self) -> None:
        if self.on_teams:
            self._rename_team()
            return
        user = self._user()
        if user is None:
            return

        def edited(user_id: str | None) -> None:
            if user_id is not None:
                self.show_people(user=user_id, team=self.highlighted_team)

        self.app.push_screen(UserDialog(self.desk, self.actor, user), edited)

    def _rename_team(self) -> None:
        team = self._team()
        if team is None:
            return

        def rename(name: str) -> str:
            return self.desk.rename_team(team.id, name, self.actor).id

        self.app.push_screen(LabelPrompt(f"Rename team '{team.name}'", rename, value=team.name,
                                         placeholder="Team name"),
                             lambda _: self.show_people(self.highlighted_user, team.id))

    def action_members(self) -> None:
        team = self._team()
        if team is None:
            return
        self.app.push_screen(TeamMembersDialog(self.desk, self.actor, team),
                             lambda _: self.show_people(self.highlighted_user, team.id))

    def action_switch(self) -> None:
        """d: on a user, deactivate (or activate again); on a team, remove it."""
        if self.on_teams:
            team = self._team()
            if team is not None:
                self._ask(f"Remove team '{team.name}'?",
                          "Its members stay users of the desk.", "Remove",
                          lambda: self.desk.remove_team(team.id, self.actor),
                          "Team not removed")
            return
        user = self._user()
        if user is None:
            return
        if not user.active:
            self._act(lambda: self.desk.edit_user(user.id, self.actor, active=True),
                      "User not activated")
            return
        self._ask(f"Deactivate {user.name}?",
                  "They can no longer use the desk; their name stays on the tickets' "
                  "timelines. d on them again activates them.", "Deactivate",
                  lambda: self.desk.deactivate_user(user.id, self.actor), "User not deactivated")

    def _ask(self, title: str, message: str, label: str, act: Callable[[], object],
             refused: str) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self._act(act, refused)

        self.app.push_screen(ConfirmDialog(title, message, label), confirmed)

    def _act(self, act: Callable[[], object], refused: str) -> None:
        try:
            act()
        except DeskError as err:
            self.app.push_screen(MessageDialog(refused, err.message))
        # Done: the desk's notice redraws the lists (_on_notice).

    def _user(self) -> User | None:
        user_id = self.highlighted_user
        return next((u for u in self.desk.users(self.actor) if u.id == user_id), None)

    def _team(self) -> Team | None:
        team_id = self.highlighted_team
        return next((t for t in self.desk.teams(self.actor) if t.id == team_id), None)

