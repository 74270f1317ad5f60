"""A change sent once: the `Idempotency-Key` header on pipedesk's writing
routes (the IETF draft "The Idempotency-Key HTTP Header Field" names it).

A client that did not hear the answer to a change (the connection broke,
or its offline queue replays what waited: issue 16) sends it again with
the same key, and the desk applies it once (`Desk.run_once`, which keeps
the key on the change's own entries). A replay is answered with the state
as it is now and `Idempotent-Replayed: true`; the change is not made
again, whatever happened since. Without the header a route works as
before: a client that never sends it sees no difference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Header, Response

from core import Actor, Desk
from core.desk import Applied

R = TypeVar("R")

CommandKey = Annotated[str | None, Header(
    alias="Idempotency-Key", max_length=100,
    description="A key of the client's own for this change (a UUID): sent again with the "
                "same key, the change is applied once and the answer says "
                "`Idempotent-Replayed: true`.")]

REPLAYED = {"Idempotent-Replayed": {"description": "`true` when this change was applied "
                                                   "before, under the same Idempotency-Key.",
                                    "schema": {"type": "string"}}}


def once(desk: Desk, actor: Actor, key: str | None, name: str, run: Callable[[], R],
         response: Response) -> Applied[R]:
    """`run` (the route's change, as `actor`), once per `key`."""
    if key is None:
        return Applied(run(), False)
    applied = desk.run_once(key, actor, name, run)
    if applied.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return applied
