"""The CRM's ticket property names and string values, and ours.

The CRM API names a ticket's properties its own way (`hs_pipeline_stage`,
`hs_ticket_priority` …) and carries every value as a string; the desk has
its own names and typed values. This module is the one translation, both
ways, so that every route reads and writes a ticket the same way
(docs/server.md lists the names). Custom properties keep their names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from core import Desk
from core.errors import DeskError
from core.model import PropertyDef, PropertyType
from core.records import Ticket, Value
from core.tickets import value_of
from server.errors import ApiError, ErrorDetail

# CRM name -> the desk's name. hs_object_id is the ticket's id; the move
# properties (pipeline, stage) travel apart from the values (a move, T2).
CRM_TO_OURS: dict[str, str] = {
    "subject": "subject",
    "content": "content",
    "hs_pipeline": "pipeline",
    "hs_pipeline_stage": "stage",
    "hs_ticket_priority": "priority",
    "hubspot_owner_id": "owner",
    "createdate": "create_date",
    "closed_date": "close_date",
    "hs_lastmodifieddate": "last_activity",
    "hs_object_id": "id",
}
OURS_TO_CRM = {ours: crm for crm, ours in CRM_TO_OURS.items()}
# Ours that the CRM has no name for, offered under our own name.
OWN_NAMES = ("team", "contact", "source")
# What a ticket read without `properties` shows, as the CRM's default set.
DEFAULT_PROPERTIES = ("createdate", "hs_lastmodifieddate", "hs_object_id", "hs_pipeline",
                      "hs_pipeline_stage", "hs_ticket_priority", "subject", "content")
# Always in an answer, as the CRM adds them whatever was asked for.
ALWAYS = ("createdate", "hs_lastmodifieddate", "hs_object_id")
MOVES = frozenset({"hs_pipeline", "hs_pipeline_stage"})


def crm_names(desk: Desk) -> list[str]:
    """Every property name a request may use, CRM names first."""
    custom = [p.name for p in desk.config.properties if not p.archived]
    return [*CRM_TO_OURS, *OWN_NAMES, *custom]


def ours(desk: Desk, name: str, where: str) -> str:
    """The desk's name for the CRM name `name`, or a 400 naming it and
    listing what exists (`where`: the place in the request)."""
    if name in CRM_TO_OURS:
        return CRM_TO_OURS[name]
    custom = {p.name for p in desk.config.properties if not p.archived}
    if name in OWN_NAMES or name in custom:
        return name
    known = ", ".join(crm_names(desk))
    message = f"No ticket property {name!r}. Properties: {known}."
    raise ApiError(400, message, [ErrorDetail(message=message, **{"in": where})])


def check_names(desk: Desk, names: Iterable[str], where: str) -> list[str]:
    """`names` as given, each one a known property (400 otherwise)."""
    listed = [n.strip() for n in names if n.strip()]
    for name in listed:
        ours(desk, name, where)
    return listed


def split_list(text: str | None) -> list[str]:
    """`properties=subject,content` as a query parameter gives it."""
    return [part.strip() for part in (text or "").split(",") if part.strip()]


def crm_instant(value: datetime) -> str:
    """A date-time as the CRM writes one: UTC, milliseconds, Z."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def crm_value(value: Value | datetime) -> str | None:
    """A stored value as the CRM's string (None: no value)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return crm_instant(value)
    return str(value)


def read_value(ticket: Ticket, crm_name: str, desk: Desk) -> str | None:
    """The CRM string of one property of `ticket`."""
    name = CRM_TO_OURS.get(crm_name, crm_name)
    if name == "id":
        return ticket.id
    if name in ("create_date", "close_date", "last_activity"):
        return crm_value(getattr(ticket, name))
    return crm_value(value_of(ticket, name))


def properties_of(desk: Desk, ticket: Ticket, asked: Iterable[str] = ()) -> dict[str, str | None]:
    """The `properties` of a ticket's answer: those asked for (every one
    known already), the default set when none were, and ALWAYS."""
    names = list(asked) or list(DEFAULT_PROPERTIES)
    return {name: read_value(ticket, name, desk) for name in dict.fromkeys([*names, *ALWAYS])}


def desk_input(value: str | None, prop: PropertyDef | None) -> str | None:
    """A CRM string as the desk's input: epoch milliseconds, as the CRM
    takes them for a date, become ISO 8601 (the desk checks the rest)."""
    if value is None or prop is None or not value.strip().isdigit():
        return value
    if prop.type not in (PropertyType.DATE, PropertyType.DATETIME):
        return value
    try:
        at = datetime.fromtimestamp(int(value.strip()) / 1000, UTC)
    except (OverflowError, ValueError, OSError):
        return value  # out of range: the desk's own message says what it takes
    return at.date().isoformat() if prop.type is PropertyType.DATE else at.isoformat()


class TicketInput:
    """A request's `properties`, split into where to (pipeline, stage) and
    the values, in the desk's names (unknown names refused, 400)."""

    def __init__(self, desk: Desk, given: Mapping[str, str | None], where: str) -> None:
        self.pipeline: str | None = None
        self.stage: str | None = None
        self.values: dict[str, str | None] = {}
        for name, value in given.items():
            here = f"{where}.{name}"
            mine = ours(desk, name, here)
            if mine == "id":
                message = "hs_object_id is the ticket's id; pipedesk gives it."
                raise ApiError(400, message, [ErrorDetail(message=message, **{"in": here})])
            if name in MOVES:
                if value is None or not value.strip():
                    message = f"{name} cannot be emptied: a ticket is always in a stage."
                    raise ApiError(400, message,
                                   [ErrorDetail(message=message, **{"in": here})])
                if name == "hs_pipeline":
                    self.pipeline = value.strip()
                else:
                    self.stage = value.strip()
                continue
            prop = _property_or_none(desk, mine)
            self.values[mine] = desk_input(value, prop)


def _property_or_none(desk: Desk, name: str) -> PropertyDef | None:
    try:
        return desk.property(name)
    except DeskError:  # the desk refuses it on use, with its own message
        return None
