"""The ASGI app: the routers, the error shape, the body limit, one desk.

FastAPI (on Starlette, under uvicorn) because the CRM API is JSON bodies
checked against pydantic models, and FastAPI makes the OpenAPI document
from the same models the routes check with, so the served document
(kept in the repo as server/openapi.json) cannot drift from what is
answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import errors
from server.hosting import DeskHost

# A request body larger than this is refused (413) before it is read whole:
# a batch of 100 tickets with long descriptions fits many times over
# (docs/server.md).
MAX_BODY = 4 * 1024 * 1024


def make_app(host: DeskHost, follow: bool = True) -> FastAPI:
    """The server's app over `host`'s desk; `follow`: start the thread that
    follows other processes and does the desk's own work."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if follow:
            host.start()
        try:
            yield
        finally:
            host.stop()

    app = FastAPI(title="pipedesk", version="1",
                  summary="A compatible subset of the CRM v3 pipelines and tickets API, and "
                          "pipedesk's own endpoints.",
                  lifespan=lifespan)
    app.state.host = host
    errors.install(app)
    from server import (
        crm_pipelines,
        crm_search,
        crm_tickets,
        feed,
        me,
        own_calls,
        own_settings,
        own_tickets,
    )

    app.include_router(me.router)
    app.include_router(crm_pipelines.router)
    app.include_router(crm_search.router)  # before crm_tickets: /search is no ticket id
    app.include_router(crm_tickets.router)
    app.include_router(own_settings.router)
    app.include_router(own_tickets.router)
    app.include_router(own_calls.router)
    feed.install(app)
    app.add_middleware(BodyLimit)
    return app


class BodyLimit:
    """413 in the error shape for a body over MAX_BODY, said by its
    Content-Length or found while it streams in."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
            await _too_large(scope, receive, send)
            return
        seen = 0
        too_large = False

        async def counted() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > MAX_BODY:
                    too_large = True
                    raise _TooLarge
            return message

        async def unless_too_large(message: Message) -> None:
            # FastAPI catches what `receive` raised while it parses a body
            # and answers 400 ("error parsing the body"): that answer is
            # dropped for the 413 below.
            if not too_large:
                await send(message)

        with suppress(_TooLarge):
            await self.app(scope, counted, unless_too_large)
        if too_large:
            await _too_large(scope, receive, send)


class _TooLarge(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send) -> None:
    response = errors.error_response(
        413, f"The request body is larger than the server takes ({MAX_BODY // 1024 // 1024} "
        "MB); send fewer tickets per batch.")
    await response(scope, receive, send)
