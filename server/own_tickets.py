"""pipedesk's own endpoints on one ticket, beside the CRM's: its
conversation and timeline (C1, T7), and a reply or a note on it.

A ticket out of the caller's sight is unknown (404, U2); one in a
pipeline the caller may view but not edit is refused (403, P6): the desk
says so, these routes only pass its answer on.
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from server.auth import Token, desk_as
from server.errors import ErrorBody
from server.once import REPLAYED, CommandKey, once

router = APIRouter(prefix="/pipedesk/v1/tickets", tags=["pipedesk"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                              403: {"model": ErrorBody}, 404: {"model": ErrorBody}})


class Items(BaseModel):
    ticket: str
    items: list[dict[str, Any]]


class Reply(BaseModel):
    text: str = Field(description="The reply's text, sent to the ticket's contact.")
    cc: list[str] = Field(default_factory=list, description="Copies to these addresses.")


class Note(BaseModel):
    text: str = Field(description="An internal note: never sent.")


@router.get("/{ticket_id}/conversation", response_model=Items,
            summary="The ticket's messages and notes, oldest first (C1)")
def conversation(request: Request, token: Token, ticket_id: str) -> Items:
    with desk_as(request, token) as (desk, actor):
        items = desk.conversation(ticket_id, actor)
        return Items(ticket=ticket_id.strip().lstrip("#"), items=[i.as_dict() for i in items])


@router.get("/{ticket_id}/timeline", response_model=Items,
            summary="Every change of the ticket, oldest first (T7)")
def timeline(request: Request, token: Token, ticket_id: str) -> Items:
    with desk_as(request, token) as (desk, actor):
        items = desk.timeline(ticket_id, actor)
        return Items(ticket=ticket_id.strip().lstrip("#"), items=[i.as_dict() for i in items])


# A reply or note sent again under its Idempotency-Key: 200, and this.
_REPLAY_ANSWER: dict[int | str, dict[str, Any]] = {200: {
    "description": "Sent before under this Idempotency-Key: not sent again; "
                   "`{\"ticket\": id, \"replayed\": true}`.",
    "headers": REPLAYED}}


@router.post("/{ticket_id}/replies", status_code=201, response_model=dict[str, Any],
             summary="Reply to the ticket's contact (C1; sent through the outbox)",
             responses=_REPLAY_ANSWER)
def reply(request: Request, response: Response, token: Token, ticket_id: str, body: Reply,
          idempotency_key: CommandKey = None) -> dict[str, Any]:
    with desk_as(request, token) as (desk, actor):
        sent = once(desk, actor, idempotency_key, "reply",
                    lambda: desk.reply(ticket_id, body.text, actor, cc=body.cc), response)
        if sent.result is None:
            return _replayed(response, sent.ticket)
        answer: dict[str, Any] = msgspec.to_builtins(sent.result)
        answer.pop("outbox", None)  # where the courier keeps it: the server's business
        return answer


@router.post("/{ticket_id}/notes", status_code=201, response_model=dict[str, Any],
             summary="An internal note on the ticket's conversation", responses=_REPLAY_ANSWER)
def note(request: Request, response: Response, token: Token, ticket_id: str, body: Note,
         idempotency_key: CommandKey = None) -> dict[str, Any]:
    with desk_as(request, token) as (desk, actor):
        added = once(desk, actor, idempotency_key, "add_note",
                     lambda: desk.add_note(ticket_id, body.text, actor), response)
        if added.result is None:
            return _replayed(response, added.ticket)
        answer: dict[str, Any] = msgspec.to_builtins(added.result)
        return answer


def _replayed(response: Response, ticket: str) -> dict[str, Any]:
    response.status_code = 200
    return {"ticket": ticket, "replayed": True}
