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
language's `due:` all read the same `Policy.clocks`, most through
`clock_reader`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from core.automation.actions import parse_duration
from core.events import Notice, ticket_ids
from core.model import DeskConfig, Pipeline
from core.present import duration
from core.records import Ticket

ClockKind = Literal["respond", "resolve"]
WHAT = {"respond": "first response", "resolve": "resolution"}
# A clock due within this is "soon" (the triage queue puts it next after
# the breached ones): a quarter of the target, at most an hour.
SOON_AT_MOST = timedelta(hours=1)


@dataclass(slots=True)  # not frozen: made for each of thousands of tickets, never changed
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


class Policy:
    """One pipeline's targets as the clocks read them, made once for many
    tickets (a triage queue of 65,000 open ones is sorted by them): the
    durations parsed, by priority as tickets hold it, and the waiting and
    Closed stages as sets."""

    __slots__ = ("closed", "targets", "waiting")

    def __init__(self, pipeline: Pipeline) -> None:
        self.targets: dict[str, tuple[timedelta | None, timedelta | None]] = {
            level.upper(): (_length(t.respond) if t.respond else None,
                            _length(t.resolve) if t.resolve else None)
            for level, t in pipeline.sla.targets.items()}
        self.waiting = frozenset(pipeline.sla.waiting or ())
        self.closed = frozenset(s.id for s in pipeline.stages if not s.is_open)

    def waited(self, ticket: Ticket, now: datetime) -> float:
        """The seconds `ticket` spent in the waiting stages, up to `now`."""
        held = ticket.stage_seconds
        seconds = sum(held.get(stage, 0.0) for stage in self.waiting) if held else 0.0
        if ticket.stage in self.waiting:
            seconds += max(0.0, (now - (ticket.entered or ticket.create_date)).total_seconds())
        return seconds

    def _running(self, ticket: Ticket
                 ) -> tuple[timedelta | None, timedelta | None, bool] | None:
        """(the respond target while no one has replied, the resolve
        target, paused) of an open ticket with a target; else None."""
        target = self.targets.get(ticket.priority) if ticket.priority else None
        if target is None or ticket.close_date is not None or ticket.stage in self.closed:
            return None
        respond, resolve = target
        return (None if ticket.replied is not None else respond), resolve, \
            ticket.stage in self.waiting

    def _start(self, ticket: Ticket, now: datetime, paused: bool) -> datetime:
        """When the clocks started, moved on by the time spent waiting."""
        if paused or ticket.stage_seconds:
            return ticket.create_date + timedelta(seconds=self.waited(ticket, now))
        return ticket.create_date

    def first(self, ticket: Ticket, now: datetime) -> Clock | None:
        """The clock due first (`clocks`' first), made alone: a queue of
        tens of thousands asks it of each ticket."""
        running = self._running(ticket)
        if running is None:
            return None
        respond, resolve, paused = running
        length = (respond if resolve is None else resolve if respond is None
                  else min(respond, resolve))
        if length is None:
            return None
        due = self._start(ticket, now, paused) + length
        kind: ClockKind = "respond" if length is respond else "resolve"
        return Clock(kind, due, due - now, length, paused)

    def clocks(self, ticket: Ticket, now: datetime) -> list[Clock]:
        """The clocks still running on an open ticket, due first first:
        none when no target is set for its priority, or it is closed."""
        running = self._running(ticket)
        if running is None:
            return []
        respond, resolve, paused = running
        start = self._start(ticket, now, paused)
        lengths: tuple[tuple[ClockKind, timedelta | None], ...] = (
            ("respond", respond), ("resolve", resolve))
        found = [Clock(kind, start + length, start + length - now, length, paused)
                 for kind, length in lengths if length is not None]
        return sorted(found, key=lambda c: c.due)


def policies(config: DeskConfig) -> dict[str, Policy]:
    """The policies of the pipelines that set targets, by pipeline id;
    made once for a desk's settings (every card drawn, every query with
    `due:` and the breach watch ask for them), again when they change: a
    desk's settings are replaced whole, never changed in place."""
    global _made
    held = _made
    if held is not None and held[0] is config:
        return held[1]
    made = {p.id: Policy(p) for p in config.pipelines if p.sla.targets}
    _made = (config, made)
    return made


_made: tuple[DeskConfig, dict[str, Policy]] | None = None


def clock_reader(config: DeskConfig, now: datetime) -> Callable[[Ticket], Clock | None]:
    """Each ticket's clock at one time (the one due first, or None).
    Cheap when no pipeline sets targets (most desks): None for all."""
    held = policies(config)
    if not held:
        return no_clock

    def read(ticket: Ticket) -> Clock | None:
        policy = held.get(ticket.pipeline)
        return None if policy is None else policy.first(ticket, now)

    return read


def no_clock(ticket: Ticket) -> None:
    """The clock reader of a desk with no SLA targets."""
    return None


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
        pipelines = policies(config)
        looked: Collection[str]
        if config is not self._config:
            self._config, self._changed, self._due = config, set(), []
            looked = tickets
        else:
            changed, self._changed = self._changed, set()
            while self._due and self._due[0][0] <= now:
                changed.add(heapq.heappop(self._due)[1])
            looked = changed
        found = []
        for ticket_id in looked:
            ticket = tickets.get(ticket_id)
            pipeline = pipelines.get(ticket.pipeline) if ticket is not None else None
            if ticket is None or pipeline is None:
                continue
            for clock in pipeline.clocks(ticket, now):
                if clock.breached:
                    found.append((ticket, clock))
                elif not clock.paused:
                    heapq.heappush(self._due, (clock.due, ticket.id))
        return found
