"""pipedesk's own endpoints on tickets, beside the CRM's: a ticket's
conversation and timeline (C1, T7), a reply or a note on it; and the
terminal client's commands in the desk's own words (a create, a move, an
edit: values by property name, as `Desk` takes them; docs/sync.md), each
answered with the ticket as the feed sends tickets.

A ticket out of the caller's sight is unknown (404, U2); one in a
pipeline the caller may view but not edit is refused (403, P6): the desk
says so, these routes only pass its answer on.
"""

from __future__ import annotations

from typing import Any

import msgspec
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from core import Actor, Desk
from core.desk import Applied
from core.errors import NotFound
from core.records import Ticket
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


class NewTicket(BaseModel):
    pipeline: str = Field(description="The pipeline's id or label.")
    stage: str = Field(description="The stage's id or label.")
    subject: str
    contact: str | None = Field(default=None, description="A contact the desk knows, by email.")
    values: dict[str, Any] = Field(default_factory=dict,
                                   description="Property values by name (S7's required ones).")


def _based() -> Any:
    return Field(default_factory=dict, description=(
        "The values the change was made against, by property name (a move's `stage` among "
        "them): one someone changed since refuses it with 409; other fields do not."))


class Move(BaseModel):
    stage: str = Field(description="The stage's id or label.")
    pipeline: str | None = Field(default=None, description="Another pipeline, to move there.")
    values: dict[str, Any] = Field(default_factory=dict,
                                   description="Values with the move (S7), by property name.")
    based: dict[str, Any] = _based()


class Edit(BaseModel):
    values: dict[str, Any] = Field(min_length=1, description="By property name; null clears.")
    based: dict[str, Any] = _based()


_TICKET_ANSWER: dict[int | str, dict[str, Any]] = {200: {"headers": REPLAYED}}


def _ticket(ticket: Ticket) -> dict[str, Any]:
    answer: dict[str, Any] = msgspec.to_builtins(ticket)
    return answer


def _now_or_then(desk: Desk, actor: Actor, done: Applied[Ticket], ticket_id: str
                 ) -> dict[str, Any]:
    """The ticket after the command: as the desk holds it now, or as the
    command left it where that took it out of the caller's sight."""
    try:
        return _ticket(desk.ticket(done.result.id if done.result else ticket_id, actor))
    except NotFound:
        if done.result is None:
            raise
        return _ticket(done.result)


@router.post("", status_code=201, response_model=dict[str, Any],
             summary="Create a ticket (T1), values by property name",
             responses={201: {"headers": REPLAYED}})
def create(request: Request, response: Response, token: Token, body: NewTicket,
           idempotency_key: CommandKey = None) -> dict[str, Any]:
    with desk_as(request, token) as (desk, actor):
        made = once(desk, actor, idempotency_key, "create_ticket", lambda: desk.create_ticket(
            actor, body.pipeline, body.stage, body.subject, contact=body.contact,
            values=body.values, source="api"), response)
        return _now_or_then(desk, actor, made, made.ticket)


@router.post("/{ticket_id}/move", response_model=dict[str, Any],
             summary="Move the ticket (T2, with T3's close date and S7's values)",
             responses=_TICKET_ANSWER)
def move(request: Request, response: Response, token: Token, ticket_id: str, body: Move,
         idempotency_key: CommandKey = None) -> dict[str, Any]:
    with desk_as(request, token) as (desk, actor):
        moved = once(desk, actor, idempotency_key, "move_ticket", lambda: desk.move_ticket(
            ticket_id, body.stage, actor, pipeline=body.pipeline, values=body.values,
            based=body.based), response)
        return _now_or_then(desk, actor, moved, ticket_id)


@router.post("/{ticket_id}/edit", response_model=dict[str, Any],
             summary="Change the ticket's values (T4)", responses=_TICKET_ANSWER)
def edit(request: Request, response: Response, token: Token, ticket_id: str, body: Edit,
         idempotency_key: CommandKey = None) -> dict[str, Any]:
    with desk_as(request, token) as (desk, actor):
        edited = once(desk, actor, idempotency_key, "edit_ticket",
                      lambda: desk.edit_ticket(ticket_id, body.values, actor, based=body.based),
                      response)
        return _now_or_then(desk, actor, edited, ticket_id)


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
