"""Who may see and do what: the one gate.

Every query and command of `Desk` goes through here, so the board, the
command line, notifications, the automation log, mail and, later, the
server and sync all get the same answer.

- P6: a pipeline names who may view it and who may edit it (users and
  teams; default everyone). Editing needs viewing. Administrators see and
  edit every pipeline: they are the ones who hand out access, and must
  reach every pipeline to do so.
- U2: a user sees all tickets, or *team only* (owned by the user or by a
  member of one of the user's teams, or given to one of those teams), or
  *own only*; with the *unassigned* switch, tickets given to nobody (no
  owner and no team) too.
  Editing and deleting follow seeing.
- U1: a user who is deactivated does nothing and sees nothing.
- Automation and channels act on every pipeline (they are the desk itself).

Rights are read from the settings in force at each call, never kept, so a
change applies at once in every open terminal (U3).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from core.errors import DeskError, Forbidden, Unauthorized
from core.model import LOCAL_ADMIN_ID, ApiToken, DeskConfig, Pipeline, User
from core.records import Ticket

ActorKind = Literal["user", "automation", "channel"]


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, the automation engine, or a channel (email, chat)."""

    kind: ActorKind
    id: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Actor:
        kind, _, ident = text.partition(":")
        if kind not in ("user", "automation", "channel") or not ident:
            raise ValueError(f"not an actor: {text!r}")
        return cls(kind, ident)  # type: ignore[arg-type]

    @classmethod
    def user(cls, user_id: str) -> Actor:
        return cls("user", user_id)


LOCAL_ADMIN = Actor.user(LOCAL_ADMIN_ID)
AUTOMATION = Actor("automation", "engine")


def find_user(config: DeskConfig, user_id: str) -> User | None:
    return next((u for u in config.users if u.id == user_id), None)


def user_of(config: DeskConfig, actor: Actor) -> User | None:
    """The user behind an actor; None for automation and channels.

    An unknown or deactivated user is refused outright: nobody acts under
    a name the desk does not know, or no longer lets in.
    """
    if actor.kind != "user":
        return None
    user = find_user(config, actor.id)
    if user is None:
        raise DeskError(f"No user {actor.id!r} on this desk; ask an administrator "
                        f"({administrators(config)}) to add you.")
    if not user.active:
        raise DeskError(f"The user {user.name} ({user.id}) is deactivated on this desk; "
                        f"ask an administrator ({administrators(config)}) to activate the user "
                        "again.")
    return user


def administrators(config: DeskConfig) -> str:
    """Whom to ask, as a refusal names them: the active administrators'
    names, with their logins where they have one."""
    names = [f"{u.name}, login {u.login}" if u.login else u.name
             for u in config.users if u.role == "administrator" and u.active]
    return "; ".join(names) or "none is active"


def may_administer(config: DeskConfig, actor: Actor) -> bool:
    user = user_of(config, actor)
    return user is None or user.role == "administrator"


def require_admin(config: DeskConfig, actor: Actor, doing: str) -> None:
    if not may_administer(config, actor):
        raise Forbidden(f"Only administrators may {doing}; ask one "
                        f"({administrators(config)}).")


def teams_of(config: DeskConfig, user_id: str) -> list[str]:
    """The ids of the teams `user_id` is a member of, in the desk's order."""
    return [t.id for t in config.teams if user_id in t.members]


def _named(config: DeskConfig, user: User, entries: list[str] | None) -> bool:
    """Whether a P6 list ("user:ID", "team:ID"; None is everyone) names
    the user, by id or through one of the user's teams."""
    if entries is None:
        return True
    if f"user:{user.id}" in entries:
        return True
    return any(f"team:{team}" in entries for team in teams_of(config, user.id))


def _views(config: DeskConfig, user: User | None, pipeline: Pipeline) -> bool:
    """P6 for a user looked up already (None: automation, a channel)."""
    if user is None or user.role == "administrator":
        return True
    return _named(config, user, pipeline.access.view)


def may_view_pipeline(config: DeskConfig, actor: Actor, pipeline: Pipeline) -> bool:
    return _views(config, user_of(config, actor), pipeline)


