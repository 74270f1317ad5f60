"""A ticket's timeline (T7), read back from the store's entries.

The journal keeps every change with when, who and what from what to what, so
the timeline is not stored twice: it is the ticket's entries of the journal,
said in the helpdesk's words.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from core.access import Actor, name_of
from core.events import (
    AutomationRan,
    Changes,
    Entry,
    MessageReceived,
    MessageSent,
    NoteAdded,
    StagesEdited,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.model import DeskConfig
from core.present import action_run, property_label, say_value
from core.text import show_line


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    actor: str
    what: str
    # (property label, before, after), values said for people.
    changes: tuple[tuple[str, str, str], ...] = ()
    # Who, as a person reads it: a user's name (a deactivated user's too,
    # U1), else the actor as kept (automation:engine, channel:ADDRESS).
    who: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "who": self.who,
            "what": self.what,
            "changes": [{"property": p, "from": b, "to": a} for p, b, a in self.changes],
        }


def timeline_items(config: DeskConfig, newest: Iterable[Entry],
                   ticket_id: str) -> list[TimelineItem]:
    """Oldest first, from the entries that mention the ticket, `newest`
    first (`Store.newest_entries`), read back to the ticket's creation:
    nothing before it can concern the ticket, and the tickets an agent opens
    are mostly recent ones."""
    newest_first: list[list[TimelineItem]] = []
    for entry in newest:
        items: list[TimelineItem] = []
        newest_first.append(items)
        event = entry.event
        match event:
            case TicketCreated(ticket=t) if t.id == ticket_id:
                where = f"{_pipeline(config, t.pipeline)} / {_stage(config, t.stage)}"
                items.append(TimelineItem(entry.at, entry.actor, f"Created in {where}"))
                break
            case TicketChanged(ticket=tid, changes=changes, cause=cause) if tid == ticket_id:
                what = "Moved" if "stage" in changes else "Edited"
                if cause:
                    # A3: the email that moved it.
                    what += f" by email <{show_line(cause)}>"
                items.append(TimelineItem(entry.at, entry.actor, what, _said(config, changes)))
            case StagesEdited(moved=moved, deleted=deleted) if ticket_id in moved:
                changes = moved[ticket_id]
                left = changes.get("stage", [None])[0]
                label = deleted.get(left, _stage(config, left))
                items.append(TimelineItem(entry.at, entry.actor,
                                          f"Moved: stage '{label}' was deleted",
                                          _said(config, changes, deleted)))
            case AutomationRan(ticket=tid, steps=steps) as run if tid == ticket_id:
                # A6: each action run, on the ticket's own timeline.
                for step in steps:
                    detail = f" — {step.detail}" if step.detail else ""
                    items.append(TimelineItem(entry.at, entry.actor,
                                              f"{action_run(step.action, step.kind)} in "
                                              f"{_stage(config, run.stage)}: "
                                              f"{step.result}{detail}"))
            case TicketDeleted(ticket=tid) if tid == ticket_id:
                items.append(TimelineItem(entry.at, entry.actor, "Deleted"))
            case MessageReceived(ticket=tid) as got if tid == ticket_id:
                how = "Email in" if got.role != "user" else "Email from an agent's own mailbox"
                auto = f" ({got.auto}: moves nothing)" if got.auto else ""
                items.append(TimelineItem(entry.at, entry.actor,
                                          f"{how} from {got.sender}{auto}"))
            case MessageSent(ticket=tid) as sent if tid == ticket_id:
                what = "Reply" if sent.from_ticket else "Email"
                items.append(TimelineItem(entry.at, entry.actor,
                                          f"{what} to {', '.join(sent.to)}"))
            case NoteAdded(ticket=tid) if tid == ticket_id:
                items.append(TimelineItem(entry.at, entry.actor, "Note added"))
    names: dict[str, str] = {}
    return [replace(item, who=names.get(item.actor) or names.setdefault(
                item.actor, _who(config, item.actor)))
            for said in reversed(newest_first) for item in said]


def _who(config: DeskConfig, actor: str) -> str:
    try:
        return name_of(config, Actor.parse(actor))
    except ValueError:
        return actor  # a journal line written by hand


def _said(config: DeskConfig, changes: Changes,
          deleted: dict[str, str] | None = None) -> tuple[tuple[str, str, str], ...]:
    """`deleted`: labels of stages the settings no longer hold (id -> label)."""
    return tuple(
        (property_label(config, name), _show(config, name, before, deleted),
         _show(config, name, after, deleted))
        for name, (before, after) in changes.items()
    )


def _show(config: DeskConfig, name: str, value: Any,
          deleted: dict[str, str] | None = None) -> str:
    if name == "stage" and deleted and value in deleted:
        return deleted[value]
    return say_value(config, name, value) or "(empty)"


def _stage(config: DeskConfig, stage_id: str) -> str:
    for p in config.pipelines:
        for s in p.stages:
            if s.id == stage_id:
                return s.label
    return f"deleted stage {stage_id}"


def _pipeline(config: DeskConfig, pipeline_id: str) -> str:
    for p in config.pipelines:
        if p.id == pipeline_id:
            return p.label
    return f"deleted pipeline {pipeline_id}"
