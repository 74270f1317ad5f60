"""SLA clocks (issue 17 item 3; docs/automation.md, "SLA targets").

A pipeline may set, per priority, how long a ticket may wait for its first
reply (*respond*) and to be closed (*resolve*). A clock runs from the
ticket's creation; the time it spends in a waiting stage (waiting on the
customer, `PipelineSla.waiting`) does not count, so the due time moves on
while it waits there. The respond clock stops at the first reply a person
sends; both stop when the ticket closes. An open ticket shows the clock
due first: the time left, or how long it has been breached.

Everything here is a pure function of a ticket, its pipeline and the time:
the board, the detail, the triage queue, `--json` and the query
language's `due:` all read the same `clock_of`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal, cast

from core.automation.actions import parse_duration
from core.events import Notice, ticket_ids
from core.model import DeskConfig, Pipeline, SlaPriority, SlaTarget
from core.present import duration
from core.records import Ticket

ClockKind = Literal["respond", "resolve"]
KINDS: tuple[ClockKind, ...] = ("respond", "resolve")
WHAT = {"respond": "first response", "resolve": "resolution"}
# A clock due within this is "soon" (the triage queue puts it next after
# the breached ones): a quarter of the target, at most an hour.
SOON_AT_MOST = timedelta(hours=1)


@dataclass(frozen=True)
class Clock:
    kind: ClockKind
    due: datetime  # when the target is reached, time spent waiting added
    left: timedelta  # negative: breached that long ago
    target: timedelta
    paused: bool  # the ticket is in a waiting stage: the clock stands still

    @property
    def breached(self) -> bool:
        return self.left <= timedelta(0)

    @property
    def soon(self) -> bool:
        return not self.breached and self.left <= min(SOON_AT_MOST, self.target / 4)

    def said(self) -> str:
        """As a card or a row shows it: "respond in 25 min", "resolve in
        3 h", "respond breached 10 min", with ", paused" while the ticket
        waits in a waiting stage."""
        if self.breached:
            text = f"{self.kind} breached {duration(-self.left)}"
        else:
            text = f"{self.kind} in {duration(self.left)}"
        return f"{text}, paused" if self.paused else text

    def marked(self) -> str:
        """`said` with a sign in front of a breached clock, for screens:
        it reads in 16 colours and none (C3)."""
        return f"! {self.said()}" if self.breached else self.said()

    def card(self) -> str:
        """For a card's narrow second line: "due in 25 min", "! breached
        15 min", "paused 2 h" (what is left, while the ticket waits)."""
        if self.breached:
            return f"! breached {duration(-self.left)}"
        return f"{'paused' if self.paused else 'due in'} {duration(self.left)}"

    def short(self) -> str:
        """For a narrow column (the triage queue's Due, at most 8 wide):
        "25 min", "! 15 min" breached that long, "waiting" while paused."""
        if self.breached:
            return f"! {duration(-self.left)}"
        return "waiting" if self.paused else duration(self.left)

    def as_data(self) -> dict[str, object]:
        """For `--json` and the API: the clock in plain values."""
        return {"clock": self.kind, "due": self.due.isoformat(),
                "left_seconds": int(self.left.total_seconds()), "breached": self.breached,
                "paused": self.paused}


def target_of(pipeline: Pipeline, ticket: Ticket) -> SlaTarget | None:
    if ticket.priority is None:
        return None
    level = cast(SlaPriority, ticket.priority.lower())
    return pipeline.sla.targets.get(level)


def waited(pipeline: Pipeline, ticket: Ticket, now: datetime) -> timedelta:
    """The time `ticket` spent in the pipeline's waiting stages, up to `now`."""
    stops = pipeline.sla.waiting or []
    held = ticket.stage_seconds or {}
    seconds = sum(held.get(stage, 0.0) for stage in stops)
    if ticket.stage in stops:
        seconds += max(0.0, (now - (ticket.entered or ticket.create_date)).total_seconds())
    return timedelta(seconds=seconds)


def clocks_of(pipeline: Pipeline, ticket: Ticket, now: datetime) -> list[Clock]:
    """The clocks still running on an open ticket, due first first: none
    when its pipeline sets no target for its priority, or it is closed."""
    target = target_of(pipeline, ticket)
    if target is None or ticket.close_date is not None:
        return []
    stage = pipeline.stage(ticket.stage)
    if stage is not None and not stage.is_open:
        return []
    paused = ticket.stage in (pipeline.sla.waiting or [])
    wait = waited(pipeline, ticket, now)
    found = []
    for kind in KINDS:
        written = getattr(target, kind)
        if written is None or (kind == "respond" and ticket.replied is not None):
            continue
        length = _length(written)
        due = ticket.create_date + length + wait
        found.append(Clock(kind, due, due - now, length, paused))
    return sorted(found, key=lambda c: c.due)


def clock_of(pipeline: Pipeline, ticket: Ticket, now: datetime) -> Clock | None:
    """The clock an open ticket shows: the one due first, or None."""
    found = clocks_of(pipeline, ticket, now)
    return found[0] if found else None


def clock_reader(config: DeskConfig, now: datetime) -> Callable[[Ticket], Clock | None]:
    """`clock_of` for many tickets at one time: each pipeline found once.
    Cheap when no pipeline sets targets (most desks): None for all."""
    pipelines = {p.id: p for p in config.pipelines if p.sla.targets}

    def read(ticket: Ticket) -> Clock | None:
        pipeline = pipelines.get(ticket.pipeline)
        return None if pipeline is None else clock_of(pipeline, ticket, now)

    return read


@lru_cache(maxsize=64)
def _length(written: str) -> timedelta:
    # Settings are checked when read: a target here always parses.
    return parse_duration(written, "a target")


class BreachWatch:
    """Which clocks run out next, so that looking for breaches does not
    read every ticket each time (issue 17; `Desk.record_breaches`, asked
    every second by the app). The first look, and one after the settings
    change, reads every ticket; later ones read only the tickets the desk's
    notices named since, and those whose clock came due. A paused clock
    waits for its ticket to move, which a notice names."""

    def __init__(self) -> None:
        self._config: DeskConfig | None = None
        self._due: list[tuple[datetime, str]] = []  # a heap; stale entries are looked at again
        self._changed: set[str] = set()

    def take(self, notice: Notice) -> None:
        """A subscriber of the desk."""
        if notice.settings:
            self._config = None
        for entry in notice.entries:
            self._changed.update(ticket_ids(entry.event))

    def ran_out(self, config: DeskConfig, tickets: Mapping[str, Ticket],
                now: datetime) -> list[tuple[Ticket, Clock]]:
        """Every (ticket, clock) breached now that the watch knows of, some
        perhaps recorded already (the caller knows which)."""
        pipelines = {p.id: p for p in config.pipelines if p.sla.targets}
        if config is not self._config:
            self._config, self._changed, self._due = config, set(), []
            looked: Iterable[str] = tickets
        else:
            looked, self._changed = self._changed, set()
            while self._due and self._due[0][0] <= now:
                looked = {*looked, heapq.heappop(self._due)[1]}
        found = []
        for ticket_id in looked:
            ticket = tickets.get(ticket_id)
            pipeline = pipelines.get(ticket.pipeline) if ticket is not None else None
            if ticket is None or pipeline is None:
                continue
            for clock in clocks_of(pipeline, ticket, now):
                if clock.breached:
                    found.append((ticket, clock))
                elif not clock.paused:
                    heapq.heappush(self._due, (clock.due, ticket.id))
        return found