def may_edit_pipeline(config: DeskConfig, actor: Actor, pipeline: Pipeline) -> bool:
    user = user_of(config, actor)
    return _views(config, user, pipeline) and (
        user is None or user.role == "administrator"
        or _named(config, user, pipeline.access.edit))


@dataclass(frozen=True)
class Sight:
    """What one actor may see, worked out once for a query over many
    tickets. Two equal sights see the same tickets, so a board compares
    the sight before and after a settings change to know whether to draw
    its tickets again."""

    pipelines: frozenset[str]
    # None: every owner (U2 "all"); else the owners whose tickets are seen.
    owners: frozenset[str] | None
    # Tickets given to these teams are seen whoever owns them.
    teams: frozenset[str]
    unassigned: bool

    def sees(self, ticket: Ticket) -> bool:
        if ticket.pipeline not in self.pipelines:
            return False
        if self.owners is None:
            return True
        if ticket.team is not None and ticket.team in self.teams:
            return True
        if ticket.owner is None:
            # Unassigned: given to nobody, neither a user nor a team.
            return self.unassigned and ticket.team is None
        return ticket.owner in self.owners


def sight_of(config: DeskConfig, actor: Actor) -> Sight:
    user = user_of(config, actor)
    pipelines = frozenset(p.id for p in config.pipelines if _views(config, user, p))
    if user is None or user.visibility == "all":
        return Sight(pipelines, None, frozenset(), True)
    if user.visibility == "own":
        return Sight(pipelines, frozenset({user.id}), frozenset(), user.unassigned)
    teams = teams_of(config, user.id)
    mates = {user.id, *(m for t in config.teams if t.id in teams for m in t.members)}
    return Sight(pipelines, frozenset(mates), frozenset(teams), user.unassigned)


def may_view_ticket(config: DeskConfig, actor: Actor, ticket: Ticket) -> bool:
    """P6 and U2 for one ticket."""
    return sight_of(config, actor).sees(ticket)


def visible_pipelines(config: DeskConfig, actor: Actor) -> list[Pipeline]:
    user = user_of(config, actor)
    return [p for p in config.pipelines if _views(config, user, p)]


def visible_tickets(
    config: DeskConfig, actor: Actor, tickets: Iterable[Ticket], pipeline: str | None = None
) -> list[Ticket]:
    """The tickets `actor` may see, of one pipeline if given, in their order."""
    sight = sight_of(config, actor)
    viewable = sight.pipelines if pipeline is None else sight.pipelines & {pipeline}
    if sight.owners is None:
        # U2 "all": only the pipeline counts, a set lookup per ticket.
        return [t for t in tickets if t.pipeline in viewable]
    sees = sight.sees
    return [t for t in tickets if t.pipeline in viewable and sees(t)]


def edit_refusal(config: DeskConfig, pipeline: Pipeline) -> Forbidden:
    """What a user who may view but not edit a pipeline is told (P6)."""
    return Forbidden(f"You may view but not change tickets in '{pipeline.label}'; ask an "
                     f"administrator ({administrators(config)}) for edit access.")


def name_of(config: DeskConfig, actor: Actor) -> str:
    """Who acts, as a person reads it where the desk keeps it (a comment's
    author): a user's name, else the actor as written (automation:engine)."""
    if actor.kind == "user":
        found = find_user(config, actor.id)
        return found.name if found is not None else str(actor)
    return str(actor)


def token_actor(config: DeskConfig, by_digest: dict[str, ApiToken], digest: str) -> Actor:
    """Who a request with a token acts as (issue 15): the token's user, if
    the token is known, not revoked, and its user active. `by_digest`:
    the desk's tokens by the digest of their secret."""
    token = by_digest.get(digest)
    ask = f"ask an administrator ({administrators(config)}) for a token"
    if token is None:
        raise Unauthorized(f"This token is not one of this desk's; {ask}.")
    if token.revoked is not None:
        raise Unauthorized(f"This token ({token.id}) was revoked; {ask}.")
    user = find_user(config, token.user)
    if user is None or not user.active:
        raise Unauthorized(f"The user of this token ({token.id}) is deactivated on this "
                           f"desk; {ask}.")
    return Actor.user(user.id)
