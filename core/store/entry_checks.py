"""What a line of the journal must hold before the desk applies it.

The decoder gives every entry its shape (types of the fields it knows);
this checks the rest, against the desk as the lines before it left it: the
ticket a change, a deletion or a stage edit names exists; a new ticket's
number is a number above every one used before (ids are never reused,
whatever a file says); each change is a before and an after of the right
kind; the stages a stage edit leaves are stages as desk.toml holds them. A
damaged or hand-edited line is refused with its line number before anything
is applied or written, rather than breaking a command later.

Where a ticket's stage must be one desk.toml has is checked once the whole
journal is read (`core.rules.tickets_outside`): a line may name a stage a
later line deletes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import msgspec
from pydantic import TypeAdapter, ValidationError

from core.clock import parse_instant
from core.errors import DataFileError
from core.events import (
    Changes,
    ContactAdded,
    ContactChanged,
    Entry,
    StagesEdited,
    StepDelayed,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.model import MAX_NEXT_ID, Stage
from core.records import PRIORITIES, Ticket
from core.state import DeskState
from core.store.settings_file import MAX_NESTING, nesting

TICKET_ID = re.compile(r"[1-9][0-9]{0,17}")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_INSTANTS = frozenset({"create_date", "close_date", "last_activity"})
_FIELD_TYPES = {f.name: f.type for f in msgspec.structs.fields(Ticket)
                if f.name not in ("id", "props")}
# The common kinds, checked by hand: msgspec.convert on a typing type costs
# microseconds a call (it hashes the type), and a desk replays thousands.
_KINDS: dict[Any, Callable[[Any], bool]] = {
    str: lambda v: isinstance(v, str),
    str | None: lambda v: v is None or isinstance(v, str),
    _FIELD_TYPES["priority"]: lambda v: v is None or v in PRIORITIES,
}
_FIELD_OK = {name: _KINDS[kind] for name, kind in _FIELD_TYPES.items() if kind in _KINDS}
_VALUE = str | int | float | bool | None
_STAGES: TypeAdapter[list[Stage]] = TypeAdapter(list[Stage])


class EntryCheck:
    """Checks entries in order, as if applying them, without touching the
    state: a batch is refused whole, before any of it is applied."""

    def __init__(self, state: DeskState, file: str) -> None:
        self._state = state
        self._file = file
        self._created: set[str] = set()
        self._deleted: set[str] = set()
        self._last_id = state.last_ticket_id
        self._contacts_added: set[str] = set()

    def check_all(self, entries: Iterable[Entry]) -> None:
        for entry in entries:
            problem = self.problem(entry)
            if problem:
                raise DataFileError(self._file, problem, entry.seq)

    def problem(self, entry: Entry) -> str | None:
        event = entry.event
        match event:
            case TicketCreated(ticket=ticket):
                return self._created_problem(ticket)
            case TicketChanged(ticket=tid, changes=changes):
                return self._missing("a change of", tid) or changes_problem(changes)
            case TicketDeleted(ticket=tid):
                problem = self._missing("a deletion of", tid)
                self._deleted.add(tid)
                return problem
            case StagesEdited():
                return self._stage_edit_problem(event)
            case ContactAdded(contact=contact):
                self._contacts_added.add(contact.email.casefold())
            case ContactChanged(contact=email):
                key = email.casefold()
                if key not in self._state.contacts and key not in self._contacts_added:
                    return f"a change of contact {email!r}, which does not exist"
            case StepDelayed(actions=actions) if nesting(actions) > MAX_NESTING:
                return f"the actions a delay waits to run nest more than {MAX_NESTING} deep"
        return None

    def _created_problem(self, ticket: Ticket) -> str | None:
        if not TICKET_ID.fullmatch(ticket.id):
            return f"a new ticket's id {ticket.id!r} is not a ticket number"
        if int(ticket.id) <= self._last_id:
            return (f"ticket #{ticket.id} is created, but numbers up to #{self._last_id} "
                    "are taken already (ticket ids are never used twice)")
        if not ticket.pipeline or not ticket.stage:
            return f"ticket #{ticket.id} is created with no pipeline or stage"
        self._last_id = int(ticket.id)
        self._created.add(ticket.id)
        return None

    def _missing(self, what: str, tid: str) -> str | None:
        if tid in self._deleted or (tid not in self._state.tickets
                                    and tid not in self._created):
            return (f"{what} ticket #{tid}, which does not exist (never created, or "
                    "deleted before this line)")
        return None

    def _stage_edit_problem(self, event: StagesEdited) -> str | None:
        for tid, changes in event.moved.items():
            problem = self._missing("a stage edit moving", tid) or changes_problem(changes)
            if problem:
                return problem
        if nesting(event.stages) > MAX_NESTING:
            return f"the stages this stage edit leaves nest more than {MAX_NESTING} deep"
        try:
            _STAGES.validate_python(event.stages)
        except ValidationError as err:
            return f"the stages this stage edit leaves are not stages: {said(err, 'stage')}"
        if not 0 <= event.next_id < MAX_NEXT_ID:
            return f"the stage edit's next_id {event.next_id} is not an id pipedesk gives"
        return None


def changes_problem(changes: Changes) -> str | None:
    """What is wrong with a change's values, or None: each property's change
    is [before, after], a ticket field's of that field's kind (dates as
    ISO 8601 text), a custom property's a plain value."""
    for name, change in changes.items():
        if not isinstance(change, list) or len(change) != 2:
            return f"the change of {name!r} is not a pair [before, after]"
        if name in _FIELD_TYPES:
            for value in change:
                problem = _field_problem(name, value)
                if problem:
                    return problem
        elif not _NAME.fullmatch(name) or name in ("id", "props"):
            return f"{name!r} is not a property name"
        else:
            for value in change:
                if not isinstance(value, _VALUE):
                    return f"the value of {name!r} is not text, a number or yes/no"
    return None


def _field_problem(name: str, value: Any) -> str | None:
    if name in _INSTANTS:
        if value is None and name == "close_date":
            return None
        try:
            parse_instant(value)
        except (TypeError, ValueError):
            return f"{name} {_short(value)} is not a date and time"
        return None
    ok = _FIELD_OK.get(name)
    if ok is not None:
        return None if ok(value) else f"{name} {_short(value)} is not a value it takes"
    try:
        msgspec.convert(value, _FIELD_TYPES[name])
    except msgspec.ValidationError as err:
        return f"{name} {_short(value)}: {err}"
    return None


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:40] + "…"


def said(err: ValidationError, item: str) -> str:
    """pydantic's first complaint, said for a person: `[0].label: Field
    required` becomes "stage 1: label is missing"."""
    first = err.errors()[0]
    loc = list(first["loc"])
    where = f"{item} {int(loc.pop(0)) + 1}: " if loc and isinstance(loc[0], int) else ""
    field = ".".join(str(p + 1) if isinstance(p, int) else p for p in loc)
    msg = str(first["msg"]).removeprefix("Value error, ")
    if first["type"] == "missing":
        text = f"{field} is missing"
    else:
        text = f"{field}: {msg}" if field else msg
    more = len(err.errors()) - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return where + text + also
