"""Who a request acts as: the user of its bearer token.

`Authorization: Bearer <token>` as the CRM API takes a private app's token.
The desk checks the token (`Desk.token_actor`: unknown, revoked, or of a
deactivated user is `Unauthorized`, 401); a route only passes the actor on.
A route asks for the `Token` and opens the desk with it (`desk_as`): the
check and the work are one hold of the desk, so a token revoked by another
process is refused from the next request on (U3).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from core import Actor, Desk
from core.errors import Unauthorized
from server.hosting import host_of

# auto_error off: a missing header is answered in the API's error shape
# (401, as the CRM answers it), not by FastAPI's own 403.
_bearer = HTTPBearer(auto_error=False, description="A token from `pipedesk token create`.")


def _token(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
           ) -> str:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("No token: send 'Authorization: Bearer <token>' with a token an "
                           "administrator made with 'pipedesk token create'.")
    return credentials.credentials


Token = Annotated[str, Depends(_token)]


@contextmanager
def desk_as(request: Request, token: str) -> Iterator[tuple[Desk, Actor]]:
    """The desk, held for this request, and the user the token acts as."""
    with host_of(request).using() as desk:
        yield desk, desk.token_actor(token)
