"""Every answer that is not 2xx, in the CRM API's error shape.

`{"status": "error", "message": ..., "correlationId": ..., "category": ...,
"errors": [{"message": ..., "in": ...}]}` as the CRM's OpenAPI `Error`
schema has it (docs/server.md). The message is the desk's own, written for
the person who reads it; a bug is a 500 that says only that, with the
correlation id to find it in the server's log, never a stack trace.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import (
    ChangedSince,
    DatabaseUnavailable,
    DeskError,
    Forbidden,
    NotFound,
    Unauthorized,
)

log = logging.getLogger("pipedesk.server")

# The CRM's categories, by status.
CATEGORIES = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 403: "MISSING_SCOPES",
              404: "OBJECT_NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 409: "CONFLICT",
              412: "PRECONDITION_FAILED", 413: "VALIDATION_ERROR", 415: "VALIDATION_ERROR",
              422: "VALIDATION_ERROR", 429: "RATE_LIMITS", 500: "INTERNAL_ERROR",
              503: "SERVICE_UNAVAILABLE"}


class ErrorDetail(BaseModel):
    message: str
    in_: str | None = Field(default=None, alias="in")
    code: str | None = None


class ErrorBody(BaseModel):
    """The CRM API's `Error`."""

    status: str = "error"
    message: str
    correlationId: str
    category: str
    errors: list[ErrorDetail] = []


class ApiError(Exception):
    """A refusal a route raises itself (a bad `after`, a stale If-Match)."""

    def __init__(self, status: int, message: str, errors: Sequence[ErrorDetail] = (),
                 headers: dict[str, str] | None = None, body: dict[str, Any] | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors)
        self.headers = headers
        self.body = body  # a 412 carries the current ticket beside the error


def error_response(status: int, message: str, errors: Sequence[ErrorDetail] = (),
                   headers: dict[str, str] | None = None,
                   extra: dict[str, Any] | None = None,
                   correlation: str | None = None) -> JSONResponse:
    body = ErrorBody(message=message, correlationId=correlation or str(uuid.uuid4()),
                     category=CATEGORIES.get(status, "VALIDATION_ERROR"), errors=list(errors))
    content = body.model_dump(by_alias=True, exclude_none=True)
    content.update(extra or {})
    return JSONResponse(content, status_code=status, headers=headers)


def status_of(err: DeskError) -> int:
    """The HTTP status of a refusal: unknown (or out of sight) 404, not
    allowed 403, no usable token 401, the database away 503, any other
    rule 400."""
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, Forbidden):
        return 403
    if isinstance(err, Unauthorized):
        return 401
    if isinstance(err, DatabaseUnavailable):
        return 503
    if isinstance(err, ChangedSince):
        return 409
    return 400


def where(loc: Sequence[int | str]) -> str:
    """Where in the request a validation error is, as a person reads it:
    `body.properties.subject`, `query.limit`."""
    return ".".join(str(part) for part in loc)


def install(app: FastAPI) -> None:
    """Answer every kind of failure in the error shape."""

    @app.exception_handler(ApiError)
    async def _api(_request: Request, err: ApiError) -> JSONResponse:
        return error_response(err.status, err.message, err.errors, err.headers, err.body)

    @app.exception_handler(DeskError)
    async def _desk(_request: Request, err: DeskError) -> JSONResponse:
        status = status_of(err)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return error_response(status, err.message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
        details = [ErrorDetail(message=str(e.get("msg", "invalid")),
                               **{"in": where(e.get("loc", ()))})
                   for e in err.errors()]
        first = details[0] if details else None
        message = (f"{first.in_}: {first.message}" if first is not None and first.in_
                   else "The request is not valid.")
        return error_response(400, message, details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        message = err.detail if isinstance(err.detail, str) else "The request was refused."
        headers = getattr(err, "headers", None)
        if err.status_code == 404 and message == "Not Found":
            message = "No such endpoint; see /openapi.json for what this server answers."
        elif err.status_code == 405:
            allowed = (headers or {}).get("Allow", "")
            message = f"{request.method} is not answered here; this endpoint takes {allowed}."
        return error_response(err.status_code, message, headers=headers)

    @app.exception_handler(Exception)
    async def _bug(_request: Request, err: Exception) -> JSONResponse:
        correlation = str(uuid.uuid4())
        log.error("request failed, correlationId %s", correlation, exc_info=err)
        return error_response(500, "The server failed to answer this request; its log has "
                              "the details under this correlationId.", correlation=correlation)
