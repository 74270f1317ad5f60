"""Stage edits (S1-S7) as values, applied in order to a draft of the settings.

The stage editor collects edits and saves them together (S8); the command
line makes one at a time. Both go through `apply_stage_edits`, so a rule is
written once and a batch is refused whole when any one edit breaks one:
the draft is thrown away and nothing is saved.

An added stage has no id until the batch is saved, so the editor names it
by a `key` of its own choosing; later edits in the same batch (a rename, a
deletion moving tickets into it) refer to it by that key.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from core.automation.actions import Path, SetProperty, path_text
from core.errors import DeskError, NotFound
from core.events import Changes
from core.finding import every_action, find_stage
from core.model import DeskConfig, Pipeline, PropertyDef, Stage, StageProperty, StageState
from core.present import count, counted
from core.records import Ticket
from core.rules import stage_states_problem
from core.settings.channels import triggers_moving_into
from core.state import with_changes
from core.text import check_line

T = TypeVar("T")


@dataclass(frozen=True)
class AddStage:
    """S1: added at the end of the pipeline's stages."""

    key: str
    label: str
    state: StageState | str


@dataclass(frozen=True)
class RenameStage:
    """S3: the internal id stays."""

    stage: str
    label: str


@dataclass(frozen=True)
class SetStageState:
    """Open or Closed; S2 refuses leaving no Open or no Closed stage.
    Tickets already in the stage keep their close date (T3 acts on moves)."""

    stage: str
    state: StageState | str


@dataclass(frozen=True)
class MoveStage:
    """S4: to `position` (1 is first)."""

    stage: str
    position: int


@dataclass(frozen=True)
class DeleteStage:
    """S6: its tickets move to `move_to`, a stage of the same pipeline."""

    stage: str
    move_to: str | None = None


@dataclass(frozen=True)
class SetStageProperties:
    """S7: the properties asked for on entering the stage, in order."""

    stage: str
    properties: tuple[StageProperty, ...]


StageEdit = AddStage | RenameStage | SetStageState | MoveStage | DeleteStage | SetStageProperties


@dataclass
class StageEditResult:
    """What a batch did: the pipeline as it is now, the ids given to added
    stages (by key), the stages deleted (id -> label) and each moved
    ticket's changes (before as it was, after as the batch left it)."""

    pipeline: Pipeline
    added: dict[str, str] = field(default_factory=dict)
    deleted: dict[str, str] = field(default_factory=dict)
    moved: dict[str, Changes] = field(default_factory=dict)

    def stage(self, ref: str) -> Stage:
        """A stage of the result by id or by an added stage's key."""
        found = self.pipeline.stage(self.added.get(ref, ref))
        if found is None:
            raise NotFound(f"No stage {ref!r} in '{self.pipeline.label}'.")
        return found


# What a batch needs from the desk besides the draft: finding a property by
# name, and working out a move's changes (T3: `core.tickets.move_changes`).
PropertyLookup = Callable[[str], PropertyDef]
MoveChanges = Callable[[DeskConfig, Ticket, Pipeline, Stage, datetime], Changes]


def apply_stage_edits(draft: DeskConfig, pipeline: Pipeline, edits: Sequence[StageEdit],
                      tickets: Mapping[str, Ticket], lookup: PropertyLookup,
                      move_changes: MoveChanges, now: datetime,
                      take_id: Callable[[DeskConfig], str]) -> StageEditResult:
    """Apply `edits` in order to `pipeline`, which belongs to `draft`.

    Raises DeskError at the first edit a rule refuses; the caller then
    drops the draft. `tickets` are the desk's tickets as they are; the ones
    a deletion moves are followed through later edits of the batch.
    """
    result = StageEditResult(pipeline=pipeline)
    # Where each moved ticket is now, as a copy: the desk's tickets are
    # untouched until the batch is recorded.
    moving: dict[str, Ticket] = {}
    for edit in edits:
        match edit:
            case AddStage(key=key, label=label, state=state):
                if key in result.added:
                    raise DeskError(f"Two new stages share the key {key!r}.")
                label = stage_label(label)
                check_stage_label_free(pipeline, label)
                stage = Stage(id=take_id(draft), label=label, state=stage_state(state))
                pipeline.stages.append(stage)
                result.added[key] = stage.id
            case RenameStage(stage=ref, label=label):
                stage = _find(draft, result, ref)
                label = stage_label(label)
                check_stage_label_free(pipeline, label, but=stage)
                stage.label = label
            case SetStageState(stage=ref, state=state):
                stage = _find(draft, result, ref)
                new_state = stage_state(state)
                stage.state = new_state
                problem = stage_states_problem(pipeline)
                if problem:
                    raise DeskError(f"Cannot make '{stage.label}' {new_state.value}: {problem}")
            case MoveStage(stage=ref, position=position):
                move_to_position(pipeline.stages, _find(draft, result, ref), position,
                                 f"stages in '{pipeline.label}'")
            case DeleteStage(stage=ref, move_to=move_to):
                _delete(draft, result, _find(draft, result, ref), move_to, tickets, moving,
                        move_changes, now)
            case SetStageProperties(stage=ref, properties=chosen):
                _find(draft, result, ref).properties = _stage_properties(chosen, lookup)
    return result


def _find(draft: DeskConfig, result: StageEditResult, ref: str) -> Stage:
    """A stage of the batch's pipeline by added key, id or label."""
    key = ref.strip()
    if key in result.added:
        return result.stage(key)
    try:
        return find_stage(draft, key, result.pipeline)[1]
    except DeskError:
        gone = [label for sid, label in result.deleted.items()
                if key == sid or key.casefold() == label.casefold()]
        if gone:
            raise DeskError(f"Stage '{gone[0]}' is deleted in these edits already.") from None
        raise


