"""`pipedesk user …` and `pipedesk team …`: the desk's people (U1) and what
each user sees (U2). Listing is for everyone on the desk; every change is
the administrators' (the desk refuses anyone else, saying whom to ask)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, get_args

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.model import Role, Team, User, Visibility
from core.text import show_line

ROLES = list(get_args(Role))
VISIBILITIES = list(get_args(Visibility))

role_option = click.option("--role", type=click.Choice(ROLES), help="administrator changes "
                           "settings and sees every pipeline; agent works tickets.")
visibility_option = click.option(
    "--visibility", type=click.Choice(VISIBILITIES),
    help="Which tickets the user sees (U2): all, team (owned by the user or a team-mate, or "
         "given to one of the user's teams) or own.")
unassigned_option = click.option(
    "--unassigned/--no-unassigned", default=None,
    help="With team or own: whether tickets with no owner are seen too (a new user: yes).")
login_option = click.option("--login", metavar="L",
                            help="The operating-system account the user works under.")


# -- users ---------------------------------------------------------------------------


@group()
def user() -> None:
    """Users: list, add, edit, deactivate (U1). Everyone may list them;
    only administrators change them."""


def user_data(u: User) -> dict[str, Any]:
    return {"id": u.id, "name": u.name, "email": u.email, "role": u.role, "login": u.login,
            "visibility": u.visibility, "unassigned": u.unassigned, "active": u.active}


def sight(u: User) -> str:
    """U2 in a word or three: "all", "team + unassigned", "own"."""
    if u.visibility == "all":
        return "all"
    return f"{u.visibility} + unassigned" if u.unassigned else u.visibility


def say_user(u: User) -> str:
    """One user on one line, as a change is confirmed."""
    email = f" <{u.email}>" if u.email else ""
    login = f"login {u.login}" if u.login else "no login"
    gone = "; deactivated" if not u.active else ""
    return f"{u.id}: {u.name}{email}, {u.role}, sees {sight(u)} tickets, {login}{gone}"


@user.command("list")
@json_option
@pass_session
def user_list(session: Session, as_json: bool) -> None:
    """Every user, the deactivated too (their names stay on timelines)."""
    users = session.reading.users(session.actor)
    if as_json:
        emit_json([user_data(u) for u in users])
        return
    table(["ID", "NAME", "EMAIL", "ROLE", "LOGIN", "SEES", "STATUS"],
          [[u.id, u.name, u.email, u.role, u.login, sight(u),
            "active" if u.active else "deactivated"] for u in users])


@user.command("add")
@click.argument("email")
@click.option("--name", required=True, help="The user's name, as timelines show it.")
@role_option
@visibility_option
@unassigned_option
@login_option
@pass_session
def user_add(session: Session, email: str, name: str, role: Role | None,
             visibility: Visibility | None, unassigned: bool | None,
             login: str | None) -> None:
    """Add a user (default: an agent who sees all tickets, with no login);
    the id is made from the login, else the email."""
    u = session.desk.add_user(email, name, session.actor, role=role or "agent",
                              visibility=visibility or "all",
                              unassigned=True if unassigned is None else unassigned,
                              login=login or "")
    click.echo(show_line(f"Added user {say_user(u)}."))


@user.command("edit")
@click.argument("user_ref", metavar="U")
@click.option("--name", help="The user's new name.")
@click.option("--email", help="The user's new email (\"\" clears it).")
@role_option
@visibility_option
@unassigned_option
@click.option("--login", metavar="L", help="The operating-system account the user works "
              "under (\"\" clears it). Changing your own locks you out of this account.")
@click.option("--active/--inactive", default=None,
              help="Let the user in again, or deactivate them.")
@pass_session
def user_edit(session: Session, user_ref: str, name: str | None, email: str | None,
              role: Role | None, visibility: Visibility | None, unassigned: bool | None,
              login: str | None, active: bool | None) -> None:
    """Change a user, named by id, login or email; what is not given stays."""
    if all(v is None for v in (name, email, role, visibility, unassigned, login, active)):
        raise click.UsageError("Say what to change: --name, --email, --role, --visibility, "
                               "--unassigned/--no-unassigned, --login or --active/--inactive.")
    u = session.desk.edit_user(user_ref, session.actor, name=name, email=email, role=role,
                               visibility=visibility, unassigned=unassigned, login=login,
                               active=active)
    click.echo(show_line(f"User {say_user(u)}."))


@user.command("deactivate")
@click.argument("user_ref", metavar="U")
@pass_session
def user_deactivate(session: Session, user_ref: str) -> None:
    """Deactivate a user who left: they can no longer sign in, and their
    name stays on timelines (users are never deleted)."""
    u = session.desk.deactivate_user(user_ref, session.actor)
    click.echo(f"Deactivated user {u.id} ({u.name}); their name stays on timelines.")


# -- teams ---------------------------------------------------------------------------


@group()
def team() -> None:
    """Teams: list, add, rename, members, remove (U1). Everyone may list
    them; only administrators change them."""


def team_data(t: Team, users: dict[str, User]) -> dict[str, Any]:
    return {"id": t.id, "name": t.name,
            "members": [{"id": m, "name": users[m].name if m in users else m}
                        for m in t.members]}


def member_said(m: str, users: dict[str, User]) -> str:
    """A member by name and id; one who left is said to have (U1: a
    deactivated user stays on the team's list until taken off it)."""
    if m not in users:
        return m
    return f"{users[m].name} ({m}{'' if users[m].active else ', deactivated'})"


def members_said(t: Team, users: dict[str, User]) -> str:
    return ", ".join(member_said(m, users) for m in t.members) or "no members"


def _users(session: Session) -> dict[str, User]:
    return {u.id: u for u in session.reading.users(session.actor)}


@team.command("list")
@json_option
@pass_session
def team_list(session: Session, as_json: bool) -> None:
    """Every team with its members."""
    teams = session.reading.teams(session.actor)
    users = _users(session)
    if as_json:
        emit_json([team_data(t, users) for t in teams])
        return
    table(["ID", "NAME", "MEMBERS"], [[t.id, t.name, members_said(t, users)] for t in teams])


@team.command("add")
@click.argument("name")
@pass_session
def team_add(session: Session, name: str) -> None:
    """Add a team without members; its id is made from its name."""
    t = session.desk.add_team(name, session.actor)
    click.echo(f"Added team {t.id} '{t.name}'; add members with: "
               f"pipedesk team members {t.id} --add U")


@team.command("rename")
@click.argument("team_ref", metavar="T")
@click.argument("name")
@pass_session
def team_rename(session: Session, team_ref: str, name: str) -> None:
    """Rename a team; its id stays, so what names it still does."""
    t = session.desk.rename_team(team_ref, name, session.actor)
    click.echo(f"Team {t.id} is now '{t.name}'.")


@team.command("members")
@click.argument("team_ref", metavar="T")
@click.option("--add", "add", multiple=True, metavar="U",
              help="Make a user a member (id, login or email; repeatable).")
@click.option("--remove", "remove", multiple=True, metavar="U",
              help="Take a user out of the team (repeatable).")
@json_option
@pass_session
def team_members(session: Session, team_ref: str, add: Sequence[str], remove: Sequence[str],
                 as_json: bool) -> None:
    """A team's members; with --add or --remove, change them first."""
    if add or remove:
        t = session.desk.set_team_members(team_ref, session.actor, add=add, remove=remove)
    else:
        from core.settings.people import find_team

        desk = session.reading
        desk.teams(session.actor)  # a deactivated or unknown user reads nothing
        t = find_team(desk.config, team_ref)
    users = _users(session)
    if as_json:
        emit_json(team_data(t, users)["members"])
        return
    if add or remove:
        click.echo(show_line(f"Members of '{t.name}': {members_said(t, users)}."))
        return
    table(["ID", "NAME", "EMAIL"],
          [[m, users[m].name if m in users else m, users[m].email if m in users else ""]
           for m in t.members])


@team.command("remove")
@click.argument("team_ref", metavar="T")
@pass_session
def team_remove(session: Session, team_ref: str) -> None:
    """Remove a team that no ticket, pipeline access or action names."""
    t = session.desk.remove_team(team_ref, session.actor)
    click.echo(f"Removed team {t.id} '{t.name}'.")
