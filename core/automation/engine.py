"""The engine (A4): when a ticket enters a stage, run the stage's actions.

The engine is the first reaction of the reaction loop (core/reactions.py):
the loop hands it the tickets that entered a stage in the entries a command
made, while the desk still holds the writer lock, and the engine runs each
stage's sequence. It acts on the desk through its host
(core/automation/host.py), as the actor *automation*, so rules, access and
the timeline (T7) apply to it as to anyone; every action run is logged (A6).
Changes the engine makes can move tickets again: the loop hands those back
one level deeper, and at `MAX_DEPTH` the chain stops with a logged reason.

Slow work leaves the lock: an email (and a notification whose message is a
template) goes into `drafts/` unfilled, a webhook into its spool, and
`core.automation.courier` fills them in, within limits, and delivers them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from core.automation.actions import (
    ACTIONS,
    AFTER_THE_DELAY,
    Action,
    AssignOwner,
    Branch,
    Delay,
    Notify,
    Path,
    SendEmail,
    SetProperty,
    Webhook,
    parse_duration,
    path_text,
)
from core.automation.handing import (
    nobody_told,
    notification_recipients,
    queue_email,
    queue_notification,
    seeing,
    team_members,
)
from core.automation.host import MAX_DEPTH, Host
from core.automation.templates import has_placeholders
from core.errors import DeskError
from core.events import (
    Arrival,
    AutomationRan,
    NotificationSent,
    SlaBreached,
    StepDelayed,
    StepRun,
)
from core.finding import find_stage
from core.model import Pipeline, Stage
from core.present import say, when
from core.properties import NO_WORDS, YES_WORDS, say_option
from core.records import Ticket
from core.sla import WHAT

# MAX_DEPTH is the reaction loop's limit (core/automation/host.py), named
# here too since the engine says it in its log.
__all__ = ["CHAT_SOURCES", "MAX_DEPTH", "Engine", "Run"]

# A5: tickets from these sources are left out unless the pipeline says so.
CHAT_SOURCES = frozenset({"chat", "messenger"})

class Engine:
    def __init__(self, host: Host) -> None:
        self.host = host
        # Who a notification to a named user or team reaches, by action:
        # the same for every ticket while the settings hold still (they do
        # for one level of reactions), and asked for thousands in a bulk.
        self._named: dict[int, list[str]] = {}

    def new_level(self) -> None:
        """Forget whom named notifications reached: the settings may have
        changed since the last level of reactions."""
        self._named = {}

    def recipients(self, action: Notify, ticket: Ticket) -> list[str]:
        """A4b: the users a notification goes to: those it names who may
        see the ticket."""
        if action.owner:
            return seeing(self.host, notification_recipients(self.host, action, ticket), ticket)
        found = self._named.get(id(action))
        if found is None:
            found = self._named[id(action)] = notification_recipients(self.host, action, ticket)
        return seeing(self.host, found, ticket)

    # -- reacting to arrivals --------------------------------------------------

    def react(self, arrivals: Sequence[Arrival], depth: int) -> None:
        config = self.host.config
        stages = {s.id: (p, s) for p in config.pipelines for s in p.stages if s.actions}
        if not stages:
            return
        self.new_level()
        for move in arrivals:
            found = stages.get(move.stage)
            ticket = self.host.state.tickets.get(move.ticket)
            if found is None or ticket is None or ticket.stage != move.stage:
                continue
            pipeline, stage = found
            if ticket.source in CHAT_SOURCES and not pipeline.automation.include_chat:
                continue
            run = Run(self, ticket, pipeline, stage, depth)
            if depth >= MAX_DEPTH:
                run.log((), "stage", "stopped",
                        f"automations moved this ticket {depth} times in a row; "
                        f"stopped at the limit of {MAX_DEPTH} so it cannot loop")
            else:
                run.sequence(stage.actions, ())
            run.record()

    def resume(self, step: StepDelayed, step_id: int) -> None:
        """A delay came due: run what followed it, if the ticket still waits
        in that stage (a ticket that moved on has left the sequence; one
        that left and came back waits in a newer step of its own)."""
        host = self.host
        ticket = host.state.tickets.get(step.ticket)
        if ticket is None:
            return
        try:
            pipeline, stage = find_stage(host.config, step.stage)
        except DeskError:
            return  # the stage was deleted meanwhile
        self.new_level()
        run = Run(self, ticket, pipeline, stage, step.depth, resumed=step.path,
                  positions=step.positions)
        newer = any(d.id > step_id and (d.step.ticket, d.step.stage, d.step.path) ==
                    (step.ticket, step.stage, step.path) for d in host.state.delayed.values())
        if ticket.stage != step.stage or newer:
            run.log((), "delay", "skipped", "the ticket left the stage before the delay ended")
        else:
            try:
                actions = ACTIONS.validate_python(step.actions)
            except ValueError as err:
                run.log((), "delay", "failed", str(err))
            else:
                run.sequence(actions, ())
        run.record()


class BreachActions:
    """Issue 17: a pipeline's SLA breach actions, run for each ticket whose
    clock ran out (an `SlaBreached` entry), as a stage's run on arrival:
    logged (A6) under the stage the ticket is in."""

    def __init__(self, host: Host) -> None:
        self.engine = Engine(host)

    def react(self, breaches: Sequence[SlaBreached], depth: int) -> None:
        host = self.engine.host
        acting = {p.id: p for p in host.config.pipelines if p.sla.actions}
        if not acting:
            return
        self.engine.new_level()
        for breach in breaches:
            ticket = host.state.tickets.get(breach.ticket)
            pipeline = acting.get(breach.pipeline)
            if ticket is None or pipeline is None:
                continue
            stage = pipeline.stage(ticket.stage)
            if stage is None or (ticket.source in CHAT_SOURCES
                                 and not pipeline.automation.include_chat):
                continue
            what = WHAT.get(breach.clock, breach.clock)
            run = Run(self.engine, ticket, pipeline, stage, depth,
                      event=f"breached its {what} target")
            run.log((), "sla", "done", f"{what} was due {when(breach.due)}; ran the SLA "
                    "breach actions")
            if depth >= MAX_DEPTH:
                run.log((), "sla", "stopped", f"automations ran {depth} times in a row; "
                        f"stopped at the limit of {MAX_DEPTH} so it cannot loop")
            else:
                run.sequence(pipeline.sla.actions, ())
            run.record()


@dataclass
class Run:
    """One stage's sequence running for one ticket."""

    engine: Engine
    ticket: Ticket
    pipeline: Pipeline
    stage: Stage
    depth: int
    resumed: str | None = None  # the position of the delay this run follows
    positions: list[str] = field(default_factory=list)  # of the actions it runs, then
    # What set it off, as a notification with no text of its own says it;
    # None: the ticket entered the stage.
    event: str | None = None
    _path: Path = ()
    steps: list[StepRun] = field(default_factory=list)

    def record(self) -> None:
        """A6: one log entry for the run, each action in it."""
        if self.steps:
            self.engine.host.record([AutomationRan(
                ticket=self.ticket.id, pipeline=self.pipeline.id, stage=self.stage.id,
                steps=self.steps)])
            self.steps = []

    def sequence(self, actions: list[Action], base: Path,
                 after: Sequence[tuple[str, Action]] = ()) -> bool:
        """Run `actions`; False when a delay took over the rest. `after` is
        what follows this sequence, each action with its position (a
        branch's arm is followed by what follows the branch), which a delay
        must keep for later."""
        for n, action in enumerate(actions):
            path = (*base, n)
            if isinstance(action, Delay):
                self._delay(action, path, self._rest(actions, base, n, after))
                return False
            if isinstance(action, Branch):
                rest = self._rest(actions, base, n, after)
                holds = _holds(self.engine.host, self.ticket, action)
                side = "then" if holds else "else"
                self.log(path, action.kind, "done",
                         f"{action.property} {action.op} {action.value!r}: "
                         f"{'yes' if holds else 'no'}, ran {side}")
                arm = action.then if holds else action.otherwise
                if not self.sequence(arm, (*path, side), rest):
                    return False
                continue
            self._one(action, path)
        return True

    def _rest(self, actions: list[Action], base: Path, n: int,
              after: Sequence[tuple[str, Action]]) -> list[tuple[str, Action]]:
        """What follows action `n` of a sequence at `base`, each action with
        its position."""
        return [*((self._position((*base, m)), a)
                  for m, a in enumerate(actions[n + 1:], start=n + 1)), *after]

    def _one(self, action: Action, path: Path) -> None:
        ticket = self.engine.host.state.tickets.get(self.ticket.id)
        if ticket is None:
            return  # deleted by an earlier action
        self.ticket = ticket
        self._path = path
        try:
            result, detail, rotation = self._perform(action, ticket)
        except DeskError as err:
            result, detail, rotation = "failed", err.message, None
        self.log(path, action.kind, result, detail, rotation)

    def _perform(self, action: Action, ticket: Ticket) -> tuple[str, str, str | None]:
        host = self.engine.host
        match action:
            case SetProperty(property=name, value=value):
                if name == "stage":
                    moved = host.move_ticket(ticket.id, value)
                    return "done", f"moved to {say(host.config, moved, 'stage', host.now())}", None
                host.edit_ticket(ticket.id, {name: value or None})
                said = say_option(name, value)
                return "done", f"{name} set to {said!r}" if value else f"{name} cleared", None
            case AssignOwner(user=user, team=None) if user is not None:
                host.edit_ticket(ticket.id, {"owner": user})
                return "done", f"owner set to {user}", None
            case AssignOwner(team=team) if team is not None:
                members = team_members(host, team)
                if not members:
                    return "failed", f"team {team!r} has no active members to take turns", None
                turn = host.state.rotations.get(team, 0)
                owner = members[turn % len(members)]
                host.edit_ticket(ticket.id, {"owner": owner})
                return "done", f"owner set to {owner} (round-robin over {team})", team
            case Notify():
                users = self.engine.recipients(action, ticket)
                if not users:
                    return "skipped", nobody_told(host, action, ticket), None
                if has_placeholders(action.message):
                    return (*queue_notification(host, ticket, users, action.message,
                                                self._trace()), None)
                happened = self.event or f"entered {self.stage.label}"
                text = action.message or f"Ticket #{ticket.id} \u201c{ticket.subject}\u201d " \
                                          f"{happened}."
                host.record([NotificationSent(users=users, text=text, ticket=ticket.id)])
                return "done", f"notified {', '.join(users)}", None
            case SendEmail(template=name):
                return (*queue_email(host, ticket, name, self._trace()), None)
            case Webhook(url=url):
                host.outbound().queue_webhook(url, _ticket_json(ticket), self._trace())
                return "queued", f"POST to {url} queued", None
        return "failed", f"no such action kind {action.kind!r}", None

    def _delay(self, action: Delay, path: Path, rest: list[tuple[str, Action]]) -> None:
        host = self.engine.host
        due = host.now() + parse_duration(action.duration)
        host.record([StepDelayed(
            ticket=self.ticket.id, pipeline=self.pipeline.id, stage=self.stage.id,
            path=self._position(path),
            actions=ACTIONS.dump_python([a for _, a in rest], mode="json", by_alias=True,
                                        exclude_none=True),
            due=due, depth=self.depth, positions=[at for at, _ in rest])])
        self.log(path, action.kind, "waiting", f"until {due.isoformat(timespec='minutes')}")

    def _trace(self) -> dict[str, str]:
        return {"ticket": self.ticket.id, "pipeline": self.pipeline.id, "stage": self.stage.id,
                "action": self._label(self._path)}

    def _position(self, path: Path) -> str:
        """Where an action is in the stage's sequence, as the Automate tab
        numbers it ("3", "2.then.1"), also in a run that resumed after a
        delay (its `path` counts from the first action after the delay)."""
        if self.resumed is None:
            return path_text(path) or "-"
        if not path:
            return self.resumed  # the delay itself
        head, tail = path[0], path[1:]
        assert isinstance(head, int)
        if head < len(self.positions):
            at = self.positions[head]
        elif self.resumed.isdigit():  # a step written before positions were kept
            at = str(int(self.resumed) + head + 1)
        else:
            at = f"{self.resumed} +{head + 1}"
        return f"{at}.{path_text(tail)}" if tail else at

    def _label(self, path: Path) -> str:
        """An action's position for the log: "3", or "3 (after the delay)"
        for what ran once a delay before it came due."""
        if self.resumed is not None and path:
            return self._position(path) + AFTER_THE_DELAY
        return self._position(path)

    def log(self, path: Path, kind: str, result: str, detail: str = "",
            rotation: str | None = None) -> None:
        self.steps.append(StepRun(action=self._label(path), kind=kind, result=result,
                                  detail=detail, rotation=rotation))


