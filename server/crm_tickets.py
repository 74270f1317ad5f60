"""`/crm/v3/objects/tickets`: tickets one at a time and in batches (T1-T5).

Every route asks the desk as the token's user: a ticket out of the user's
sight is unknown (404, U2), a list holds only what `Desk.tickets` gives,
and every change is the desk's own command (create_tickets, edit_ticket,
move_ticket, delete_ticket) with its rules. Properties are translated by
server/crm_properties.py. A ticket's version travels as its ETag, a digest
of the ticket as it is stored, so it changes exactly when the ticket does;
`If-Match` on PATCH and DELETE refuses a stale change (412).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.params import Path as PathParam
from fastapi.responses import JSONResponse

from core import Actor, Desk
from core.desk import TicketDraft
from core.errors import DeskError, NotFound
from core.records import Ticket
from server.auth import Token, desk_as
from server.crm_models import (
    BatchCreate,
    BatchIds,
    BatchRead,
    BatchResult,
    BatchUpdate,
    ForwardPaging,
    NextPage,
    SimplePublicObject,
    StandardError,
    TicketInput,
    TicketPage,
)
from server.crm_properties import TicketInput as Translated
from server.crm_properties import check_names, crm_instant, properties_of, split_list
from server.errors import CATEGORIES, ApiError, ErrorBody, ErrorDetail, status_of
from server.once import REPLAYED, CommandKey, once

router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                              403: {"model": ErrorBody}, 404: {"model": ErrorBody}})

TicketIdPath = Annotated[str, PathParam(max_length=40)]
PropertiesQuery = Annotated[list[str] | None, Query(
    description="Properties to return, comma-separated or repeated.")]
IfMatch = Annotated[str | None, Header(description="The ETag the change was made against.")]
_ETAG = {"ETag": {"description": "The ticket's version.", "schema": {"type": "string"}}}


def etag(ticket: Ticket) -> str:
    """The ticket's version: a digest of how it is stored."""
    return '"' + hashlib.sha256(msgspec.json.encode(ticket)).hexdigest()[:20] + '"'


def answer(desk: Desk, ticket: Ticket, asked: Sequence[str] = ()) -> SimplePublicObject:
    return SimplePublicObject(id=ticket.id, properties=properties_of(desk, ticket, asked),
                              createdAt=crm_instant(ticket.create_date),
                              updatedAt=crm_instant(ticket.last_activity))


def asked_properties(desk: Desk, given: Sequence[str] | None, where: str) -> list[str]:
    return check_names(desk, [n for part in given or () for n in split_list(part)], where)


def _check_version(desk: Desk, ticket: Ticket, if_match: str | None) -> None:
    """`If-Match` as HTTP has it: `*` or one of the listed ETags (a weak
    one compared as strong: the version is exact)."""
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" in tags or etag(ticket) in tags:
        return
    current = answer(desk, ticket)
    raise ApiError(412, f"Ticket #{ticket.id} changed since that version; read it again "
                   "(its current version is in 'current' and the ETag header) and retry.",
                   [ErrorDetail(message="not the ticket's current ETag", **{"in": "If-Match"})],
                   headers={"ETag": etag(ticket)},
                   body={"current": current.model_dump()})


def _id(ticket_id: str) -> str:
    return str(ticket_id).strip()


# -- one ticket ------------------------------------------------------------------


def _draft(desk: Desk, actor: Actor, given: TicketInput, where: str) -> TicketDraft:
    wanted = Translated(desk, given.properties, where)
    if wanted.stage is None:
        message = ("hs_pipeline_stage is required: the id of the stage the ticket starts in "
                   "(GET /crm/v3/pipelines/tickets lists them).")
        raise ApiError(400, message, [ErrorDetail(message=message,
                                                  **{"in": f"{where}.hs_pipeline_stage"})])
    values = dict(wanted.values)
    subject = values.pop("subject", None) or ""
    contact = values.pop("contact", None)
    pipeline = wanted.pipeline
    if pipeline is None:
        # P8: a stage id names one stage in the whole desk.
        pipeline = desk.stage(wanted.stage, actor)[0].id
    return TicketDraft(pipeline, wanted.stage, subject, contact or None, values, source="api")


def _update(desk: Desk, actor: Actor, ticket_id: str, properties: dict[str, str | None],
            where: str, if_match: str | None = None) -> Ticket:
    ticket = desk.ticket(ticket_id, actor)
    _check_version(desk, ticket, if_match)
    wanted = Translated(desk, properties, where)
    if wanted.stage is None and wanted.pipeline is None and not wanted.values:
        message = "Give at least one property to set in 'properties'."
        raise ApiError(400, message, [ErrorDetail(message=message, **{"in": where})])
    if wanted.stage is not None or wanted.pipeline is not None:
        # T2 (with T3's close date), the values with it, as one change.
        changed = desk.move_ticket(ticket.id, wanted.stage or ticket.stage, actor,
                                   pipeline=wanted.pipeline, values=wanted.values)
    else:
        changed = desk.edit_ticket(ticket.id, wanted.values, actor)
    return _as_now(desk, actor, changed)


