"""The automation log (A6): every action run, read back from the entries.

The engine records each run as an `automation.ran` entry, so the log is not
kept twice: like a ticket's timeline, it is those entries of the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.events import AutomationRan, TicketCreated
from core.model import DeskConfig
from core.present import say_value

if TYPE_CHECKING:
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


def automation_log(config: DeskConfig, store: Store, pipelines: set[str],
                   pipeline: str | None = None, ticket: str | None = None,
                   limit: int | None = None) -> list[LogItem]:
    """Actions run in the `pipelines` given, newest first, at most `limit`
    of them; narrowed to one pipeline or ticket. The store's entries are
    read newest first, so the newest few cost little however long it is; for one
    ticket, back to its creation only."""
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
        if not isinstance(run, AutomationRan) or run.pipeline not in pipelines:
            continue
        if (pipeline is not None and run.pipeline != pipeline) or \
                (ticket is not None and run.ticket != ticket):
            continue
        pipeline_label = labels.get(run.pipeline, f"deleted pipeline {run.pipeline}")
        stage_label = say_value(config, "stage", run.stage)
        items.extend(LogItem(at=entry.at, ticket=run.ticket, pipeline=pipeline_label,
                             stage=stage_label, action=step.action, kind=step.kind,
                             result=step.result, detail=step.detail)
                     for step in reversed(run.steps))
    return items[:limit]
