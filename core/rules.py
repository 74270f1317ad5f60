"""The desk's standing rules on its settings, checked in one place.

`Desk` checks every settings change against these before it is saved, and
loading desk.toml checks a hand-edited file against the same rules, so the
file and the commands can never disagree about what a valid desk is. The
tickets must fit the settings too: each in a stage its pipeline has, and
every delay still waiting able to do what it will do (`tickets_outside`,
`waiting_moves_nowhere`).

One rule is softer on load: two properties labelled alike (`label_clashes`)
only make a list ambiguous, so a desk.toml holding them opens with a warning
that says how to fix it, rather than shutting a desk made before the rule
out of its own tickets; no command makes a new clash.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter, ne
from typing import Any

from core.automation.actions import SetProperty, path_text, walk
from core.errors import DeskError
from core.finding import find_stage
from core.model import DeskConfig, Pipeline, PropertyDef, StageState
from core.properties import BUILTIN_NAMES, BUILTIN_PROPERTIES
from core.records import Ticket
from core.state import Delayed

# Branches inside branches: more than any desk needs, few enough that every
# walk over the actions (and desk.toml's reader) stays far from Python's
# recursion limit.
MAX_BRANCH_DEPTH = 20

# Where a problem is in desk.toml, as the keys and list positions leading to
# it (("pipelines", 0, "stages", 2)): the reader turns it into a line.
Loc = tuple[int | str, ...]


class Problem(str):
    """A broken rule said for a person (a str, as callers show it), with
    where in the settings it is."""

    loc: Loc

    def __new__(cls, text: str, *loc: int | str) -> Problem:
        made = super().__new__(cls, text)
        made.loc = loc
        return made


# Two properties whose labels read the same, by name (see `label_clashes`).
LabelClash = frozenset[str]


def stage_states_problem(pipeline: Pipeline) -> str | None:
    """S2: at least one Open and one Closed stage."""
    states = {s.state for s in pipeline.stages}
    for state in (StageState.OPEN, StageState.CLOSED):
        if state not in states:
            return (f"Pipeline '{pipeline.label}' must keep at least one "
                    f"{state.value.capitalize()} stage.")
    return None


def card_properties_problem(names: Sequence[str]) -> str | None:
    """P7: what a pipeline's cards may show (property names, in order).
    The subject heads every card, so it stays on the list. (A hand-edited
    desk.toml that leaves it out is not refused for that: the board draws
    the subject first whatever the list says.)"""
    if len(set(names)) != len(names):
        return "A property can be shown on a card only once."
    if "subject" not in names:
        return "The subject heads every card; it cannot be taken off the cards."
    return None


def labelled(config: DeskConfig) -> list[PropertyDef]:
    """The properties whose labels people read in lists and on tickets: the
    built-in ones, then the custom ones not archived (an archived one is no
    longer offered, so its label is free for a new property)."""
    return [*BUILTIN_PROPERTIES, *(p for p in config.properties if not p.archived)]


def property_label_taken(config: DeskConfig, label: str,
                         but: str | None = None) -> PropertyDef | None:
    """The property other than `but` (a name) already labelled `label`, in
    any case, as pipeline and stage labels are (P2)."""
    key = _label_key(label)
    return next((p for p in labelled(config)
                 if p.name != but and _label_key(p.label) == key), None)


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def label_clashes(config: DeskConfig) -> list[tuple[PropertyDef, PropertyDef]]:
    """Pairs (earlier, later) of properties labelled alike: `ticket show`
    would show two "Priority" rows. The commands refuse making one; a
    desk.toml that already holds one (from before the rule, or edited by
    hand) still opens, with a warning, since nothing is hidden or lost."""
    first: dict[str, PropertyDef] = {}
    clashes = []
    for prop in labelled(config):
        key = _label_key(prop.label)
        if key in first:
            clashes.append((first[key], prop))
        else:
            first[key] = prop
    return clashes


def check_settings(config: DeskConfig,
                   tolerated: Collection[LabelClash] = ()) -> Problem | None:
    """The first broken rule in `config`, said for a person, or None.
    `tolerated`: label clashes (by the two names) the desk had already,
    which a change that does not touch them may leave as they are."""
    if not config.pipelines:
        return Problem("the desk needs at least one pipeline")
    ids: set[str] = set()
    labels: set[str] = set()
    known_props = {p.name: p for p in (*BUILTIN_PROPERTIES, *config.properties)}
    for n, pipeline in enumerate(config.pipelines):
        at = ("pipelines", n)
        if pipeline.id in ids:
            return Problem(f"id {pipeline.id!r} is used twice (pipeline '{pipeline.label}')",
                           *at)
        ids.add(pipeline.id)
        if pipeline.label.casefold() in labels:
            return Problem(f"two pipelines are labelled '{pipeline.label}'", *at)
        labels.add(pipeline.label.casefold())
        if not pipeline.label.strip():
            return Problem(f"pipeline {pipeline.id} has an empty label", *at)
        problem = stage_states_problem(pipeline)
        if problem:
            return Problem(problem, *at)
        stage_labels: set[str] = set()
        for m, stage in enumerate(pipeline.stages):
            where = (*at, "stages", m)
            if stage.id in ids:
                return Problem(f"id {stage.id!r} is used twice (stage '{stage.label}')", *where)
            ids.add(stage.id)
            if stage.label.casefold() in stage_labels:
                return Problem(f"pipeline '{pipeline.label}' has two stages labelled "
                               f"'{stage.label}'", *where)
            stage_labels.add(stage.label.casefold())
            for sp in stage.properties:
                prop = known_props.get(sp.name)
                if prop is None:
                    return Problem(f"stage '{stage.label}' asks for property '{sp.name}', "
                                   "which the desk does not define", *where)
                if prop.archived:
                    return Problem(f"stage '{stage.label}' asks for property '{sp.name}', "
                                   "which is archived", *where)
                if prop.read_only:
                    return Problem(f"stage '{stage.label}' asks for property '{sp.name}', "
                                   "which is read-only (the program sets it); remove it from "
                                   "the stage", *where)
        for name in pipeline.card_properties:
            if name not in known_props:
                return Problem(f"pipeline '{pipeline.label}' shows unknown card property "
                               f"'{name}'", *at)
    numeric = [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 16]
    endless = next((i for i in ids if i.isascii() and i.isdigit() and len(i) >= 16), None)
    if endless is not None:
        return Problem(f"id {endless[:20]}… is longer than any id pipedesk gives (15 digits)",
                       *_where_id(config, endless))
    if numeric and config.next_id <= max(numeric):
        return Problem(f"next_id {config.next_id} is not above the highest id in use "
                       f"({max(numeric)})", "next_id")
    names: set[str] = set()
    for n, prop in enumerate(config.properties):
        if prop.name in BUILTIN_NAMES or prop.name in names:
            return Problem(f"property '{prop.name}' is defined twice (or is a built-in "
                           "property)", "properties", n)
        names.add(prop.name)
    for earlier, later in label_clashes(config):
        if frozenset((earlier.name, later.name)) not in tolerated:
            index = next(n for n, p in enumerate(config.properties) if p.name == later.name)
            return Problem(label_taken_problem(earlier), "properties", index)
    user_ids = [u.id for u in config.users]
    if len(set(user_ids)) != len(user_ids):
        return Problem("two users share an id", "users")
    if not any(u.role == "administrator" and u.active for u in config.users):
        return Problem("the desk needs at least one active user with role = "
                       "\"administrator\"", "users")
    return (_people_problem(config) or _automation_problem(config)
            or _mail_problem(config))


def _people_problem(config: DeskConfig) -> Problem | None:
    """U1, P6: logins name one user each; teams and pipeline access name
    users and teams the desk has."""
    logins = [u.login for u in config.users if u.login]
    if len(set(logins)) != len(logins):
        twice = next(login for login in logins if logins.count(login) > 1)
        return Problem(f"two users share the login {twice!r}", "users")
    users = {u.id for u in config.users}
    teams = {t.id for t in config.teams}
    for n, team in enumerate(config.teams):
        stranger = next((m for m in team.members if m not in users), None)
        if stranger is not None:
            return Problem(f"team '{team.name}' has the member {stranger!r}, who is no user "
                           "of the desk", "teams", n)
    for n, pipeline in enumerate(config.pipelines):
        for entries in (pipeline.access.view, pipeline.access.edit):
            for entry in entries or []:
                kind, _, ident = entry.partition(":")
                known = users if kind == "user" else teams if kind == "team" else set()
                if ident not in known:
                    return Problem(f"the access of '{pipeline.label}' names {entry!r}, which "
                                   "is no user:ID or team:ID of the desk", "pipelines", n)
    return None


def _mail_problem(config: DeskConfig) -> Problem | None:
    """A1, A3: a channel or an email trigger pointing at a pipeline or a
    stage the desk does not have (S6 keeps them from being deleted)."""
    for n, pipeline in enumerate(config.pipelines):
        stages = {s.id for s in pipeline.stages}
        for name, trigger in (("email_sent", pipeline.automation.email_sent),
                              ("customer_replied", pipeline.automation.customer_replied)):
            if trigger.stage is not None and trigger.stage not in stages:
                return Problem(f"the email trigger {name} of pipeline '{pipeline.label}' "
                               f"moves tickets to stage {trigger.stage!r}, which the pipeline "
                               "does not have", "pipelines", n, "automation", name)
    addresses: set[str] = set()
    for n, channel in enumerate(config.channels):
        at = ("channels", n)
        if channel.address.casefold() in addresses:
            return Problem(f"two channels have the address {channel.address}", *at)
        addresses.add(channel.address.casefold())
        owner = next((p for p in config.pipelines if p.id == channel.pipeline), None)
        if owner is None:
            return Problem(f"the channel {channel.address} puts tickets into pipeline "
                           f"{channel.pipeline!r}, which the desk does not have; remove the "
                           "channel first, or give it another pipeline", *at)
        if channel.stage is not None:
            stage = owner.stage(channel.stage)
            if stage is None:
                return Problem(f"the channel {channel.address} puts tickets into stage "
                               f"{channel.stage!r}, which pipeline '{owner.label}' does "
                               "not have", *at)
            if not stage.is_open:
                return Problem(f"the channel {channel.address} puts new tickets into the "
                               f"Closed stage '{stage.label}'; choose an Open one", *at)
    return None


def _where_id(config: DeskConfig, ident: str) -> Loc:
    for n, pipeline in enumerate(config.pipelines):
        if pipeline.id == ident:
            return ("pipelines", n)
        for m, stage in enumerate(pipeline.stages):
            if stage.id == ident:
                return ("pipelines", n, "stages", m)
    return ()


def _automation_problem(config: DeskConfig) -> Problem | None:
    """Actions that would move tickets nowhere (a stage desk.toml lost, S6),
    or branches nested past any use."""
    for n, pipeline in enumerate(config.pipelines):
        held: list[tuple[Loc, Any]] = [(("pipelines", n, "stages", m), stage)
                                       for m, stage in enumerate(pipeline.stages)]
        held.append((("pipelines", n, "sla"), pipeline.sla))
        for at, stage in held:
            for path, action in walk(stage.actions):
                if len(path) > 2 * MAX_BRANCH_DEPTH:
                    return Problem(f"the actions of stage '{stage.label}' nest branches more "
                                   f"than {MAX_BRANCH_DEPTH} deep", *at)
                if isinstance(action, SetProperty) and action.property == "stage":
                    problem = _move_target_problem(config, pipeline, action.value)
                    if problem:
                        return Problem(f"action {path_text(path)} of stage '{stage.label}' "
                                       f"moves tickets into {problem}", *at)
    return None


def label_taken_problem(taken: PropertyDef) -> str:
    kind = "built-in" if taken.builtin else "custom"
    return (f"a property labelled '{taken.label}' exists already ({taken.name}, {kind}); "
            "labels are unique, whatever the case")


def clashes_of(config: DeskConfig) -> frozenset[LabelClash]:
    """The label clashes `config` holds, to tolerate in a change of it."""
    return frozenset(frozenset((a.name, b.name)) for a, b in label_clashes(config))


def _move_target_problem(config: DeskConfig, pipeline: Pipeline, target: str) -> str | None:
    # As the engine moves a ticket: an id anywhere, a label in its pipeline.
    try:
        find_stage(config, target, pipeline, ids_anywhere=True)
    except DeskError:
        return f"stage {target!r}, which '{pipeline.label}' does not have"
    return None


# -- the tickets against the settings ------------------------------------------


@dataclass(frozen=True)
class Misplaced:
    """`count` tickets say they are in `stage` of `pipeline`, which the
    settings do not have: the pipeline is gone (`pipeline_gone`), or it no
    longer has that stage."""

    pipeline: str
    stage: str
    count: int
    pipeline_gone: bool
    example: str  # one of those tickets' ids


def tickets_outside(config: DeskConfig, tickets: Collection[Ticket]) -> list[Misplaced]:
    """The tickets whose stage their pipeline no longer has, by pipeline and
    stage; [] when all fit. Every open of a desk asks this of all its
    tickets, so the common answer costs one pass in C over two attributes."""
    home = {s.id: p.id for p in config.pipelines for s in p.stages}
    if not any(map(ne, map(home.get, map(attrgetter("stage"), tickets)),
                   map(attrgetter("pipeline"), tickets))):
        return []
    pipelines = {p.id for p in config.pipelines}
    wrong = [t for t in tickets if home.get(t.stage) != t.pipeline]
    counts = Counter((t.pipeline, t.stage) for t in wrong)
    example: dict[tuple[str, str], str] = {}
    for t in wrong:  # the lowest id of each, as the message names one
        key = (t.pipeline, t.stage)
        if key not in example or (len(t.id), t.id) < (len(example[key]), example[key]):
            example[key] = t.id
    return sorted((Misplaced(p, s, n, p not in pipelines, example[(p, s)])
                   for (p, s), n in counts.items()),
                  key=lambda m: (not m.pipeline_gone, m.pipeline, m.stage))


@dataclass(frozen=True)
class StrandedDelay:
    """A delay still waiting for ticket `ticket` whose actions, when its
    time comes, move it into `target`, which is no stage of the desk."""

    delay: Delayed
    ticket: str
    target: str


def waiting_moves_nowhere(config: DeskConfig, delays: Iterable[Delayed],
                          stage_of: Callable[[str], str | None]) -> list[StrandedDelay]:
    """Delays whose ticket still waits in the delay's stage (`stage_of`
    says where a ticket is; None for one that is gone) and whose remaining
    actions move it into a stage that does not resolve. A delay whose
    ticket moved on is skipped when it comes due, and is left alone."""
    found: list[StrandedDelay] = []
    pipelines = {p.id: p for p in config.pipelines}
    for delay in delays:
        step = delay.step
        pipeline = pipelines.get(step.pipeline)
        if pipeline is None or stage_of(step.ticket) != step.stage:
            continue
        for target in _move_targets(step.actions):
            if _move_target_problem(config, pipeline, target):
                found.append(StrandedDelay(delay, step.ticket, target))
    return found


def _move_targets(actions: Any) -> Iterator[str]:
    """The stages the actions (as desk.toml and the journal hold them) move
    a ticket into, branches included. Read from the plain data, without a
    recursion however deep a line nests them: a desk with many waiting
    delays asks this of each at every open."""
    todo = [actions]
    while todo:
        sequence = todo.pop()
        if not isinstance(sequence, list):
            continue
        for action in sequence:
            if not isinstance(action, dict):
                continue
            if action.get("kind") == "set-property" and action.get("property") == "stage" \
                    and isinstance(action.get("value"), str):
                yield action["value"]
            if action.get("kind") == "branch":
                todo += [action.get("then"), action.get("else")]
