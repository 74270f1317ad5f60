"""What the board shows, worked out from the desk.

Kept free of Textual so that it can be tested and reasoned about on its
own; the screen and its widgets only draw it.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from core import Actor, Desk
from core.model import Pipeline, Stage
from core.records import Ticket

# A column keeps at most this many of its newest tickets: more rows than any
# terminal shows. The board's virtual list (a later issue) will replace this.
KEEP_PER_STAGE = 200


@dataclass(frozen=True)
class StageColumnView:
    stage: Stage
    count: int
    newest: list[Ticket]
    """The stage's newest tickets, newest first (at most KEEP_PER_STAGE)."""


@dataclass(frozen=True)
class BoardView:
    pipeline: Pipeline | None
    """None when the actor may view no pipeline at all."""
    columns: list[StageColumnView]
    tickets_elsewhere: bool = False
    """This pipeline is empty but others hold tickets (so demo data is no
    answer to an empty board)."""

    @property
    def total(self) -> int:
        return sum(c.count for c in self.columns)

    @property
    def shape(self) -> list[str]:
        """The stage ids in order: when this changes, the columns are rebuilt."""
        return [c.stage.id for c in self.columns]


def board_view(desk: Desk, actor: Actor, pipeline_id: str | None = None) -> BoardView:
    """The board of `pipeline_id`, or of the first pipeline when that one is
    gone (deleted in another terminal) or none was asked for."""
    pipelines = desk.pipelines(actor)
    pipeline = next((p for p in pipelines if p.id == pipeline_id), None)
    if pipeline is None and pipelines:
        pipeline = pipelines[0]
    if pipeline is None:
        return BoardView(pipeline=None, columns=[])
    counts = desk.stage_counts(pipeline.id, actor)
    by_stage: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in desk.tickets(actor, pipeline=pipeline.id):
        by_stage[ticket.stage].append(ticket)
    columns = [
        StageColumnView(
            stage=stage,
            count=counts.get(stage.id, 0),
            newest=heapq.nlargest(KEEP_PER_STAGE, by_stage[stage.id], key=newest_first),
        )
        for stage in pipeline.stages
    ]
    empty = all(c.count == 0 for c in columns)
    elsewhere = empty and any(True for _ in desk.tickets(actor))
    return BoardView(pipeline=pipeline, columns=columns, tickets_elsewhere=elsewhere)


def newest_first(ticket: Ticket) -> tuple[datetime, int, str]:
    """Sort key: create date, then id, so tickets created in the same second
    (an import) still come in a fixed order. Ids are counters, so a longer
    id is a later one."""
    return (ticket.create_date, len(ticket.id), ticket.id)
