"""`GET /pipedesk/v1/me`: who the token acts as, for a client checking its
token (`pipedesk login`) and for a person trying the server."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from server.auth import Token, desk_as
from server.errors import ErrorBody

router = APIRouter(prefix="/pipedesk/v1", tags=["pipedesk"],
                   responses={401: {"model": ErrorBody}})


class Me(BaseModel):
    id: str
    name: str
    email: str
    role: str


@router.get("/me", response_model=Me, summary="The user this token acts as")
def me(request: Request, token: Token) -> Me:
    with desk_as(request, token) as (desk, actor):
        user = desk.me(actor)
    return Me(id=user.id, name=user.name, email=user.email, role=user.role)
