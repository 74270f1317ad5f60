"""The change feed: `GET /pipedesk/v1/changes` (long-poll) and
`GET /pipedesk/v1/changes/stream` (server-sent events).

What changed is the desk's to say (`core.feed.ChangeLog`, filtered by the
caller's sight at each change: U2, P6, U3); these routes only wait for it
without holding the desk: a listener on the host (`DeskHost.listen`) wakes
the waiting request, which then asks the change log with the desk held for
a moment, in a worker thread (`run_in_threadpool`). docs/server.md shows
every shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, FastAPI, Header, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from core.errors import DeskError
from core.events import Notice
from core.feed import ChangeLog, FeedAnswer
from server.auth import Token, desk_as
from server.errors import ApiError, ErrorBody
from server.hosting import DeskHost, host_of

router = APIRouter(prefix="/pipedesk/v1", tags=["pipedesk"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}})

# How long a long-poll waits for a change when none is there yet, and the
# most a client may ask; how often a stream says it is alive.
DEFAULT_WAIT = 25.0
MAX_WAIT = 60.0
DEFAULT_HEARTBEAT = 15.0

After = Annotated[int | None, Query(ge=0, description=(
    "The `seq` of the last answer (or event) the client applied; left out, the answer is a "
    "reset holding every ticket the caller sees."))]
Held = Annotated[str | None, Query(description=(
    "The settings version the client holds (`version` of /pipedesk/v1/settings); a change "
    "the server cannot replay makes the answer a reset."))]


class FeedTicket(BaseModel):
    """A ticket as the desk keeps it (core.records.Ticket)."""

    model_config = {"extra": "allow"}
    id: str
    pipeline: str
    stage: str
    subject: str


class Changes(BaseModel):
    seq: int = Field(description="Ask `after` this next time.")
    reset: bool = Field(description="Replace the replica with `tickets`.")
    tickets: list[FeedTicket] = Field(description="Tickets changed or come into sight, as "
                                                  "they are now.")
    removed: list[str] = Field(description="Ids of tickets deleted or gone out of sight.")
    settings: str = Field(description="The version of the settings the caller sees now.")
    settingsChanged: bool = Field(description="Fetch /pipedesk/v1/settings again.")


def install(app: FastAPI) -> None:
    """The feed's routes, and the change log they answer from, hearing the
    desk from the start (a client resuming from before it gets a reset)."""
    host: DeskHost = app.state.host
    with host.using() as desk:
        app.state.change_log = ChangeLog(desk)
    app.include_router(router)


def feed_of(request: Request) -> ChangeLog:
    log: ChangeLog = request.app.state.change_log
    return log


def _as_json(answer: FeedAnswer) -> dict[str, Any]:
    return {"seq": answer.seq, "reset": answer.reset,
            "tickets": [msgspec.to_builtins(t) for t in answer.tickets],
            "removed": answer.removed, "settings": answer.settings,
            "settingsChanged": answer.settings_changed}


def _ask(request: Request, token: str, after: int | None, held: str | None
         ) -> tuple[bool, dict[str, Any]]:
    """(empty, the answer as JSON), worked out with the desk held: the
    desk changes its tickets in place, so they are copied out before the
    hold ends."""
    with desk_as(request, token) as (desk, actor):
        answer = feed_of(request).since(after, actor, held)
        return answer.empty, _as_json(answer)


class _Waker:
    """An asyncio event set by every notice the host hears, from whichever
    thread hears it."""

    def __init__(self, host: DeskHost) -> None:
        self.event = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        self._stop: Callable[[], None] = host.listen(self._heard)

    def _heard(self, _notice: Notice) -> None:
        with contextlib.suppress(RuntimeError):  # the request's loop has ended
            self._loop.call_soon_threadsafe(self.event.set)

    async def wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.event.wait(), max(seconds, 0))

    def close(self) -> None:
        self._stop()


@router.get("/changes", response_model=Changes, summary="Changes after a position (long-poll)")
async def changes(request: Request, token: Token, after: After = None,
                  wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description=(
                      "Seconds to wait for a change when there is none yet."))] = DEFAULT_WAIT,
                  settings: Held = None) -> dict[str, Any]:
    """Answers at once when something changed for the caller after `after`;
    else waits up to `wait` seconds and answers empty with the current
    `seq`."""
    waker = _Waker(host_of(request))
    try:
        deadline = time.monotonic() + wait
        while True:
            waker.event.clear()
            empty, answer = await run_in_threadpool(_ask, request, token, after, settings)
            left = deadline - time.monotonic()
            if not empty or left <= 0:
                return answer
            await waker.wait(left)
    finally:
        waker.close()


@router.get("/changes/stream", summary="Changes as server-sent events", response_class=
            StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}},
            include_in_schema=False)
async def stream(request: Request, token: Token, after: After = None,
                 heartbeat: Annotated[float, Query(gt=0, le=MAX_WAIT, description=(
                     "Seconds between heartbeat comments."))] = DEFAULT_HEARTBEAT,
                 settings: Held = None,
                 last_event_id: Annotated[str | None, Header()] = None) -> StreamingResponse:
    """One `changes` event at once (the caller's position, or a reset),
    then one per change the caller may see, each with `id:` its `seq`;
    a `:` comment every `heartbeat` seconds of quiet. Reconnecting with
    `Last-Event-ID` (or `after`) resumes. Not in the OpenAPI document: a
    stream never ends, which a schema-driven test cannot call."""
    if last_event_id is not None:
        if not last_event_id.strip().isdigit():
            raise ApiError(400, f"Last-Event-ID {last_event_id!r} is not a position; send the "
                           "id of the last event received.")
        after = int(last_event_id)
    # The first answer before the stream starts: a refusal (a bad token,
    # an `after` ahead of the desk) is an ordinary error response.
    _empty, first = await run_in_threadpool(_ask, request, token, after, settings)
    return StreamingResponse(_events(request, token, first, heartbeat),
                             media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


def _event(answer: dict[str, Any]) -> str:
    return f"id: {answer['seq']}\nevent: changes\ndata: {json.dumps(answer)}\n\n"


async def _events(request: Request, token: str, first: dict[str, Any], heartbeat: float
                  ) -> AsyncIterator[str]:
    waker = _Waker(host_of(request))
    try:
        yield _event(first)
        position, held = first["seq"], first["settings"]
        quiet_since = time.monotonic()
        while True:
            waker.event.clear()
            try:
                empty, answer = await run_in_threadpool(_ask, request, token, position, held)
            except DeskError as err:  # the token revoked, the user deactivated (U3)
                yield f"event: error\ndata: {json.dumps({'message': err.message})}\n\n"
                return
            if not empty:
                yield _event(answer)
                position, held = answer["seq"], answer["settings"]
                quiet_since = time.monotonic()
            left = quiet_since + heartbeat - time.monotonic()
            if left <= 0:
                yield ": heartbeat\n\n"
                quiet_since = time.monotonic()
                continue
            await waker.wait(left)
    finally:
        waker.close()