def _as_now(desk: Desk, actor: Actor, ticket: Ticket) -> Ticket:
    """The ticket as the desk holds it after a change; as the command gave
    it where the change took it out of the user's sight."""
    try:
        return desk.ticket(ticket.id, actor)
    except NotFound:
        return ticket


@router.get("", response_model=TicketPage, summary="Tickets, oldest first")
def list_tickets(request: Request, token: Token,
                 limit: Annotated[int, Query(ge=1, le=100)] = 10,
                 after: Annotated[str | None, Query(max_length=40)] = None,
                 properties: PropertiesQuery = None,
                 archived: bool = False) -> TicketPage:
    start = _after(after)
    with desk_as(request, token) as (desk, actor):
        asked = asked_properties(desk, properties, "query.properties")
        if archived:
            return TicketPage(results=[])  # T5: a deleted ticket is gone, not archived
        found = sorted((t for t in desk.tickets(actor) if int_id(t.id) > start),
                       key=lambda t: int_id(t.id))
        page = found[:limit]
        results = [answer(desk, t, asked) for t in page]
    paging = None
    if len(found) > limit:
        last = page[-1].id
        paging = ForwardPaging(next=NextPage(
            after=last, link=str(request.url.include_query_params(after=last))))
    return TicketPage(results=results, paging=paging)


def int_id(ticket_id: str) -> int:
    return int(ticket_id) if ticket_id.isdigit() else 0


def _after(after: str | None) -> int:
    if after is None or after == "":
        return 0
    if not after.strip().isdigit():
        message = (f"'after' is the cursor a page's paging.next.after gives (a ticket id); "
                   f"got {after!r}.")
        raise ApiError(400, message, [ErrorDetail(message=message, **{"in": "query.after"})])
    return int(after.strip())


@router.get("/{ticketId}", response_model=SimplePublicObject, summary="One ticket",
            responses={200: {"headers": _ETAG}})
def get_ticket(request: Request, response: Response, token: Token, ticketId: TicketIdPath,
               properties: PropertiesQuery = None,
               archived: bool = False) -> SimplePublicObject:
    with desk_as(request, token) as (desk, actor):
        asked = asked_properties(desk, properties, "query.properties")
        if archived:
            raise NotFound(f"No archived ticket #{ticketId}: a deleted ticket is gone (T5).")
        ticket = desk.ticket(_id(ticketId), actor)
        response.headers["ETag"] = etag(ticket)
        return answer(desk, ticket, asked)


@router.post("", response_model=SimplePublicObject, status_code=201,
             summary="Create a ticket (T1)",
             responses={201: {"headers": {**_ETAG, **REPLAYED}}})
def create_ticket(request: Request, response: Response, token: Token,
                  body: TicketInput, idempotency_key: CommandKey = None) -> SimplePublicObject:
    with desk_as(request, token) as (desk, actor):
        made = once(desk, actor, idempotency_key, "create_ticket", lambda: desk.create_tickets(
            [_draft(desk, actor, body, "body.properties")], actor)[0], response)
        # A replay: the ticket that create made, as it is now.
        ticket = _as_now(desk, actor, made.result) if made.result is not None else \
            desk.ticket(made.ticket, actor)
        response.headers["ETag"] = etag(ticket)
        return answer(desk, ticket)


@router.patch("/{ticketId}", response_model=SimplePublicObject,
              summary="Change a ticket (T4; a stage is a move, T2); an empty string clears",
              responses={200: {"headers": {**_ETAG, **REPLAYED}}, 412: {"model": ErrorBody}})
def update_ticket(request: Request, response: Response, token: Token, ticketId: TicketIdPath,
                  body: TicketInput, if_match: IfMatch = None,
                  idempotency_key: CommandKey = None) -> SimplePublicObject:
    with desk_as(request, token) as (desk, actor):
        # A replay is not checked against If-Match: its version is the one
        # the change was made against, and the change is made already.
        changed = once(desk, actor, idempotency_key, "update_ticket", lambda: _update(
            desk, actor, _id(ticketId), body.properties, "body.properties", if_match), response)
        ticket = changed.result or desk.ticket(_id(ticketId), actor)
        response.headers["ETag"] = etag(ticket)
        return answer(desk, ticket)


@router.delete("/{ticketId}", status_code=204, response_class=Response,
               summary="Delete a ticket (T5)",
               responses={204: {"headers": REPLAYED}, 412: {"model": ErrorBody}})
def archive_ticket(request: Request, token: Token, ticketId: TicketIdPath,
                   if_match: IfMatch = None, idempotency_key: CommandKey = None) -> Response:
    done = Response(status_code=204)

    def delete() -> None:
        ticket = desk.ticket(_id(ticketId), actor)
        _check_version(desk, ticket, if_match)
        desk.delete_ticket(ticket.id, actor)

    with desk_as(request, token) as (desk, actor):
        once(desk, actor, idempotency_key, "delete_ticket", delete, done)
    return done


