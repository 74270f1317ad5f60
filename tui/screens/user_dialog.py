"""The dialogs of the users-and-teams screen (C1, U1, U2): one user (new,
or an existing one's fields), and a team's members.

Everything is saved through `Desk` (add_user, edit_user, set_team_members);
a refusal is shown inside the dialog, which stays open.
"""

from __future__ import annotations

from typing import cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Key
from textual.widgets import Footer, Input, OptionList, RadioSet, Static

from core import Actor, Desk, DeskError
from core.model import Role, Team, User, Visibility
from tui.screens.dialogs import DeskDialog
from tui.widgets.check_list import CheckList
from tui.widgets.flag_box import FlagBox
from tui.widgets.radio import MarkedRadioButton

ROLES: tuple[tuple[Role, str], ...] = (("agent", "Agent"), ("administrator", "Administrator"))
SIGHTS: tuple[tuple[Visibility, str], ...] = (
    ("all", "All tickets"), ("team", "Team's tickets"), ("own", "Own tickets"))


class UserDialog(DeskDialog[str | None]):
    """A new user — `UserDialog(desk, actor)` — or an existing one's fields:
    `UserDialog(desk, actor, user)`. Dismisses with the user's id once the
    desk took it, or None (Escape)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="user_dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="user_dialog.save"),
        # On the switches (the fields say Enter themselves; a choice is
        # taken as it is highlighted first, below).
        Binding("enter", "save", "Save", show=False, id="user_dialog.save_enter"),
    ]

    def __init__(self, desk: Desk, actor: Actor, user: User | None = None) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.user = user

    def compose(self) -> ComposeResult:
        user = self.user
        with Vertical(classes="dialog"):
            if user is None:
                yield self.title_line("New user")
            else:
                yield self.title_line(Content.assemble("User ", (user.name, "bold"),
                                                       f" ({user.id})"))
            for field, label, value, example in (
                    ("email", "Email", user.email if user else "", "e.g. ingrid@example.no"),
                    ("name", "Name", user.name if user else "", "e.g. Ingrid Berg"),
                    ("login", "Login", user.login if user else "",
                     "their account on this host, e.g. ingrid")):
                with Horizontal(classes="field-row"):
                    yield Static(Content(label), classes="field-label")
                    yield Input(value, placeholder=example, id=f"user-{field}", compact=True,
                                select_on_focus=False)
            with Horizontal(classes="field-row choice-row"):
                yield Static(Content("Role"), classes="field-label")
                with RadioSet(id="user-role"):
                    for role, label in ROLES:
                        yield MarkedRadioButton(label, value=(user.role if user else "agent")
                                                == role, id=f"role-{role}")
            with Horizontal(classes="field-row choice-row"):
                yield Static(Content("Sees"), classes="field-label")
                with RadioSet(id="user-sees"):
                    for sight, label in SIGHTS:
                        yield MarkedRadioButton(label, value=(user.visibility if user else "all")
                                                == sight, id=f"sees-{sight}")
            yield FlagBox("Tickets with no owner too (for team's or own tickets)",
                          user.unassigned if user else True, id="user-unassigned",
                          compact=True)
            if user is not None:
                yield FlagBox("Active (may use the desk)", user.active, id="user-active",
                              compact=True)
            yield self.error_line()
            yield self.hint_line("Tab next · ← → and Space choose · Enter saves · Esc cancels")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        # A choice's arrows start from what is chosen (Textual's RadioSet
        # starts them from its first button).
        for radio_set in self.query(RadioSet):
            radio_set._selected = max(0, radio_set.pressed_index)
        self.query_one("#user-email" if self.user is None else "#user-name", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    @on(Input.Changed)
    @on(RadioSet.Changed)
    def _changed(self) -> None:
        self.clear_error()

    def on_key(self, event: Key) -> None:
        # Enter on a choice takes what the arrows highlight, then saves.
        if event.key == "enter" and isinstance(self.focused, RadioSet):
            event.stop()
            event.prevent_default()
            self.focused.action_toggle_button()
            self.call_after_refresh(self.action_save)

    def _chosen(self, radio_set: str) -> str:
        pressed = self.query_one(f"#{radio_set}", RadioSet).pressed_button
        assert pressed is not None and pressed.id is not None
        return pressed.id.partition("-")[2]

    def action_save(self) -> None:
        value = {f: self.query_one(f"#user-{f}", Input).value for f in ("email", "name", "login")}
        role = cast(Role, self._chosen("user-role"))
        visibility = cast(Visibility, self._chosen("user-sees"))
        unassigned = self.query_one("#user-unassigned", FlagBox).value
        try:
            if self.user is None:
                saved = self.desk.add_user(value["email"], value["name"], self.actor, role=role,
                                           visibility=visibility, unassigned=unassigned,
                                           login=value["login"])
            else:
                saved = self.desk.edit_user(
                    self.user.id, self.actor, name=value["name"], email=value["email"],
                    role=role, visibility=visibility, unassigned=unassigned,
                    login=value["login"],
                    active=self.query_one("#user-active", FlagBox).value)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(saved.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TeamMembersDialog(DeskDialog[str | None]):
    """`TeamMembersDialog(desk, actor, team)`: tick the team's members among
    the desk's users (the deactivated too, marked, so that one who left can
    be taken off). Dismisses with the team's id once saved, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="members.cancel"),
        Binding("ctrl+s", "save", "Save", id="members.save"),
        # The list takes Enter itself (below); this says it in the footer.
        Binding("enter", "save", "Save", id="members.save_enter"),
    ]

    def __init__(self, desk: Desk, actor: Actor, team: Team) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        self.team = team

    def compose(self) -> ComposeResult:
        users = [(u.id, u.name if u.active else f"{u.name} (deactivated)")
                 for u in self.desk.users(self.actor)]
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble("Members of ", (self.team.name, "bold")))
            yield CheckList(users, self.team.members, id="members-list")
            yield self.error_line()
            yield self.hint_line("j k ↑ ↓ choose · Space ticks · Enter saves · Esc cancels")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(CheckList).focus()

    @on(OptionList.OptionSelected)
    def _enter(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        ticked = self.query_one(CheckList).ticked
        members = set(self.team.members)
        add = [u for u in ticked if u not in members]
        remove = [u for u in self.team.members if u not in ticked]
        try:
            if add or remove:
                self.desk.set_team_members(self.team.id, self.actor, add=add, remove=remove)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(self.team.id)

    def action_cancel(self) -> None:
        self.dismiss(None)

