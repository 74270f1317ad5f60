"""Who may see and do what.

Every query and command of `Desk` goes through here. Today the desk has one
local administrator and everyone may do everything, but the gate is in place
so that pipeline access (P6) and ticket visibility (U2) are enforced in this
one module when they come, for every surface at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from core.errors import DeskError
from core.model import LOCAL_ADMIN_ID, DeskConfig, Pipeline, User
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


def user_of(config: DeskConfig, actor: Actor) -> User | None:
    """The user behind an actor; None for automation and channels.

    An unknown user is refused outright: nobody acts under a name the desk
    does not know.
    """
    if actor.kind != "user":
        return None
    for user in config.users:
        if user.id == actor.id:
            return user
    raise DeskError(f"No user {actor.id!r} on this desk.")


def may_administer(config: DeskConfig, actor: Actor) -> bool:
    user = user_of(config, actor)
    return user is None or user.role == "administrator"


def require_admin(config: DeskConfig, actor: Actor, doing: str) -> None:
    if not may_administer(config, actor):
        raise DeskError(f"Only administrators may {doing}.")


def may_view_pipeline(config: DeskConfig, actor: Actor, pipeline: Pipeline) -> bool:
    user_of(config, actor)
    return True  # P6 narrows this.


def may_edit_pipeline(config: DeskConfig, actor: Actor, pipeline: Pipeline) -> bool:
    return may_view_pipeline(config, actor, pipeline)


def may_view_ticket(config: DeskConfig, actor: Actor, ticket: Ticket) -> bool:
    return True  # U2 narrows this; the pipeline check is done by the caller.


def visible_pipelines(config: DeskConfig, actor: Actor) -> list[Pipeline]:
    return [p for p in config.pipelines if may_view_pipeline(config, actor, p)]


def visible_tickets(
    config: DeskConfig, actor: Actor, tickets: Iterable[Ticket], pipeline: str | None = None
) -> list[Ticket]:
    """The tickets `actor` may see, of one pipeline if given, in their order."""
    viewable = {p.id for p in visible_pipelines(config, actor)}
    if pipeline is not None:
        viewable &= {pipeline}
    return [t for t in tickets
            if t.pipeline in viewable and may_view_ticket(config, actor, t)]


def name_of(config: DeskConfig, actor: Actor) -> str:
    """Who acts, as a person reads it where the desk keeps it (a comment's
    author): a user's name, else the actor as written (automation:engine)."""
    user = user_of(config, actor)
    return user.name if user else str(actor)
