"""The change feed: what changed for one user after a sequence number.

A client keeping a replica of what its user may see (issue 16) asks for
the changes after the last journal sequence it holds. `ChangeLog` hears
every change the desk hears of (its own and other processes', through
`Desk.subscribe`) and keeps a bounded ring of recent steps:

- a ticket step: one journal entry, the tickets it touched, each as it was
  before and after;
- a settings step: the settings changed (not a journal entry, so it sits
  *after* a sequence number, not *at* one).

`since(after, actor)` walks the steps after `after` with the user's sight
at each moment (U2, P6, `core.access.Sight`): a ticket seen after a step
is sent in its current state, one seen before and not after is a
**removal** (deleted, moved out of sight); at a settings step that changed
the sight (U3: a rights change) every ticket that went out of sight is a
removal and every one that came into sight is sent. A ticket the user
never saw is never named, not even as a removal.

What the ring cannot answer is a **reset**: every ticket the user sees,
to replace the replica with. That is the answer to a client with no
position, to one older than the ring, and to one whose settings version
(core/settings_view.py) differs while no settings step is left to say
what changed (a change it missed through another server process).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

import msgspec

from core.access import Actor, Sight, sight_of
from core.desk import Desk
from core.errors import DeskError
from core.events import Notice, ticket_ids
from core.model import DeskConfig
from core.records import Ticket
from core.settings_view import settings_version, visible_settings

# Steps kept for resuming clients: a client further behind gets a reset.
KEEP_STEPS = 20_000

_BLIND = Sight(frozenset(), frozenset(), frozenset(), False)


@dataclass(frozen=True)
class _Step:
    """One step of the ring. `config`: the settings in force after it."""

    seq: int
    config: DeskConfig
    settings: bool
    # (ticket id, before, after); None where the ticket was not (yet, any more).
    tickets: tuple[tuple[str, Ticket | None, Ticket | None], ...] = ()


@dataclass
class FeedAnswer:
    """What changed for one user: `tickets` to put in the replica (current
    state), `removed` ids to take out; `reset`: replace the replica with
    `tickets`. `seq` is the position to ask after next time; `settings` the
    version of the settings the user sees now, `settings_changed` whether
    the client should fetch them again."""

    seq: int
    reset: bool
    settings: str
    settings_changed: bool
    tickets: list[Ticket] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.reset or self.tickets or self.removed or self.settings_changed)


def _where(ticket: Ticket) -> Ticket:
    """A copy that keeps what sight depends on (pipeline, owner, team):
    the desk changes its tickets in place."""
    return msgspec.structs.replace(ticket)


class ChangeLog:
    """The recent changes of one desk, for the feed (subscribed at once)."""

    def __init__(self, desk: Desk, keep: int = KEEP_STEPS) -> None:
        self._desk = desk
        self._keep = keep
        self._lock = threading.Lock()
        self._steps: deque[_Step] = deque()
        # Answerable exactly: after >= floor; before the first step, `_start`.
        self._floor = desk.state.seq
        self._start = desk.config
        self._last_config = desk.config
        self._versions: dict[Actor, tuple[DeskConfig, str]] = {}
        self._shadow = {tid: _where(t) for tid, t in desk.state.tickets.items()}
        desk.subscribe(self.hear)

    @property
    def floor(self) -> int:
        """The oldest position a client can resume from without a reset."""
        return self._floor

    def hear(self, notice: Notice) -> None:
        desk = self._desk
        steps: list[_Step] = []
        config = desk.config
        if config is not self._last_config:
            # Settings that came with entries (another process's command)
            # are taken as in force before them: the entries were checked
            # under them.
            first = notice.entries[0].seq - 1 if notice.entries else desk.state.seq
            steps.append(_Step(first, config, True))
            self._last_config = config
        for entry in notice.entries:
            touched = []
            for tid in ticket_ids(entry.event):
                before = self._shadow.get(tid)
                now = desk.state.tickets.get(tid)
                after = _where(now) if now is not None else None
                if after is None:
                    self._shadow.pop(tid, None)
                else:
                    self._shadow[tid] = after
                touched.append((tid, before, after))
            if touched:
                steps.append(_Step(entry.seq, config, False, tuple(touched)))
        with self._lock:
            self._steps.extend(steps)
            while len(self._steps) > self._keep:
                gone = self._steps.popleft()
                self._start = gone.config
                # A settings step sits after its seq: a client at that seq
                # may not have had it.
                self._floor = max(self._floor, gone.seq + 1 if gone.settings else gone.seq)

    def since(self, after: int | None, actor: Actor, held: str | None = None) -> FeedAnswer:
        """What changed for `actor` after position `after` (None: a new
        client); `held`: the settings version the client holds."""
        desk = self._desk
        newest = desk.state.seq
        if after is not None and after > newest:
            raise DeskError(f"after={after} is ahead of this desk's newest change ({newest}); "
                            "resume from a position the feed gave, or leave after out to start "
                            "afresh.")
        version = self._version(desk.config, actor)
        if after is None or after < self._floor:
            return self._reset(actor, newest, version)
        with self._lock:
            steps = list(self._steps)
            start = self._start
        # Steps after `after`; settings steps *at* `after` may have come
        # before or after the answer that gave the client `after`: the
        # settings version it holds says which (without one, the last).
        i = len(steps)
        while i > 0 and steps[i - 1].seq > after:
            i -= 1
        j = i
        while j > 0 and steps[j - 1].settings and steps[j - 1].seq == after:
            j -= 1
        # The settings the client may have had: before each of steps[j:i], or after all.
        held_configs = [steps[k - 1].config if k else start for k in range(j, i + 1)]
        begin = i
        if held is not None:
            matching = [k for k, config in zip(range(j, i + 1), held_configs, strict=True)
                        if self._version(config, actor) == held]
            if not matching:
                # Settings this ring never had: what changed for the user
                # since cannot be said piece by piece.
                return self._reset(actor, newest, version)
            begin = matching[-1]
        then = _sight(steps[begin - 1].config if begin else start, actor)
        now = _sight(desk.config, actor)
        # Each ticket as it was at `after`: the state before the first step
        # after it that touched the ticket (None: made since).
        was: dict[str, Ticket | None] = {}
        settings_seen = False
        for step in steps[begin:]:
            settings_seen = settings_seen or step.settings
            for tid, before, _after in step.tickets:
                was.setdefault(tid, before)
        candidates: dict[str, Ticket | None] = dict(was)
        if then != now:
            # U3: rights changed; any ticket may have come into or gone out
            # of sight. Untouched ones were then as they are now.
            for tid, ticket in desk.state.tickets.items():
                candidates.setdefault(tid, ticket)
        tickets: list[Ticket] = []
        removed: list[str] = []
        for tid, earlier in candidates.items():
            current = desk.state.tickets.get(tid)
            seen_then = earlier is not None and then.sees(earlier)
            seen_now = current is not None and now.sees(current)
            if seen_now and current is not None and (tid in was or not seen_then):
                tickets.append(current)
            elif seen_then and not seen_now:
                removed.append(tid)
        changed = settings_seen if held is None else held != version
        return FeedAnswer(newest, False, version, changed, tickets, removed)

    def _version(self, config: DeskConfig, actor: Actor) -> str:
        """The settings version `actor` sees under `config`, or "" for a
        user `config` does not let in; kept for the newest settings, which
        every answer names."""
        cached = self._versions.get(actor)
        if cached is not None and cached[0] is config:
            return cached[1]
        try:
            version = settings_version(visible_settings(config, actor))
        except DeskError:
            return ""
        if config is self._desk.config:
            self._versions[actor] = (config, version)
        return version

    def _reset(self, actor: Actor, newest: int, version: str) -> FeedAnswer:
        return FeedAnswer(newest, True, version, True, self._desk.tickets(actor))


def _sight(config: DeskConfig, actor: Actor) -> Sight:
    """The actor's sight under `config`; a user not (yet, any more) let in
    sees nothing (U1)."""
    try:
        return sight_of(config, actor)
    except DeskError:
        return _BLIND
