"""pipedesk's own endpoints for the desk's other commands and queries, by
name: `POST /pipedesk/v1/commands/{name}` and `/queries/{name}`
(core/desk_calls.py says which travel, and why by name; docs/server.md).

The body is `{"arguments": {…}}`, named as the desk's command names them;
the answer `{"result": …}`. A command is run as the token's user, under
the `Idempotency-Key` when one is sent, so every rule is the desk's; a
query changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from core import desk_calls
from server.auth import Token, desk_as
from server.errors import ErrorBody
from server.once import REPLAYED, CommandKey, once

router = APIRouter(prefix="/pipedesk/v1", tags=["pipedesk"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                              403: {"model": ErrorBody}, 404: {"model": ErrorBody},
                              409: {"model": ErrorBody}})

# The names as enums, so that the OpenAPI document lists them and an
# unknown one is a 400 saying which there are.
CommandName = StrEnum("CommandName", [(n, n) for n in desk_calls.CHANGES])  # type: ignore[misc]
QueryName = StrEnum("QueryName", [(n, n) for n in desk_calls.QUERIES])  # type: ignore[misc]


class Call(BaseModel):
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="By the names the desk's command gives them "
        "(docs/server.md); the acting user is the token's.")


class Answer(BaseModel):
    result: Any = Field(description="What the desk's command returns, as JSON; null for a "
                                    "change made before under the same Idempotency-Key.")
    replayed: bool = False


@router.post("/commands/{name}", response_model=Answer, responses={200: {"headers": REPLAYED}},
             summary="A settings, people or contacts change, by the desk command's name")
def command(request: Request, response: Response, token: Token, name: CommandName,
            body: Call, idempotency_key: CommandKey = None) -> dict[str, Any]:
    arguments = desk_calls.read_arguments(name.value, body.arguments)
    with desk_as(request, token) as (desk, actor):
        done = once(desk, actor, idempotency_key, name.value,
                    lambda: desk_calls.call(desk, actor, name.value, arguments), response)
    if done.replayed:
        return {"result": None, "replayed": True}
    return {"result": desk_calls.to_json(done.result)}


@router.post("/queries/{name}", response_model=Answer,
             summary="What the desk keeps that a client's replica does not, by the desk "
                     "query's name")
def query(request: Request, token: Token, name: QueryName, body: Call) -> dict[str, Any]:
    arguments = desk_calls.read_arguments(name.value, body.arguments)
    with desk_as(request, token) as (desk, actor):
        return {"result": desk_calls.to_json(desk_calls.call(desk, actor, name.value,
                                                             arguments))}
