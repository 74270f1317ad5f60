"""The desk's people (U1): its users and its teams, and who may view and
edit each pipeline (P6)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.addresses import normalise_email
from core.errors import DeskError, NotFound
from core.finding import find_pipeline
from core.model import DeskConfig, Pipeline, Role, Team, User, Visibility
from core.text import check_line


def add_users(config: DeskConfig, users: Sequence[User]) -> list[User]:
    """Users added at the end, each name one line of text. That ids are
    unique is a standing rule, checked on every save (`core.rules`)."""
    for user in users:
        check_line(user.name, "A user's name")
    config.users.extend(u.model_copy() for u in users)
    return list(users)


def add_teams(config: DeskConfig, teams: Sequence[Team]) -> list[Team]:
    """U1: teams added at the end, each with an id and a name no other team
    has (whatever the case: automation and the property Team find a team
    by either), and members who are users of the desk, by id; a user may
    be in several teams."""
    known = {u.id for u in config.users}
    added: list[Team] = []
    for team in teams:
        if not team.id.strip() or team.id != team.id.strip():
            raise DeskError(f"A team's id is a word with no spaces around it; got {team.id!r}.")
        name = " ".join(team.name.split())
        if not name:
            raise DeskError(f"Team {team.id!r} needs a name.")
        check_line(name, "A team's name")
        for other in (*config.teams, *added):
            if {team.id.casefold(), name.casefold()} & {other.id.casefold(),
                                                        other.name.casefold()}:
                raise DeskError(f"Team '{other.name}' (id {other.id}) exists already; "
                                "give the new team another id and name.")
        strangers = [m for m in team.members if m not in known]
        if strangers:
            users = ", ".join(u.id for u in config.users)
            raise DeskError(f"Team '{name}': no user {strangers[0]!r}. Users: {users}.")
        added.append(Team(id=team.id, name=name, members=list(dict.fromkeys(team.members))))
    config.teams.extend(added)
    return added


# -- users (U1) ---------------------------------------------------------------------


def _user_id_from(config: DeskConfig, login: str, email: str) -> str:
    """A new user's id: the login, else the email's local part, made a
    word of letters, digits, '-' and '_', and numbered on where taken (ids
    are never reused, U1: a deactivated user keeps theirs)."""
    base = re.sub(r"[^a-z0-9_-]+", "-", (login or email.partition("@")[0]).casefold())
    base = base.strip("-") or "user"
    taken = {u.id for u in config.users}
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}{n}"
    return ident


def find_user_ref(config: DeskConfig, ref: str) -> User:
    """A user by id, login or email, or a refusal listing the users."""
    from core.signing_in import find_person

    found = find_person(config, ref)
    if found is None:
        known = ", ".join(u.id for u in config.users)
        raise NotFound(f"No user {ref!r}. Users: {known}.")
    return found


def add_user(config: DeskConfig, email: str, name: str, role: Role = "agent",
             visibility: Visibility = "all", unassigned: bool = True,
             login: str = "") -> User:
    """U1: a new, active user, last."""
    user = User(id=_user_id_from(config, login.strip(), email.strip()), name="-",
                email="", role=role, visibility=visibility, unassigned=unassigned)
    config.users.append(user)
    _set_fields(config, user, name=name, email=email, login=login)
    return user


def edit_user(config: DeskConfig, ref: str, *, name: str | None = None,
              email: str | None = None, role: Role | None = None,
              visibility: Visibility | None = None, unassigned: bool | None = None,
              login: str | None = None, active: bool | None = None) -> User:
    """U1 / U2: change what is given (None leaves it). The id stays."""
    user = find_user_ref(config, ref)
    _set_fields(config, user, name=name, email=email, login=login)
    for field, value in (("role", role), ("visibility", visibility),
                         ("unassigned", unassigned), ("active", active)):
        if value is not None:
            setattr(user, field, value)
    return user


def _set_fields(config: DeskConfig, user: User, name: str | None, email: str | None,
                login: str | None) -> None:
    if name is not None:
        shown = " ".join(check_line(name, "A user's name").split())
        if not shown:
            raise DeskError("A user needs a name.")
        user.name = shown
    if email is not None:
        address = normalise_email(email) if email.strip() else ""
        if address and any(u is not user and u.email.casefold() == address.casefold()
                           for u in config.users):
            raise DeskError(f"Another user has the email {address!r}.")
        user.email = address
    if login is not None:
        word = login.strip()
        if word and not re.fullmatch(r"[A-Za-z0-9._][A-Za-z0-9._-]*\$?", word):
            raise DeskError(f"{word!r} is not a login; a login is an account name such as "
                            "'ingrid' or 'ola.nordmann'.")
        other = next((u for u in config.users if u is not user and word and u.login == word),
                     None)
        if other is not None:
            raise DeskError(f"The login {word!r} is {other.name}'s ({other.id}) already.")
        user.login = word


# -- teams (U1) ---------------------------------------------------------------------


def find_team(config: DeskConfig, ref: str) -> Team:
    """A team by id or by name (any case)."""
    key = ref.strip()
    for team in config.teams:
        if team.id == key or team.name.casefold() == key.casefold():
            return team
    known = ", ".join(f"{t.id} ({t.name})" for t in config.teams) or "none yet"
    raise NotFound(f"No team {ref!r}. Teams: {known}.")


def add_team(config: DeskConfig, name: str) -> Team:
    """U1: a new team without members; its id made from its name."""
    base = re.sub(r"[^a-z0-9_-]+", "-", " ".join(name.split()).casefold()).strip("-")
    base = base or "team"
    taken = {t.id.casefold() for t in config.teams}
    ident, n = base, 1
    while ident in taken:
        n += 1
        ident = f"{base}{n}"
    return add_teams(config, [Team(id=ident, name=name)])[0]


def rename_team(config: DeskConfig, ref: str, name: str) -> Team:
    """The id stays, so tickets, actions and access that name it still do."""
    team = find_team(config, ref)
    shown = " ".join(name.split())
    if not shown:
        raise DeskError("A team needs a name.")
    check_line(shown, "A team's name")
    for other in config.teams:
        if other is not team and shown.casefold() in (other.id.casefold(),
                                                      other.name.casefold()):
            raise DeskError(f"Team '{other.name}' (id {other.id}) exists already; give "
                            "another name.")
    team.name = shown
    return team


def set_members(config: DeskConfig, ref: str, add: Sequence[str] = (),
                remove: Sequence[str] = ()) -> Team:
    """U1: members in, members out (by user id, login or email)."""
    team = find_team(config, ref)
    for who in add:
        user = find_user_ref(config, who)
        if user.id not in team.members:
            team.members.append(user.id)
    for who in remove:
        user = find_user_ref(config, who)
        if user.id not in team.members:
            raise DeskError(f"{user.name} ({user.id}) is not a member of '{team.name}'.")
        team.members.remove(user.id)
    return team


def remove_team(config: DeskConfig, ref: str, tickets: int) -> Team:
    """A team goes only when nothing names it: `tickets` given to it (the
    desk counts them), a pipeline's access (P6), an automation action."""
    team = find_team(config, ref)
    if tickets:
        raise DeskError(f"Team '{team.name}' has {tickets} ticket(s); give them to another "
                        "team (or none) first.")
    entry = f"team:{team.id}"
    for pipeline in config.pipelines:
        if entry in (pipeline.access.view or []) or entry in (pipeline.access.edit or []):
            raise DeskError(f"Team '{team.name}' is named in the access of '{pipeline.label}'; "
                            f"change it first (pipedesk pipeline access {pipeline.id}).")
    from core.automation.actions import AssignOwner, Notify, SetProperty, walk

    names = {team.id.casefold(), team.name.casefold()}
    for pipeline in config.pipelines:
        for stage in pipeline.stages:
            if any((isinstance(a, Notify | AssignOwner) and (a.team or "").casefold() in names)
                   or (isinstance(a, SetProperty) and a.property == "team"
                       and str(a.value).casefold() in names)
                   for _, a in walk(stage.actions)):
                raise DeskError(f"Team '{team.name}' is named by an action of stage "
                                f"'{stage.label}' in '{pipeline.label}'; change the action "
                                "first.")
    config.teams.remove(team)
    return team


