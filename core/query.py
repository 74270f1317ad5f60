"""The one query language for tickets (issue 17 item 1; docs/search.md):
the search screen, the triage queue, saved views and `pipedesk ticket list
--query` all read it here.

A query is terms joined by spaces, each of which must hold (and); a term
with `-` in front must not. A term is free text (a word, or "a phrase" in
double quotes), found in the subject, the contact (address or name) and
the conversation's text, in any case; or a field and its value:

    priority:urgent   priority:high,urgent   priority:none
    owner:me  owner:none  owner:ingrid        (id, login, email or name)
    team:support  team:none                   (id or name)
    stage:open  stage:closed  stage:"Waiting on us"   (a state, or a stage's label or id)
    pipeline:billing                          (id or label)
    age:>2h  updated:<1d                      (since created; since its last activity)
    source:email                              (manual, email, chat …)
    due:<30m  due:>2h  due:breached  due:none (the SLA clock's time left, core/sla.py)

A duration is a number and m, h, d or w; `>` means longer ago than it,
`<` within it (`>=`, `<=` as well; none means `>`). For `due:` it is the
time left on the ticket's SLA clock: `<` less than that left (breached
ones too), `>` more; none means `<`. A value with a space
goes in double quotes. A mistake is said with the column it is at.

Parsing (`parse`) knows the words only; `Query.matching` then finds what
the words name in the desk's settings (a stage, a user), as the actor sees
them, and keeps the tickets every term holds for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress
from operator import attrgetter
from typing import Any

from core import access, sla
from core.access import Actor
from core.errors import DeskError
from core.model import DeskConfig, StageState
from core.records import PRIORITIES, Ticket

FIELDS = ("priority", "owner", "team", "stage", "pipeline", "age", "updated", "source", "due")
_DURATION = re.compile(r"(>=|<=|>|<)?(\d{1,6})([mhdw])")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
# The fields whose answer does not move with the clock (`Query.within`).
_TIMELESS = frozenset({"priority", "owner", "team", "stage", "pipeline", "source"})


class QueryError(DeskError):
    """A query that does not read: what is wrong, and at which column (1 is
    the first character)."""

    def __init__(self, query: str, column: int, what: str) -> None:
        super().__init__(f"{what} (column {column} of the query {query!r}).")
        self.query = query
        self.column = column
        self.what = what


@dataclass(frozen=True)
class Term:
    negated: bool
    field: str | None  # None: free text
    value: str  # as written, quotes taken off; free text folded to lower case
    column: int  # where the term starts, 1-based


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[Term, ...]

    def matching(self, tickets: list[Ticket], texts: list[str] | None, config: DeskConfig,
                 actor: Actor, now: datetime) -> tuple[list[Ticket], list[str] | None]:
        """The tickets of `tickets` for which every term holds, in their
        order, and their texts. `texts`: each ticket's searchable text, in
        the same order, folded to lower case (`ticket_text`: subject,
        contact, conversation), which a query with words needs. A value
        that names nothing the actor sees (a stage, a user, a team) is a
        QueryError at its column."""
        tests = [(t.negated, self._test(t, config, actor, now))
                 for t in self.terms if t.field is not None]
        # A pass a term, the fields first (cheap, and they narrow what the
        # words are looked for in); the words in a list of strings, nothing
        # called per ticket: at 100,000 tickets that is half the time.
        for negated, test in tests:
            keep = [test(t) != negated for t in tickets]
            tickets = list(compress(tickets, keep))
            texts = list(compress(texts, keep)) if texts is not None else None
        for term in self.terms:
            if term.field is None:
                assert texts is not None, "a query with words needs the tickets' texts"
                word = term.value
                keep = ([word not in text for text in texts] if term.negated
                        else [word in text for text in texts])
                tickets, texts = list(compress(tickets, keep)), list(compress(texts, keep))
        return tickets, texts

    def within(self, earlier: Query) -> Query | None:
        """What is left to test among the tickets `earlier` found, when this
        query finds only some of them, for the same actor with nothing
        changed in between (the search screen's next letter): each term of
        `earlier` holds here too, as the same term or as a word inside a
        longer word, and none of them reads the clock (age, updated, due:
        their answer moves with the time). None when it does not narrow it."""
        for old in earlier.terms:
            if old.field is not None and old.field not in _TIMELESS:
                return None
            if not any(new.negated == old.negated and new.field == old.field
                       and (new.value == old.value or (old.field is None and not old.negated
                                                       and old.value in new.value))
                       for new in self.terms):
                return None
        held = {(t.negated, t.field, t.value) for t in earlier.terms}
        return Query(self.text, tuple(t for t in self.terms
                                      if (t.negated, t.field, t.value) not in held))

    def _error(self, term: Term, what: str) -> QueryError:
        return QueryError(self.text, term.column, what)

    def _test(self, term: Term, config: DeskConfig, actor: Actor, now: datetime
              ) -> Callable[[Ticket], bool]:
        value = term.value.strip()
        folded = value.casefold()
        match term.field:
            case "priority":
                words = set(folded.split(","))
                names = [p.lower() for p in PRIORITIES]
                unknown = sorted(words - set(names) - {"none"})
                if unknown:
                    raise self._error(term, f"priority is {', '.join(names)} or none, "
                                      f"not {unknown[0]!r}")
                wanted: set[str | None] = {w.upper() for w in words if w != "none"}
                if "none" in words:
                    wanted.add(None)
                return lambda t: t.priority in wanted
            case "owner":
                if folded == "none":
                    return lambda t: t.owner is None
                user = self._user(term, config, actor, folded)
                return lambda t: t.owner == user
            case "team":
                if folded == "none":
                    return lambda t: t.team is None
                team = next((t.id for t in config.teams
                             if folded in (t.id.casefold(), t.name.casefold())), None)
                if team is None:
                    known = ", ".join(t.id for t in config.teams) or "none yet"
                    raise self._error(term, f"no team {value!r} (teams: {known})")
                return lambda t: t.team == team
            case "stage":
                return self._stage(term, config, actor, folded)
            case "pipeline":
                seen = access.visible_pipelines(config, actor)
                found = [p for p in seen if folded in (p.id.casefold(), p.label.casefold())]
                if not found:
                    known = ", ".join(f"{p.id} ({p.label})" for p in seen)
                    raise self._error(term, f"no pipeline {value!r} (pipelines: {known})")
                pipeline = found[0].id
                return lambda t: t.pipeline == pipeline
            case "age":
                older, cut = self._since(term, now)
                return (lambda t: t.create_date <= cut) if older else (
                    lambda t: t.create_date > cut)
            case "updated":
                older, cut = self._since(term, now)
                return (lambda t: t.last_activity <= cut) if older else (
                    lambda t: t.last_activity > cut)
            case "source":
                return lambda t: t.source.casefold() == folded
            case "due":
                return self._due(term, config, now, folded)
        raise AssertionError(term.field)

    def _due(self, term: Term, config: DeskConfig, now: datetime, folded: str
             ) -> Callable[[Ticket], bool]:
        clock = sla.clock_reader(config, now)
        if folded == "none":
            return lambda t: clock(t) is None
        if folded == "breached":
            return lambda t: (c := clock(t)) is not None and c.breached
        op, left = self._duration(term, folded, "due takes the time left such as <30m or >2h "
                                  "(m, h, d or w), or breached, or none;")
        if op in (">", ">="):
            return lambda t: (c := clock(t)) is not None and (
                c.left > left if op == ">" else c.left >= left)
        return lambda t: (c := clock(t)) is not None and (  # no sign: <
            c.left <= left if op == "<=" else c.left < left)

    def _user(self, term: Term, config: DeskConfig, actor: Actor, folded: str) -> str:
        if folded == "me":
            me = access.user_of(config, actor)
            if me is None:
                raise self._error(term, "owner:me needs a user; this desk acts as no one")
            return me.id
        for user in config.users:
            if folded in (user.id.casefold(), user.login.casefold(), user.email.casefold(),
                          user.name.casefold()) and folded:
                return user.id
        raise self._error(term, f"no user {term.value!r} (by id, login, email or name; "
                          "or me, none)")

    def _stage(self, term: Term, config: DeskConfig, actor: Actor, folded: str
               ) -> Callable[[Ticket], bool]:
        seen = access.visible_pipelines(config, actor)
        if folded in ("open", "closed"):
            state = StageState(folded)
            ids = {s.id for p in seen for s in p.stages if s.state == state}
        else:
            ids = {s.id for p in seen for s in p.stages
                   if folded in (s.id.casefold(), s.label.casefold())}
            if not ids:
                raise self._error(term, f"no stage {term.value!r} in the pipelines you see "
                                  "(a stage's label or id, or open, closed)")
        return lambda t: t.stage in ids

    def _since(self, term: Term, now: datetime) -> tuple[bool, datetime]:
        """(older than the duration, the instant it reaches back to)."""
        op, length = self._duration(term, term.value.strip(), f"{term.field} takes a duration "
                                    "such as >2h or <30m (m, h, d or w),")
        return op in (None, ">", ">="), now - length

    def _duration(self, term: Term, text: str, what: str) -> tuple[str | None, timedelta]:
        """`text`, a term's value, as (its sign, or None; the duration);
        `what` says what the term takes when it does not read."""
        found = _DURATION.fullmatch(text)
        if found is None:
            raise self._error(term, f"{what} not {term.value!r}")
        op, amount, unit = found.groups()
        return op, timedelta(seconds=int(amount) * _UNITS[unit])

def parse(text: str) -> Query:
    """The terms of `text`; a QueryError says where it does not read."""
    terms: list[Term] = []
    n, end = 0, len(text)
    while n < end:
        if text[n].isspace():
            n += 1
            continue
        start = n
        negated = text[n] == "-" and n + 1 < end and not text[n + 1].isspace()
        if negated:
            n += 1
        field: str | None = None
        word = re.match(r"([A-Za-z_]+):", text[n:])
        if word is not None and text[n] != '"':
            field = word.group(1).casefold()
            if field not in FIELDS:
                raise QueryError(text, n + 1, f"no field {word.group(1)!r}; fields are "
                                 f"{', '.join(FIELDS)} (quote a word with a colon to find it "
                                 "as text)")
            n += len(word.group(0))
        value, n = _value(text, n, start)
        if field is not None and not value.strip():
            raise QueryError(text, start + 1, f"{field}: needs a value")
        if field is None and not value:
            continue  # "" finds everything: nothing to test
        terms.append(Term(negated, field, value if field else value.casefold(), start + 1))
    return Query(text, tuple(terms))


def _value(text: str, n: int, start: int) -> tuple[str, int]:
    """A value from `n`: up to the next space, or "in quotes"."""
    if n < len(text) and text[n] == '"':
        close = text.find('"', n + 1)
        if close < 0:
            raise QueryError(text, n + 1, "a quote is not closed")
        return text[n + 1:close], close + 1
    stop = n
    while stop < len(text) and not text[stop].isspace():
        if text[stop] == '"':
            raise QueryError(text, stop + 1, "a quote inside a word; put the whole value "
                             "in quotes")
        stop += 1
    return text[n:stop], stop


def ticket_text(ticket: Ticket, contact_name: str = "", conversation: str = "") -> str:
    """What free text is found in, folded to lower case."""
    return " ".join((ticket.subject, ticket.contact or "", contact_name,
                     conversation)).casefold()


def sorted_tickets(tickets: Sequence[Ticket], by: str,
                   clock: Callable[[Ticket], sla.Clock | None] = sla.no_clock
                   ) -> list[Ticket]:
    """By `by` (a field, `-` in front for the other way): id, age, updated,
    priority, subject, urgency. `clock`: each ticket's SLA clock
    (`core.sla.clock_reader`), which urgency puts first."""
    reverse = by.startswith("-")
    name = by.lstrip("-")

    keys: dict[str, Callable[[Ticket], Any]] = {
        "id": lambda t: int(t.id) if t.id.isdigit() else 0,
        "age": lambda t: t.create_date,
        "updated": lambda t: t.last_activity,
        "priority": lambda t: _RANK[t.priority] if t.priority else -1,
        "subject": lambda t: t.subject.casefold(),
    }
    if name == "urgency":
        found = _by_urgency(tickets, clock)
        return found[::-1] if reverse else found
    if name not in keys:
        raise DeskError(f"Sort by {', '.join([*keys, 'urgency'])} (with - in front for the "
                        f"other way), not {by!r}.")
    return sorted(tickets, key=keys[name], reverse=reverse)


_RANK = {p: n for n, p in enumerate(PRIORITIES)}


def _by_urgency(tickets: Sequence[Ticket], clock: Callable[[Ticket], sla.Clock | None]
                ) -> list[Ticket]:
    """The triage queue's order: breached SLA clocks first (the longest
    breached first), then those soon due (the soonest first), then Urgent
    to Low (none last), then the oldest. Those with a pressing clock are
    few and get a key each; the rest are sorted in two passes of cheap keys
    (oldest first, then by priority: Python's sort keeps the first order
    within the second), which a queue of 65,000 needs."""
    pressing: list[tuple[int, float, int, datetime, Ticket]] = []
    rest: list[Ticket] = []
    for t in tickets:
        c = clock(t)
        if c is not None and (c.breached or c.soon):
            pressing.append((0 if c.breached else 1, c.left.total_seconds(), _most_first(t),
                             t.create_date, t))
        else:
            rest.append(t)
    pressing.sort(key=lambda k: k[:4])
    rest.sort(key=_created)
    rest.sort(key=_most_first)
    return [k[4] for k in pressing] + rest


_created = attrgetter("create_date")


def _most_first(ticket: Ticket) -> int:
    """Urgent first, Low last, no priority after them."""
    return -_RANK[ticket.priority] if ticket.priority else 1