def _delete(draft: DeskConfig, result: StageEditResult, stage: Stage, move_to: str | None,
            tickets: Mapping[str, Ticket], moving: dict[str, Ticket],
            move_changes: MoveChanges, now: datetime) -> None:
    pipeline = result.pipeline
    remaining = [s for s in pipeline.stages if s.id != stage.id]
    problem = stage_states_problem(pipeline.model_copy(update={"stages": remaining}))
    if problem:
        raise DeskError(f"Cannot delete '{stage.label}': {problem}")
    target: Stage | None = None
    if move_to is not None:
        target = _find(draft, result, move_to)
        if target.id == stage.id:
            raise DeskError(f"Cannot move the tickets of '{stage.label}' into itself; "
                            "pick another stage.")
    held = [moving.get(t.id, t) for t in tickets.values()
            if moving.get(t.id, t).stage == stage.id]
    if held and target is None:
        raise DeskError(f"Stage '{stage.label}' holds {counted(len(held), 'ticket')}; pick "
                        f"a stage of '{pipeline.label}' to move them to.")
    # S6 also refuses while an email trigger (A3) or a channel (A1) sends
    # tickets into the stage; an action moving tickets into it (A4) is
    # refused the same way, so no automation is left pointing nowhere. A
    # trigger switched off lets go of the stage instead.
    for trigger in (pipeline.automation.email_sent, pipeline.automation.customer_replied):
        if trigger.stage == stage.id and not trigger.on:
            trigger.stage = None
    # A deleted stage stops no SLA clock any more (issue 17).
    if stage.id in (pipeline.sla.waiting or ()):
        pipeline.sla.waiting = [s for s in pipeline.sla.waiting or () if s != stage.id]
    for _holder, what in triggers_moving_into(draft, stage.id):
        raise DeskError(f"Cannot delete '{stage.label}': {what} moves tickets into it; "
                        "choose another stage for it first (the Automate tab, or pipedesk "
                        "automation set / channel add).")
    for holder, path in actions_moving_into(draft, stage):
        raise DeskError(f"Action {path_text(path)} of stage '{holder.label}' moves tickets "
                        f"into '{stage.label}'; change or remove that action first.")
    if target is not None:
        for ticket in held:
            # T3 needs the state of the stage the ticket leaves, which the
            # draft still has at this point.
            changes = move_changes(draft, ticket, pipeline, target, now)
            moving[ticket.id] = with_changes(ticket, changes)
            _merge(result.moved.setdefault(ticket.id, {}), changes)
    pipeline.stages = remaining
    result.deleted[stage.id] = stage.label


def _merge(into: Changes, changes: Changes) -> None:
    """A ticket moved twice in one batch: before as first, after as last."""
    for name, (before, after) in changes.items():
        into[name] = [into[name][0] if name in into else before, after]
    for name in [n for n, (b, a) in into.items() if b == a]:
        del into[name]


def _stage_properties(chosen: Sequence[StageProperty],
                      lookup: PropertyLookup) -> list[StageProperty]:
    kept: list[StageProperty] = []
    for sp in chosen:
        prop = lookup(sp.name)
        if prop.read_only:
            raise DeskError(f"{prop.label} is read-only (pipedesk sets it); a stage cannot "
                            "ask for it.")
        if any(k.name == prop.name for k in kept):
            raise DeskError(f"A stage asks for {prop.label} once.")
        kept.append(StageProperty(name=prop.name, required=sp.required))
    return kept


# -- one rule each, shared with the pipeline commands ---------------------------------


def stage_label(text: str) -> str:
    return label_of(text, "stage")


def label_of(text: str, what: str) -> str:
    """A label as kept: spaces, tabs and new lines run together into one
    space; anything else a line may not hold is refused (core/text.py)."""
    label = " ".join(text.split())
    if not label:
        raise DeskError(f"A {what} needs a label.")
    return check_line(label, f"The {what} label")


def stage_state(state: StageState | str) -> StageState:
    try:
        return StageState(str(state).strip().lower())
    except ValueError:
        raise DeskError(f"A stage is open or closed; got {state!r}.") from None


def check_stage_label_free(pipeline: Pipeline, label: str, but: Stage | None = None) -> None:
    for s in pipeline.stages:
        if s is not but and s.label.casefold() == label.casefold():
            raise DeskError(f"'{pipeline.label}' has a stage labelled '{s.label}' already "
                            f"(id {s.id}).")


def move_to_position(items: list[T], item: T, position: int, what: str) -> None:
    """S4 and P4: `item` to `position` (1 is first)."""
    if not 1 <= position <= len(items):
        raise DeskError(f"Position {position} is out of range: there are {count(len(items))} "
                        f"{what} (1 to {count(len(items))}).")
    items.remove(item)
    items.insert(position - 1, item)


def actions_moving_into(config: DeskConfig, stage: Stage) -> list[tuple[Stage, Path]]:
    """The stages whose actions move tickets into `stage`, and where. Actions
    added through pipedesk name the stage by id; one written by hand in
    desk.toml may name it by label."""
    names = {stage.id, stage.label.casefold()}
    return [(holder, path) for _, holder, path, action in every_action(config)
            if isinstance(action, SetProperty) and action.property == "stage"
            and action.value.strip().casefold() in names]