# -- conditions -----------------------------------------------------------------


def _holds(host: Host, ticket: Ticket, branch: Branch) -> bool:
    """A4c: a branch's condition on the ticket's stored value."""
    value = host.value_of(ticket, branch.property)
    text = "" if value is None else str(value)
    wanted = branch.value.strip()
    match branch.op:
        case "is-empty":
            return text == ""
        case "is-not-empty":
            return text != ""
        case "equals":
            return _same(value, wanted)
        case "not-equals":
            return not _same(value, wanted)
        case "contains":
            return wanted.casefold() in text.casefold()
        case "greater-than" | "less-than":
            if text == "":
                return False
            left, right = _comparable(value), _comparable(wanted)
            if type(left) is not type(right):
                return False
            return left > right if branch.op == "greater-than" else left < right  # type: ignore[operator]
    return False


def _same(value: Any, wanted: str) -> bool:
    if value is None:
        return wanted == ""
    if isinstance(value, bool):
        return wanted.casefold() in (YES_WORDS if value else NO_WORDS)
    if isinstance(value, int | float):
        left, right = _comparable(value), _comparable(wanted)
        return left == right
    return str(value).casefold() == wanted.casefold()


def _comparable(value: Any) -> float | str:
    """Numbers compare as numbers; dates as ISO text (which sorts by time)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def _ticket_json(ticket: Ticket) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(ticket)
    return data