# -- pipeline access (P6) -------------------------------------------------------------


def audience_entry(config: DeskConfig, ref: str) -> str:
    """A user or a team as a P6 list names it: "user:ID" or "team:ID".
    "user:" or "team:" in front says which, where a name is both."""
    kind, sep, rest = ref.strip().partition(":")
    if sep and kind in ("user", "team"):
        if kind == "user":
            return f"user:{find_user_ref(config, rest).id}"
        return f"team:{find_team(config, rest).id}"
    from core.signing_in import find_person

    user = find_person(config, ref)
    team = next((t for t in config.teams
                 if ref.strip() in (t.id,) or t.name.casefold() == ref.strip().casefold()),
                None)
    if user is not None and team is not None:
        raise DeskError(f"{ref!r} is both a user and a team; write user:{ref.strip()} or "
                        f"team:{ref.strip()}.")
    if user is not None:
        return f"user:{user.id}"
    if team is not None:
        return f"team:{team.id}"
    users = ", ".join(u.id for u in config.users)
    teams = ", ".join(t.id for t in config.teams) or "none"
    raise DeskError(f"No user or team {ref!r}. Users: {users}. Teams: {teams}.")


def set_access(config: DeskConfig, ref: str, view: Sequence[str] | None,
               edit: Sequence[str] | None) -> Pipeline:
    """P6: who may view and who may edit a pipeline (None: everyone)."""
    pipeline = find_pipeline(config, ref)
    pipeline.access.view = None if view is None else list(
        dict.fromkeys(audience_entry(config, r) for r in view))
    pipeline.access.edit = None if edit is None else list(
        dict.fromkeys(audience_entry(config, r) for r in edit))
    return pipeline