# -- batches ---------------------------------------------------------------------------


class _Batch:
    """What a batch did: each item's ticket or its refusal."""

    def __init__(self) -> None:
        self.started = crm_instant(datetime.now(UTC))
        self.results: list[SimplePublicObject] = []
        self.errors: list[StandardError] = []

    def attempt(self, index: int, ident: str | None, work: Callable[[], Any]) -> Any:
        try:
            return work()
        except (DeskError, ApiError) as err:
            status = err.status if isinstance(err, ApiError) else status_of(err)
            where = f"inputs[{index}]"
            details = [ErrorDetail(message=d.message, **{"in": d.in_ or where})
                       for d in getattr(err, "errors", ())] or \
                [ErrorDetail(message=err.message, **{"in": where})]
            context = {"index": [str(index)]} | ({"ids": [ident]} if ident else {})
            self.errors.append(StandardError(category=CATEGORIES.get(status, "VALIDATION_ERROR"),
                                             message=err.message, errors=details,
                                             context=context))
            return None

    def answer(self, all_good: int, done: int | None = None) -> JSONResponse:
        """`all_good` when nothing was refused; 207 with the errors when
        some were; 400 in the error shape when every one was (`done`: how
        many were done, where that is not the results)."""
        self.errors.sort(key=lambda e: int(e.context["index"][0]))
        body = BatchResult(results=self.results, startedAt=self.started,
                           completedAt=crm_instant(datetime.now(UTC)))
        if not self.errors:
            return JSONResponse(body.model_dump(exclude_none=True), status_code=all_good)
        if (len(self.results) if done is None else done) == 0:
            first = self.errors[0]
            details = [d for e in self.errors for d in e.errors]
            raise ApiError(first_status(first), f"No item of the batch was done: {first.message}",
                           details)
        body.numErrors = len(self.errors)
        body.errors = self.errors
        return JSONResponse(body.model_dump(exclude_none=True, by_alias=True), status_code=207)


def first_status(error: StandardError) -> int:
    return next((s for s, c in CATEGORIES.items() if c == error.category and s != 413), 400)


_BATCH: dict[int | str, dict[str, Any]] = {
    207: {"model": BatchResult, "description": "Some items were refused: `errors`."}}


@router.post("/batch/read", response_model=BatchResult, summary="Several tickets by id",
             responses=_BATCH)
def batch_read(request: Request, token: Token, body: BatchRead) -> JSONResponse:
    batch = _Batch()
    with desk_as(request, token) as (desk, actor):
        asked = check_names(desk, body.properties, "body.properties")
        for n, item in enumerate(body.inputs):
            ticket = batch.attempt(n, item.id, partial(desk.ticket, _id(item.id), actor))
            if ticket is not None:
                batch.results.append(answer(desk, ticket, asked))
    return batch.answer(200)


@router.post("/batch/create", response_model=BatchResult, status_code=201,
             summary="Create several tickets (one commit when every one is good)",
             responses=_BATCH)
def batch_create(request: Request, token: Token, body: BatchCreate) -> JSONResponse:
    batch = _Batch()
    with desk_as(request, token) as (desk, actor):
        drafts: list[TicketDraft | None] = [
            batch.attempt(n, None, partial(_draft, desk, actor, item, f"inputs[{n}].properties"))
            for n, item in enumerate(body.inputs)]
        good = [d for d in drafts if d is not None]
        made: list[Ticket] | None = None
        if not batch.errors:
            try:
                made = desk.create_tickets(good, actor)
            except DeskError:
                made = None  # one of them is refused: each one alone says which
        if made is None:
            made = []
            for n, draft in enumerate(drafts):
                if draft is not None:
                    one = batch.attempt(n, None, partial(desk.create_tickets, [draft], actor))
                    made.extend(one or [])
        batch.results = [answer(desk, _as_now(desk, actor, t)) for t in made]
    return batch.answer(201)


@router.post("/batch/update", response_model=BatchResult, summary="Change several tickets",
             responses=_BATCH)
def batch_update(request: Request, token: Token, body: BatchUpdate) -> JSONResponse:
    batch = _Batch()
    with desk_as(request, token) as (desk, actor):
        for n, item in enumerate(body.inputs):
            ticket = batch.attempt(n, item.id, partial(
                _update, desk, actor, _id(item.id), item.properties, f"inputs[{n}].properties"))
            if ticket is not None:
                batch.results.append(answer(desk, ticket))
    return batch.answer(200)


@router.post("/batch/archive", status_code=204, response_class=Response,
             summary="Delete several tickets (T5)", responses=_BATCH)
def batch_archive(request: Request, token: Token, body: BatchIds) -> Response:
    batch = _Batch()
    done = 0
    with desk_as(request, token) as (desk, actor):
        for n, item in enumerate(body.inputs):
            if batch.attempt(n, item.id, partial(desk.delete_ticket, _id(item.id), actor)):
                done += 1
    if not batch.errors:
        return Response(status_code=204)
    return batch.answer(204, done)
