"""What reacts to committed entries, registered in one place, and the loop
that runs it.

A reaction is a selector and a handler. The selector picks what in a batch
of committed journal entries concerns it (the stage actions, A4: the tickets
that arrived in a stage); the handler acts on it through the host
(core/automation/host.py), as the actor *automation*. After a command the
desk's write cycle runs the loop (`Reactions.run`), still under the writer
lock: every reaction looks at the command's entries, then at the entries the
handlers made, one level deeper each time, up to `MAX_DEPTH`, so a chain of
reactions cannot loop. Entries made at the last level are not looked at.

A new reaction (incoming mail's triggers, A3; a server's change feed) is
one more `register` call, not a change to `core.Desk`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from core.automation.host import MAX_DEPTH, Host
from core.bulk import gc_paused
from core.events import Arrival, Entry, MessageReceived, MessageSent, SlaBreached, arrivals

if TYPE_CHECKING:
    from core.automation.email_triggers import EmailTriggers, Mail
    from core.automation.engine import BreachActions, Engine

__all__ = ["EMAIL_TRIGGERS", "MAX_DEPTH", "SLA_BREACHES", "STAGE_ACTIONS", "Handler",
           "Reaction", "Reactions", "register"]

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
H = TypeVar("H", bound="Handler[Any]")


class Handler(Protocol[T_contra]):
    def react(self, picked: Sequence[T_contra], depth: int) -> None:
        """Act on what the selector picked at level `depth` (0: the
        command's own entries). At `MAX_DEPTH` a handler should only say
        that it stopped: what it makes then is not looked at."""
        ...


@dataclass(frozen=True, eq=False)
class Reaction(Generic[T, H]):
    """One kind of reaction. `bind` makes its handler for a desk's host,
    once, when the handler is first needed (it may hold what it learns)."""

    name: str
    select: Callable[[Sequence[Entry]], list[T]]
    bind: Callable[[Host], H]


REGISTERED: list[Reaction[Any, Any]] = []


def register(reaction: Reaction[T, H]) -> Callable[[], None]:
    """Run `reaction` after every command of every desk, after those
    registered before it; returns what takes it away again."""
    REGISTERED.append(reaction)
    return lambda: REGISTERED.remove(reaction)


# -- the stage actions (A4): the first reaction -----------------------------------


def _arrived(entries: Sequence[Entry]) -> list[Arrival]:
    return [a for entry in entries for a in arrivals(entry.event)]


def _engine(host: Host) -> Engine:
    # Loaded when a ticket first arrives somewhere: opening a desk to look
    # at its board does not need it.
    from core.automation.engine import Engine

    return Engine(host)


STAGE_ACTIONS: Reaction[Arrival, Engine] = Reaction("stage actions (A4)", _arrived, _engine)
register(STAGE_ACTIONS)


# -- status from email (A3): the second ------------------------------------------


def _mail(entries: Sequence[Entry]) -> list[Mail]:
    return [e.event for e in entries
            if isinstance(e.event, MessageReceived)
            or (isinstance(e.event, MessageSent) and e.event.from_ticket)]


def _email_triggers(host: Host) -> EmailTriggers:
    from core.automation.email_triggers import EmailTriggers

    return EmailTriggers(host)


EMAIL_TRIGGERS: Reaction[Mail, EmailTriggers] = Reaction("status from email (A3)", _mail,
                                                         _email_triggers)
register(EMAIL_TRIGGERS)


# -- SLA breaches (issue 17): the third --------------------------------------------


def _breaches(entries: Sequence[Entry]) -> list[SlaBreached]:
    return [e.event for e in entries if type(e.event) is SlaBreached]


def _breach_actions(host: Host) -> BreachActions:
    from core.automation.engine import BreachActions

    return BreachActions(host)


SLA_BREACHES: Reaction[SlaBreached, BreachActions] = Reaction(
    "SLA breach actions (issue 17)", _breaches, _breach_actions)
register(SLA_BREACHES)


# -- the loop ---------------------------------------------------------------------


class Reactions:
    """The reaction loop of one desk.

    The desk tells it what it records (`look_at`), and while the loop runs,
    lets it hold what the handlers record (`hold`): those entries share one
    time (`batch_at`, one clock read) and are written together at the end
    (`write`), after the command's own, which are durable already.
    """

    def __init__(self, host: Host, clock: Callable[[], datetime],
                 write: Callable[[list[Entry]], None]) -> None:
        self._host = host
        self._clock = clock
        self._write = write
        self._handlers: dict[Reaction[Any, Any], Any] = {}
        self._unseen: list[Entry] = []
        self._held: list[Entry] | None = None
        self.batch_at: datetime | None = None

    def handler(self, reaction: Reaction[T, H]) -> H:
        """This desk's handler of `reaction`."""
        found = self._handlers.get(reaction)
        if found is None:
            found = self._handlers[reaction] = reaction.bind(self._host)
        handler: H = found
        return handler

    def look_at(self, entries: list[Entry]) -> None:
        """Entries just recorded: the next level of the loop sees them."""
        self._unseen += entries

    def hold(self, entries: list[Entry]) -> bool:
        """While the loop runs, keep `entries` to write at its end (True);
        otherwise the desk writes them now (False)."""
        if self._held is None:
            return False
        self._held += entries
        return True

    def forget(self) -> None:
        """A new command begins: nothing recorded before is its doing."""
        self._unseen = []

    def run(self, start: Callable[[], None] | None = None, depth: int = 0) -> None:
        """Run the reactions on what was recorded since `forget`, level by
        level. `start` begins elsewhere, `depth` levels down (a delayed
        step, A4c). Inside a run (a handler's command) it does nothing: the
        running loop looks at those entries one level deeper."""
        if self._held is not None:
            return
        picks = None if start is not None else self._picks()
        if start is None and not picks:
            return
        self._held = []
        self.batch_at = self._clock()
        # A bulk import sets off thousands of runs, each making entries
        # that hold no cycles: the cycle collector waits (core/bulk.py).
        with gc_paused():
            try:
                if start is not None:
                    self._unseen = []
                    start()
                    depth += 1
                    picks = self._picks()
                while picks and depth <= MAX_DEPTH:
                    for reaction, picked in picks:
                        self.handler(reaction).react(picked, depth)
                    depth += 1
                    picks = self._picks()
            finally:
                written, self._held, self.batch_at = self._held, None, None
                self._unseen = []
                self._write(written)

    def _picks(self) -> list[tuple[Reaction[Any, Any], list[Any]]]:
        """What each reaction picks from the entries not looked at yet."""
        level, self._unseen = self._unseen, []
        if not level:
            return []
        picks = []
        for reaction in REGISTERED:
            picked = reaction.select(level)
            if picked:
                picks.append((reaction, picked))
        return picks
