"""`POST /crm/v3/objects/tickets/search`: the CRM's filters over the
tickets the user may see (`Desk.tickets`, U2).

Filter groups are alternatives (any one), the filters of a group all hold;
`query` is free text over the subject and the description (every word
found). A value compares as its property's kind: numbers as numbers, dates
as instants (ISO 8601 or epoch milliseconds, as the CRM takes them), the
rest as text, ignoring case (docs/server.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from fnmatch import fnmatchcase
from typing import Literal

from fastapi import APIRouter, Request

from core import Desk
from core.clock import parse_instant
from core.errors import DeskError
from core.model import PropertyType
from core.records import Ticket
from server.auth import Token, desk_as
from server.crm_models import Filter, ForwardPaging, NextPage, SearchPage, SearchRequest, Sort
from server.crm_properties import CRM_TO_OURS, check_names, ours, read_value
from server.crm_tickets import answer, int_id
from server.errors import ApiError, ErrorBody, ErrorDetail

router = APIRouter(prefix="/crm/v3/objects/tickets", tags=["tickets"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody}})

Kind = Literal["number", "instant", "text"]
Comparable = float | datetime | str
_WORD = re.compile(r"\w+")
_INSTANTS = frozenset({"createdate", "closed_date", "hs_lastmodifieddate"})


def kind_of(desk: Desk, crm_name: str) -> Kind:
    if crm_name in _INSTANTS:
        return "instant"
    if crm_name == "hs_object_id":
        return "number"
    name = CRM_TO_OURS.get(crm_name, crm_name)
    try:
        prop = desk.property(name)
    except DeskError:
        return "text"
    if prop.type is PropertyType.NUMBER:
        return "number"
    if prop.type in (PropertyType.DATE, PropertyType.DATETIME):
        return "instant"
    return "text"


def comparable(kind: Kind, text: str) -> Comparable:
    """`text` as `kind` compares it; ValueError if it is not one."""
    if kind == "number":
        return float(text)
    if kind == "instant":
        raw = text.strip()
        if raw.lstrip("-").isdigit():
            return datetime.fromtimestamp(int(raw) / 1000, UTC)
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        return parse_instant(raw.replace("Z", "+00:00"))
    return text.casefold()


def _stored(kind: Kind, raw: str | None) -> Comparable | None:
    """A ticket's value as `kind` compares it; None for none (or one the
    kind cannot read, as a value written before its property's type
    changed)."""
    if raw in (None, ""):
        return None
    try:
        return comparable(kind, str(raw))
    except (ValueError, OverflowError, OSError):
        return None


class _Test:
    """One filter, checked and ready to ask of a ticket."""

    def __init__(self, desk: Desk, given: Filter, where: str) -> None:
        ours(desk, given.propertyName, f"{where}.propertyName")
        self.name = given.propertyName
        self.kind = kind_of(desk, self.name)
        self.operator = given.operator
        self.value = self._parse(given.value, f"{where}.value", needed=self.operator not in (
            "HAS_PROPERTY", "NOT_HAS_PROPERTY", "IN", "NOT_IN"))
        self.high = self._parse(given.highValue, f"{where}.highValue",
                                needed=self.operator == "BETWEEN")
        if self.operator in ("IN", "NOT_IN"):
            if not given.values:
                self._refuse(f"{self.operator} takes 'values', a list.", f"{where}.values")
            self.values = [self._parse(v, f"{where}.values", needed=True)
                           for v in given.values or ()]

    def _parse(self, text: str | None, where: str, needed: bool) -> Comparable | None:
        if text is None:
            if needed:
                self._refuse(f"{self.operator} on {self.name} takes a 'value'.", where)
            return None
        if self.operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            return text.casefold()
        try:
            return comparable(self.kind, text)
        except (ValueError, OverflowError, OSError):
            said = "a number" if self.kind == "number" else \
                "a date (ISO 8601, or epoch milliseconds)"
            self._refuse(f"{self.name} compares as {said}; got {text!r}.", where)
            raise  # pragma: no cover - _refuse raises

    @staticmethod
    def _refuse(message: str, where: str) -> None:
        raise ApiError(400, message, [ErrorDetail(message=message, **{"in": where})])

    def holds(self, desk: Desk, ticket: Ticket) -> bool:
        raw = read_value(ticket, self.name, desk)
        if self.operator == "HAS_PROPERTY":
            return raw not in (None, "")
        if self.operator == "NOT_HAS_PROPERTY":
            return raw in (None, "")
        if self.operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            words = _WORD.findall((raw or "").casefold())
            token = str(self.value)
            found = any(fnmatchcase(w, token) for w in words) or (
                " " in token and token in (raw or "").casefold())
            return found if self.operator == "CONTAINS_TOKEN" else not found
        value = _stored(self.kind, raw)
        if self.operator == "NEQ":
            return value != self.value
        if self.operator == "NOT_IN":
            return value not in self.values
        if value is None:
            return False
        return self._compare(value)

    def _compare(self, value: Comparable) -> bool:
        tests: dict[str, Callable[[], bool]] = {
            "EQ": lambda: value == self.value,
            "LT": lambda: value < self.value,  # type: ignore[operator]
            "LTE": lambda: value <= self.value,  # type: ignore[operator]
            "GT": lambda: value > self.value,  # type: ignore[operator]
            "GTE": lambda: value >= self.value,  # type: ignore[operator]
            "BETWEEN": lambda: self.value <= value <= self.high,  # type: ignore[operator]
            "IN": lambda: value in self.values,
        }
        return tests[self.operator]()


def _sort_key(desk: Desk, name: str, kind: Kind) -> Callable[[Ticket], tuple[bool, Comparable]]:
    def key(ticket: Ticket) -> tuple[bool, Comparable]:
        value = _stored(kind, read_value(ticket, name, desk))
        if value is None:
            return (True, "")  # no value last, as the CRM sorts
        return (False, value)
    return key


def _words(query: str | None) -> list[str]:
    return [w.casefold() for w in (query or "").split() if w.strip()]


@router.post("/search", response_model=SearchPage, summary="Search the tickets")
def search_tickets(request: Request, token: Token, body: SearchRequest) -> SearchPage:
    start = _offset(body.after)
    with desk_as(request, token) as (desk, actor):
        groups = [[_Test(desk, f, f"body.filterGroups[{g}].filters[{n}]")
                   for n, f in enumerate(group.filters)]
                  for g, group in enumerate(body.filterGroups)]
        asked = check_names(desk, body.properties, "body.properties")
        sorts = [s if isinstance(s, Sort) else
                 Sort(propertyName=s.lstrip("-"),
                      direction="DESCENDING" if s.startswith("-") else "ASCENDING")
                 for s in body.sorts]
        for n, s in enumerate(sorts):
            ours(desk, s.propertyName, f"body.sorts[{n}]")
        words = _words(body.query)
        found = [t for t in sorted(desk.tickets(actor), key=lambda t: int_id(t.id))
                 if (not groups or any(all(test.holds(desk, t) for test in group)
                                       for group in groups))
                 and all(w in f"{t.subject}\n{t.content}".casefold() for w in words)]
        for s in reversed(sorts):
            found.sort(key=_sort_key(desk, s.propertyName, kind_of(desk, s.propertyName)),
                       reverse=s.direction == "DESCENDING")
        page = found[start:start + body.limit]
        results = [answer(desk, t, asked) for t in page]
    paging = None
    if start + body.limit < len(found):
        paging = ForwardPaging(next=NextPage(after=str(start + body.limit)))
    return SearchPage(total=len(found), results=results, paging=paging)


def _offset(after: str | None) -> int:
    if after is None or after.strip() == "":
        return 0
    if not after.strip().isdigit():
        message = f"'after' is the cursor a page's paging.next.after gives; got {after!r}."
        raise ApiError(400, message, [ErrorDetail(message=message, **{"in": "body.after"})])
    return int(after.strip())
