"""The automation log (A6): every action run, read back from the entries.

The engine records each run as an `automation.ran` entry, so the log is not
kept twice: like a ticket's timeline, it is those entries of the store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.events import AutomationRan, TicketCreated
from core.model import DeskConfig
from core.present import say_value

if TYPE_CHECKING:
    from core.access import Sight
    from core.records import Ticket
    from core.store.base import Store

RESULTS = ("done", "queued", "delivered", "waiting", "skipped", "failed", "stopped")


@dataclass(frozen=True)
class LogItem:
    at: datetime
    ticket: str
    pipeline: str  # labels, as people read them
    stage: str
    action: str
    kind: str
    result: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "at": self.at.isoformat()}


def sees_run(sight: Sight, tickets: Mapping[str, Ticket], run: AutomationRan) -> bool:
    """U2 / P6 for one run: it ran in a pipeline the reader may view (the
    log names its pipeline and stage), on a ticket the reader sees now. A
    ticket since deleted has no owner to ask about: its runs are for those
    who see every ticket of that pipeline (U2 "all")."""
    if run.pipeline not in sight.pipelines:
        return False
    found = tickets.get(run.ticket)
    return sight.owners is None if found is None else sight.sees(found)


def automation_log(config: DeskConfig, store: Store, sight: Sight,
                   tickets: Mapping[str, Ticket], pipeline: str | None = None,
                   ticket: str | None = None, limit: int | None = None) -> list[LogItem]:
    """Actions run that `sight` sees (`sees_run`) among the desk's
    `tickets`, newest first, at most `limit` of them; narrowed to one
    pipeline or ticket. The store's entries are read newest first, so the
    newest few cost little however long it is; for one ticket, back to its
    creation only."""
    items: list[LogItem] = []
    labels = {p.id: p.label for p in config.pipelines}
    newest = (store.newest_entries(ticket=ticket) if ticket is not None
              else store.newest_entries(kind=AutomationRan))
    for entry in newest:
        if limit is not None and len(items) >= limit:
            break
        run = entry.event
        if isinstance(run, TicketCreated) and run.ticket.id == ticket:
            break  # nothing before concerns the ticket
        if not isinstance(run, AutomationRan):
            continue
        if (pipeline is not None and run.pipeline != pipeline) or \
                (ticket is not None and run.ticket != ticket):
            continue
        if not sees_run(sight, tickets, run):
            continue
        pipeline_label = labels.get(run.pipeline, f"deleted pipeline {run.pipeline}")
        stage_label = say_value(config, "stage", run.stage)
        items.extend(LogItem(at=entry.at, ticket=run.ticket, pipeline=pipeline_label,
                             stage=stage_label, action=step.action, kind=step.kind,
                             result=step.result, detail=step.detail)
                     for step in reversed(run.steps))
    return items[:limit]
