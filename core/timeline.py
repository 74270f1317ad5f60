"""A ticket's timeline (T7), read back from the store's entries.

The journal keeps every change with when, who and what from what to what, so
the timeline is not stored twice: it is the ticket's entries of the journal,
said in the helpdesk's words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
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
    SlaBreached,
    StagesEdited,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.model import DeskConfig
from core.present import action_run, property_label, say_value, when
from core.sla import WHAT as SLA_WHAT
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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimelineItem:
        """An item as `as_dict` gave it (a server's timeline, issue 16)."""
        return cls(datetime.fromisoformat(str(data["at"])), str(data["actor"]),
                   str(data["what"]),
                   tuple((str(c["property"]), str(c["from"]), str(c["to"]))
                         for c in data.get("changes", [])), str(data.get("who", "")))


# P6: what a timeline says in place of a pipeline the reader may not view.
HIDDEN_PIPELINE = "a pipeline you may not see"
HIDDEN_STAGE = "a stage you may not see"


def timeline_items(config: DeskConfig, newest: Iterable[Entry],
                   ticket_id: str, viewed: Collection[str] | None = None) -> list[TimelineItem]:
    """Oldest first, from the entries that mention the ticket, `newest`
    first (`Store.newest_entries`), read back to the ticket's creation:
    nothing before it can concern the ticket, and the tickets an agent opens
    are mostly recent ones. `viewed`: the pipelines the reader may view
    (None: all); where the ticket was in another, its label, its stages'
    labels and what automation did there are not said (P6)."""
    said = _Sayer(config, viewed)
    newest_first: list[list[TimelineItem]] = []
    for entry in newest:
        items: list[TimelineItem] = []
        newest_first.append(items)
        event = entry.event
        match event:
            case TicketCreated(ticket=t) if t.id == ticket_id:
                where = f"{said.pipeline(t.pipeline)} / {said.stage(t.stage)}"
                items.append(TimelineItem(entry.at, entry.actor, f"Created in {where}"))
                break
            case TicketChanged(ticket=tid, changes=changes, cause=cause) if tid == ticket_id:
                what = "Moved" if "stage" in changes else "Edited"
                if cause:
                    # A3: the email that moved it.
                    what += f" by email <{show_line(cause)}>"
                items.append(TimelineItem(entry.at, entry.actor, what, said.changes(changes)))
            case StagesEdited(pipeline=pid, moved=moved, deleted=deleted) if ticket_id in moved:
                changes = moved[ticket_id]
                if not said.views(pid):
                    deleted = {sid: HIDDEN_STAGE for sid in deleted}
                left = changes.get("stage", [None])[0]
                label = deleted.get(left, said.stage(left))
                items.append(TimelineItem(entry.at, entry.actor,
                                          f"Moved: stage '{label}' was deleted",
                                          said.changes(changes, deleted)))
            case AutomationRan(ticket=tid, steps=steps) as run if tid == ticket_id:
                if not said.views(run.pipeline):
                    items.append(TimelineItem(entry.at, entry.actor,
                                              f"Automation ran in {HIDDEN_PIPELINE}"))
                    continue
                # A6: each action run, on the ticket's own timeline.
                for step in steps:
                    detail = f" \u2014 {step.detail}" if step.detail else ""
                    items.append(TimelineItem(entry.at, entry.actor,
                                              f"{action_run(step.action, step.kind)} in "
                                              f"{said.stage(run.stage)}: "
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
            case SlaBreached(ticket=tid, clock=clock, due=due) if tid == ticket_id:
                what = SLA_WHAT.get(clock, clock)
                items.append(TimelineItem(entry.at, entry.actor,
                                          f"SLA breached: {what} was due {when(due)}"))
    items = [item for said_ in reversed(newest_first) for item in said_]
    names = {actor: _who(config, actor) for actor in {item.actor for item in items}}
    return [replace(item, who=names[item.actor]) for item in items]


def _who(config: DeskConfig, actor: str) -> str:
    try:
        return name_of(config, Actor.parse(actor))
    except ValueError:
        return actor  # a journal line written by hand


class _Sayer:
    """Labels and values for one reader of a timeline: those of a pipeline
    the reader may not view are not said (P6)."""

    def __init__(self, config: DeskConfig, viewed: Collection[str] | None) -> None:
        self.config = config
        self.viewed = viewed
        # stage id -> (its pipeline's id, its label)
        self.stages = {s.id: (p.id, s.label) for p in config.pipelines for s in p.stages}

    def views(self, pipeline_id: str) -> bool:
        # A pipeline since deleted is said as such: nobody's to hide.
        return self.viewed is None or pipeline_id in self.viewed or \
            all(p.id != pipeline_id for p in self.config.pipelines)

    def pipeline(self, pipeline_id: str) -> str:
        if not self.views(pipeline_id):
            return HIDDEN_PIPELINE
        for p in self.config.pipelines:
            if p.id == pipeline_id:
                return p.label
        return f"deleted pipeline {pipeline_id}"

    def stage(self, stage_id: str | None) -> str:
        found = self.stages.get(str(stage_id))
        if found is None:
            return f"deleted stage {stage_id}"
        pipeline, label = found
        return label if self.views(pipeline) else HIDDEN_STAGE

    def changes(self, changes: Changes,
                deleted: dict[str, str] | None = None) -> tuple[tuple[str, str, str], ...]:
        """`deleted`: labels of stages the settings no longer hold (id -> label)."""
        return tuple(
            (property_label(self.config, name), self.value(name, before, deleted),
             self.value(name, after, deleted))
            for name, (before, after) in changes.items()
        )

    def value(self, name: str, value: Any, deleted: dict[str, str] | None = None) -> str:
        if name == "stage" and deleted and value in deleted:
            return deleted[value]
        if name == "stage" and value is not None:
            return self.stage(str(value))
        if name == "pipeline" and value is not None:
            return self.pipeline(str(value))
        return say_value(self.config, name, value) or "(empty)"
