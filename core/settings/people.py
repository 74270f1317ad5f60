"""The desk's people (U1): its users and its teams."""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import DeskError
from core.model import DeskConfig, Team, User
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
