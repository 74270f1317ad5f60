"""The rules of a ticket's own commands, as pure functions: what a new
ticket is (T1), which changes a set of typed values makes (T4), what a move
changes (T2, and T3's close date), and which of a stage's properties a
ticket still lacks (S7).

`Desk.create_tickets`, `move_ticket` and `edit_ticket` call these and record
what they return; the stage edits (S6 moves a deleted stage's tickets) use
`move_changes` too. No I/O here, and no access checks: the callers have
done those. Properties are found through a `PropertyLookup` so that the
caller's index of them serves (automation asks per action).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from core.errors import ChangedSince, DeskError
from core.events import Changes
from core.model import DeskConfig, Pipeline, Stage
from core.properties import EDITABLE_FIELDS, coerce
from core.records import Contact, Ticket, Value
from core.stage_edits import PropertyLookup
from core.state import with_changes
from core.text import check_line, plain_line


def new_ticket(ticket_id: str, pipeline: Pipeline, stage: Stage, subject: str, source: str,
               created: datetime, now: datetime) -> Ticket:
    """T1: a ticket in `stage` of `pipeline` with a subject (one line, not
    empty), created at `created`; one created in a Closed stage of a
    pipeline with T3 on is closed `now`."""
    kept = check_line(subject.strip(), "Subject")
    if not kept:
        raise DeskError("A ticket needs a subject.")
    ticket = Ticket(id=ticket_id, pipeline=pipeline.id, stage=stage.id, subject=kept,
                    source=source, create_date=created, last_activity=created)
    if pipeline.automation.close_date and not stage.is_open:
        ticket.close_date = now
    return ticket


def value_changes(config: DeskConfig, lookup: PropertyLookup, contacts: Mapping[str, Contact],
                  ticket: Ticket, values: Mapping[str, Any]) -> Changes:
    """T4: typed, checked changes for `values` (NAME -> raw value), before
    and after; a value the ticket has already is no change. Read-only
    properties are refused, and a contact must be one of `contacts` (by
    email folded to lower case)."""
    changes: Changes = {}
    for raw_name, raw in values.items():
        prop = lookup(raw_name)
        if prop.read_only:
            moved = prop.name in ("stage", "pipeline")
            hint = " Move the ticket to change it." if moved else ""
            raise DeskError(f"{prop.label} is read-only: pipedesk sets it.{hint}")
        if prop.name == "contact":
            value: Value = contact_email(contacts, raw)
        else:
            value = coerce(prop, raw, config)
        before = value_of(ticket, prop.name)
        if value != before:
            changes[prop.name] = [before, value]
    return changes


def contact_email(contacts: Mapping[str, Contact], raw: Any) -> str | None:
    """The email of the contact `raw` names (any case), as the contact
    has it; empty is no contact."""
    if raw is None or str(raw).strip() == "":
        return None
    found = contacts.get(str(raw).strip().casefold())
    if found is None:
        raise DeskError(f"No contact {str(raw).strip()!r}; add the contact first.")
    return found.email


def set_values(ticket: Ticket, changes: Changes) -> None:
    """Put the after-values of `changes` on a ticket being made."""
    for name, (_, after) in changes.items():
        set_value(ticket, name, after)


def check_edit(lookup: PropertyLookup, ticket: Ticket, stage: Stage | None,
               changes: Changes) -> None:
    """T4 on an edit of `ticket`, in `stage`: the subject is not emptied,
    nor a property the stage requires (S7)."""
    if "subject" in changes and not changes["subject"][1]:
        raise DeskError("A ticket needs a subject; it cannot be emptied.")
    if stage is None or not stage.properties:
        return
    after = with_changes(ticket, changes)
    for sp in stage.properties:
        if sp.required and sp.name in changes and value_of(after, sp.name) is None:
            raise DeskError(f"Stage '{stage.label}' requires "
                            f"{lookup(sp.name).label}; it cannot be emptied.")


def check_required(lookup: PropertyLookup, ticket: Ticket, stage: Stage) -> None:
    """S7: a user's create or move into `stage` needs its required
    properties; `ticket` is as it would be there."""
    missing = [lookup(sp.name).label for sp in stage.properties
               if sp.required and value_of(ticket, sp.name) in (None, "")]
    if missing:
        listed = missing[0] if len(missing) == 1 else \
            ", ".join(missing[:-1]) + " and " + missing[-1]
        raise DeskError(f"Stage '{stage.label}' requires {listed}; give a value to go on.")


def move_changes(config: DeskConfig, ticket: Ticket, pipeline: Pipeline, stage: Stage,
                 now: datetime) -> Changes:
    """T2: the changes of moving `ticket` into `stage` of `pipeline`, with
    T3 where the pipeline has it on: into Closed sets the close date,
    Closed -> Open clears it, Closed -> Closed keeps it. `config` still
    holds the stage the ticket leaves."""
    changes: Changes = {}
    if ticket.pipeline != pipeline.id:
        changes["pipeline"] = [ticket.pipeline, pipeline.id]
    if ticket.stage != stage.id:
        changes["stage"] = [ticket.stage, stage.id]
    if not changes or not pipeline.automation.close_date:
        return changes
    old = None
    for p in config.pipelines:
        old = p.stage(ticket.stage) or old
    was_closed = old is not None and not old.is_open
    before = ticket.close_date.isoformat() if ticket.close_date else None
    if not stage.is_open and not was_closed:
        changes["close_date"] = [before, now.isoformat()]
    elif stage.is_open and was_closed and before is not None:
        changes["close_date"] = [before, None]
    return changes


def value_of(ticket: Ticket, name: str) -> Value:
    """A property's value as changes record it (a date as ISO text)."""
    if name in Ticket.__struct_fields__ and name != "props":
        value = getattr(ticket, name)
        return value.isoformat() if isinstance(value, datetime) else value
    return ticket.props.get(name)


def check_based(ticket: Ticket, based: Mapping[str, Any], label: Callable[[str], str],
                say: Callable[[str, Any], str] = lambda _name, value: str(value)) -> None:
    """A change made against the values in `based` (name -> the value as
    the one changing saw it) goes only if none of them changed since: a
    change to another field of the ticket is no conflict. `label` names a
    property for the message, `say` a value as people read it."""
    for name, seen in based.items():
        now = value_of(ticket, name)
        if _same(now, seen):
            continue
        raise ChangedSince(f"{label(name)} of #{ticket.id} was changed since this change was "
                           f"made (it is now {_said(now, name, say)}, not "
                           f"{_said(seen, name, say)}); look at the ticket again, then make "
                           "the change anew.")


def _same(a: Any, b: Any) -> bool:
    return bool(a == b or (a in (None, "") and b in (None, "")))


def _said(value: Any, name: str, say: Callable[[str, Any], str]) -> str:
    if value in (None, ""):
        return "empty"
    try:
        shown = say(name, value)
    except (TypeError, ValueError):
        shown = str(value)
    return repr(plain_line(shown)[:80])


def set_value(ticket: Ticket, name: str, value: Value) -> None:
    if name in EDITABLE_FIELDS:
        setattr(ticket, name, value)
    elif value is None:
        ticket.props.pop(name, None)
    else:
        ticket.props[name] = value
