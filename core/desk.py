"""`Desk`: the one way to read and change a desk.

Every surface (screens, command line, later HTTP and mail) calls these
methods with the acting user. A command is one transaction of the store
(core/store/base.py: the writer lock, a catch-up with what other processes
wrote), checks access and the rules, records events through the store
(durable before it returns), applies them, and then tells subscribers. The
desk knows no files: the store does. Settings changes are made on a copy
and saved whole, so a refused rule leaves nothing half-done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from core import access
from core.access import Actor
from core.automation.actions import (
    Action,
    AssignOwner,
    Branch,
    Comment,
    Notify,
    SendEmail,
    SetProperty,
    Webhook,
    every_action,
    path_text,
    sequence_at,
    walk,
)
from core.automation.actions import Path as ActionPath
from core.automation.log import LogItem, automation_log
from core.automation.targets import check_url
from core.automation.templates import Template, check_message, check_template
from core.automation.values import fill_values, placeholders
from core.bulk import gc_paused
from core.clock import Clock, default_clock
from core.errors import DeskError
from core.events import (
    Arrival,
    AutomationRan,
    Changes,
    ContactAdded,
    ContactChanged,
    ContactChanges,
    Entry,
    Event,
    Notice,
    NotificationSent,
    NotificationsRead,
    StagesEdited,
    StepResumed,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
    arrivals,
)
from core.finding import find_pipeline, find_stage
from core.model import (
    DeskConfig,
    Pipeline,
    PropertyDef,
    PropertyType,
    Stage,
    StageProperty,
    StageState,
    User,
    new_desk_config,
)
from core.present import counted
from core.properties import BUILTIN_PROPERTIES, EDITABLE_FIELDS, coerce
from core.records import Contact, Ticket, Value
from core.rules import (
    card_properties_problem,
    check_settings,
    clashes_of,
    label_taken_problem,
    property_label_taken,
    waiting_moves_nowhere,
)
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageProperties,
    SetStageState,
    StageEdit,
    StageEditResult,
    apply_stage_edits,
    label_of,
    move_to_position,
)
from core.state import Delayed, Notification, with_changes
from core.store.base import CatchUp, Store, Transaction
from core.text import check_line, check_text
from core.timeline import TimelineItem, timeline_items

if TYPE_CHECKING:
    from core.automation.courier import Courier
    from core.automation.engine import Engine

R = TypeVar("R")
_COURIER_MADE = threading.Lock()


def _resume(delayed: Delayed, engine: Engine) -> None:
    engine.resume(delayed.step, delayed.id)


Subscriber = Callable[[Notice], None]


@dataclass
class TicketDraft:
    """A ticket to create. `create_date` is for imports (demo data, history
    brought over from elsewhere); a user's new ticket is created now."""

    pipeline: str
    stage: str
    subject: str
    contact: str | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    source: str = "manual"
    create_date: datetime | None = None


class Desk:
    def __init__(self, store: Store, clock: Clock | None = None) -> None:
        """The desk `store` holds (`core.open_desk` opens one in local files)."""
        self._store = store
        self._now = clock or default_clock()
        self._subscribers: list[Subscriber] = []
        self._depth = 0
        self._pending: list[Notice] = []
        # The store's hold around the command running (`_command`).
        self._txn: Transaction | None = None
        # Tickets this command brought into a stage that automation has not
        # seen yet, and while automation runs, the entries it made, written
        # in one go.
        self._arrivals: list[Arrival] = []
        self._buffer: list[Entry] | None = None
        self._engine: Engine | None = None
        self._courier: Courier | None = None
        self._properties: tuple[DeskConfig | None, dict[str, PropertyDef]] = (None, {})
        self._stages: tuple[DeskConfig | None, dict[str, Stage]] = (None, {})
        # While automation runs, its entries share one time (one clock read).
        self._batch_at: datetime | None = None
        self._nested = _Nested(self)
        self.config, self.state = store.open()
        self._created = store.created

    @property
    def store(self) -> Store:
        """Where the desk keeps its data (the surfaces name a local data dir
        to people: `core.store.local.LocalStore.root`)."""
        return self._store

    @property
    def created(self) -> bool:
        """Whether opening made this desk new, where there was none."""
        return self._created

    @property
    def warnings(self) -> list[str]:
        """Things set right while loading that a person should hear of."""
        return self._store.warnings

    def now(self) -> datetime:
        return self._now()

    # -- following changes ----------------------------------------------------

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def refresh(self) -> Notice | None:
        """Apply what other processes wrote since we last looked.

        Cheap when nothing changed (a stat and a short read); a screen calls
        it on a timer to show other agents' moves.
        """
        notice = self._absorb(self._store.catch_up(self.state, self.config))
        self._publish()
        return notice

    def compact(self) -> None:
        """Make the history quick to load now (after a bulk import, say)."""
        with self._writing():
            self._store.compact(self.state)

    def _absorb(self, caught: CatchUp) -> Notice | None:
        if not caught.entries and caught.settings is None:
            return None
        if caught.settings is not None:
            self.config = caught.settings
        notice = Notice(entries=caught.entries, settings=caught.settings is not None,
                        local=False)
        self._pending.append(notice)
        return notice

    def _publish(self) -> None:
        pending, self._pending = self._pending, []
        for notice in pending:
            for subscriber in list(self._subscribers):
                subscriber(notice)

    def _writing(self) -> AbstractContextManager[None]:
        """The store's transaction around a command, and automation after
        it. Inside a command (automation acting) it is held already, and
        joining it again, even through a generator, costs more than the
        change itself: a plain counter does."""
        return self._nested if self._depth else self._command()

    @contextmanager
    def _command(self) -> Iterator[None]:
        self._depth += 1
        try:
            with self._store.transaction(self.state, self.config) as txn:
                self._txn = txn
                self._absorb(txn.caught)
                self._arrivals = []
                try:
                    yield
                finally:
                    self._automate()
        finally:
            self._txn = None
            self._depth -= 1
            self._publish()

    def _transaction(self) -> Transaction:
        assert self._txn is not None, "a change is made inside `_writing`"
        return self._txn

    def _record(self, actor: Actor, events: Sequence[Event],
                settings: DeskConfig | None = None) -> list[Entry]:
        """Record `events` (numbered by the store) and, with them as one
        unit, new `settings`. A command's own entries are durable when this
        returns; automation's wait in `_buffer` for the end of its run."""
        at = self._batch_at or self._now()
        txn = self._transaction()
        entries = txn.record(str(actor), at, events)
        if self._buffer is not None:
            self._buffer.extend(entries)
        elif settings is None:
            txn.commit()
            self._pending.append(Notice(entries=entries))
        else:
            txn.save_settings(settings)
            # The entries are the truth from the moment they are written:
            # this desk shows them even if the settings fail to follow (the
            # store finishes them from the entries, S6).
            self.config = settings
            self._pending.append(Notice(entries=entries))
            self._pending.append(Notice(settings=True))
            self._apply(entries)
            txn.commit()
            return entries
        self._apply(entries)
        return entries

    def _apply(self, entries: list[Entry]) -> None:
        for entry in entries:
            self.state.apply(entry)
            self._arrivals += arrivals(entry.event)

    def _automate(self, start: Callable[[Engine], None] | None = None, depth: int = 0) -> None:
        """Run automation (A4) on what this command did, level by level:
        entries automation makes are looked at again one level deeper. Its
        entries are written together at the end, after the command's own,
        which are durable already. `start` begins elsewhere (a delayed
        step, `depth` levels down)."""
        if self._buffer is not None or not (self._arrivals or start):
            return
        engine = self._automation_engine()
        self._buffer = []
        self._batch_at = self._now()
        # A bulk import sets off thousands of runs, each making entries
        # that hold no cycles: the cycle collector waits (core/bulk.py).
        with gc_paused():
            self._run_automation(engine, start, depth)

    def _run_automation(self, engine: Engine, start: Callable[[Engine], None] | None,
                        depth: int) -> None:
        try:
            if start is not None:
                self._arrivals = []
                start(engine)
                depth += 1
            while self._arrivals:
                level, self._arrivals = self._arrivals, []
                engine.react(level, depth)
                depth += 1
        finally:
            written, self._buffer, self._batch_at = self._buffer, None, None
            self._arrivals = []
            if self._courier is not None:
                self._courier.commit()  # on disk before the log says "queued"
            if written:
                self._transaction().commit()
                self._pending.append(Notice(entries=written))

    def _change_settings(self, actor: Actor, doing: str, change: Callable[[DeskConfig], R],
                         admin_only: bool = True) -> R:
        """Apply `change` to a copy of the settings; save it only if every
        rule still holds. Only administrators change settings, except where
        `admin_only` is False (a comment on an action, A4d)."""
        with self._writing():
            if admin_only:
                access.require_admin(self.config, actor, doing)
            else:
                access.user_of(self.config, actor)
            draft = self.config.model_copy(deep=True)
            result = change(draft)
            problem = check_settings(draft, tolerated=clashes_of(self.config))
            if problem:
                raise DeskError(problem[0].upper() + problem[1:] + ".")
            self._save_settings(draft)
        return result

    def _save_settings(self, draft: DeskConfig) -> None:
        """Write settings checked already, inside `_writing`."""
        txn = self._transaction()
        txn.save_settings(draft)
        txn.commit()
        self.config = draft
        self._pending.append(Notice(settings=True))

    # -- finding things by id or label -----------------------------------------

    def pipeline(self, ref: str, actor: Actor) -> Pipeline:
        return find_pipeline(self._visible_config(actor), ref)

    def stage(self, ref: str, actor: Actor, within: str | None = None) -> tuple[Pipeline, Stage]:
        config = self._visible_config(actor)
        scope = find_pipeline(config, within) if within is not None else None
        return find_stage(config, ref, scope)

    def _stage_or_none(self, stage_id: str) -> Stage | None:
        config = self.config
        if self._stages[0] is not config:
            # As with `property`: the settings' identity keeps the index true.
            self._stages = (config, {s.id: s for p in config.pipelines for s in p.stages})
        return self._stages[1].get(stage_id)

    def _visible_config(self, actor: Actor) -> DeskConfig:
        pipelines = access.visible_pipelines(self.config, actor)
        if len(pipelines) == len(self.config.pipelines):
            return self.config
        return self.config.model_copy(update={"pipelines": pipelines})

    # -- queries ------------------------------------------------------------

    def pipelines(self, actor: Actor) -> list[Pipeline]:
        return access.visible_pipelines(self.config, actor)

    def tickets(
        self, actor: Actor, pipeline: str | None = None, stage: str | None = None
    ) -> list[Ticket]:
        """Visible tickets, oldest first; narrowed to a pipeline and/or stage."""
        p = self.pipeline(pipeline, actor) if pipeline is not None else None
        s = self.stage(stage, actor, within=p.id if p else None)[1] if stage is not None else None
        found = access.visible_tickets(self.config, actor, self.state.tickets.values())
        return [
            t for t in found
            if (p is None or t.pipeline == p.id) and (s is None or t.stage == s.id)
        ]

    def ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        ticket = self.state.tickets.get(str(ticket_id).strip().lstrip("#"))
        if ticket is None or not access.visible_tickets(self.config, actor, [ticket]):
            raise DeskError(f"No ticket #{ticket_id}.")
        return ticket

    def stage_counts(self, pipeline: str, actor: Actor) -> dict[str, int]:
        """Tickets per stage of one pipeline, every stage present."""
        p = self.pipeline(pipeline, actor)
        counts = {s.id: 0 for s in p.stages}
        for t in access.visible_tickets(self.config, actor, self.state.tickets.values()):
            if t.pipeline == p.id and t.stage in counts:
                counts[t.stage] += 1
        return counts

    def contacts(self, actor: Actor) -> list[Contact]:
        access.user_of(self.config, actor)
        return sorted(self.state.contacts.values(), key=lambda c: c.email.casefold())

    def contact(self, email: str, actor: Actor) -> Contact:
        access.user_of(self.config, actor)
        found = self.state.contacts.get(email.strip().casefold())
        if found is None:
            raise DeskError(f"No contact {email!r}; add the contact first.")
        return found

    def properties(self, actor: Actor, archived: bool = False) -> list[PropertyDef]:
        access.user_of(self.config, actor)
        custom = [p for p in self.config.properties if archived or not p.archived]
        return [*BUILTIN_PROPERTIES, *custom]

    def property(self, name: str) -> PropertyDef:
        config = self.config
        if self._properties[0] is not config:
            # Settings are replaced whole on change, so their identity says
            # whether this index is still right (automation asks per action).
            self._properties = (config, {p.name: p for p in (*BUILTIN_PROPERTIES,
                                                             *config.properties)
                                         if not p.archived})
        found = self._properties[1].get(name.strip().casefold())
        if found is not None:
            return found
        known = ", ".join(p.name for p in self.properties(access.AUTOMATION) if not p.read_only)
        raise DeskError(f"No property {name!r}. Properties you can set: {known}.")

    def timeline(self, ticket_id: str, actor: Actor) -> list[TimelineItem]:
        """T7: every change of the ticket, oldest first."""
        ticket = self.ticket(ticket_id, actor)
        return timeline_items(self.config, self._store.newest_entries(ticket=ticket.id), ticket.id)

    # -- pipelines ------------------------------------------------------------

    def create_pipeline(self, label: str, actor: Actor) -> Pipeline:
        """P2: a new pipeline starts with the four default stages."""
        label = label_of(label, "pipeline")

        def change(config: DeskConfig) -> Pipeline:
            _check_pipeline_label_free(config, label)
            template = new_desk_config().pipelines[0]
            pipeline = Pipeline(
                id=_take_id(config), label=label,
                stages=[Stage(id=_take_id(config), label=s.label, state=s.state)
                        for s in template.stages],
            )
            config.pipelines.append(pipeline)
            return pipeline

        return self._change_settings(actor, "create pipelines", change)

    def rename_pipeline(self, ref: str, label: str, actor: Actor) -> Pipeline:
        label = label_of(label, "pipeline")

        def change(config: DeskConfig) -> Pipeline:
            pipeline = find_pipeline(config, ref)
            _check_pipeline_label_free(config, label, but=pipeline)
            pipeline.label = label
            return pipeline

        return self._change_settings(actor, "rename pipelines", change)

    def reorder_pipeline(self, ref: str, position: int, actor: Actor) -> Pipeline:
        """P4: move a pipeline to `position` (1 is first)."""

        def change(config: DeskConfig) -> Pipeline:
            pipeline = find_pipeline(config, ref)
            move_to_position(config.pipelines, pipeline, position, "pipelines")
            return pipeline

        return self._change_settings(actor, "reorder pipelines", change)

    def delete_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        """P5: refused while it holds tickets, and for the last pipeline."""

        def change(config: DeskConfig) -> Pipeline:
            pipeline = self._deletable_pipeline(config, ref)
            config.pipelines.remove(pipeline)
            return pipeline

        return self._change_settings(actor, "delete pipelines", change)

    def check_delete_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        """What `delete_pipeline` would refuse now (P5, who may), raised the
        same way, deleting nothing: a screen asks before it asks the user
        to confirm, so a pipeline that cannot go is refused first."""
        access.require_admin(self.config, actor, "delete pipelines")
        return self._deletable_pipeline(self.config, ref)

    def _deletable_pipeline(self, config: DeskConfig, ref: str) -> Pipeline:
        pipeline = find_pipeline(config, ref)
        held = sum(1 for t in self.state.tickets.values() if t.pipeline == pipeline.id)
        if held:
            raise DeskError(
                f"Pipeline '{pipeline.label}' holds {counted(held, 'ticket')}; move "
                f"{_them(held)} to another pipeline or delete {_them(held)} first."
            )
        if len(config.pipelines) == 1:
            raise DeskError(f"Pipeline '{pipeline.label}' is the last pipeline; "
                            "a desk needs at least one.")
        return pipeline

    def set_close_date_rule(self, ref: str, on: bool, actor: Actor) -> Pipeline:
        """T3 / A2: the per-pipeline close-date switch."""
        return self._switch_automation(ref, actor, close_date=on)

    # -- stages ---------------------------------------------------------------

    def edit_stages(self, pipeline_ref: str, edits: Sequence[StageEdit],
                    actor: Actor) -> StageEditResult:
        """S8: apply stage edits together, in order, all or nothing.

        Without deletions the edits are new settings alone. With them, the
        tickets' moves and the new stages are one entry, committed with the
        settings as one unit (the local store writes the journal line first
        and finishes desk.toml from it after a crash)."""
        with self._writing():
            draft, result = self._draft_stage_edits(pipeline_ref, edits, actor)
            if not result.deleted:
                self._save_settings(draft)
                return result
            self._record(actor, [StagesEdited(
                pipeline=result.pipeline.id, deleted=result.deleted, moved=result.moved,
                stages=[s.model_dump(mode="json", by_alias=True) for s in result.pipeline.stages],
                next_id=draft.next_id)], settings=draft)
            return result

    def preview_stage_edits(self, pipeline_ref: str, edits: Sequence[StageEdit],
                            actor: Actor) -> StageEditResult:
        """What `edit_stages` would make of `edits` now, saving nothing: the
        stage editor shows its unsaved edits, and refuses a wrong one at
        once, with the very rules Save applies."""
        return self._draft_stage_edits(pipeline_ref, edits, actor)[1]

    def _draft_stage_edits(self, pipeline_ref: str, edits: Sequence[StageEdit],
                           actor: Actor) -> tuple[DeskConfig, StageEditResult]:
        access.require_admin(self.config, actor, "change stages")
        draft = self.config.model_copy(deep=True)
        pipeline = find_pipeline(draft, pipeline_ref)
        result = apply_stage_edits(draft, pipeline, edits, self.state.tickets, self.property,
                                   _move_changes, self._now(), _take_id)
        problem = check_settings(draft, tolerated=clashes_of(self.config))
        if problem:
            raise DeskError(problem[0].upper() + problem[1:] + ".")
        self._check_waiting_delays(draft, result)
        return draft, result

    def _check_waiting_delays(self, draft: DeskConfig, result: StageEditResult) -> None:
        """S6 for automation's waiting steps: a stage a delay still waiting
        will move its ticket into is not deleted (as with the actions that
        move tickets there, so no automation is left pointing nowhere)."""

        def stage_of(ticket_id: str) -> str | None:
            moved = result.moved.get(ticket_id, {})
            if "stage" in moved:
                return str(moved["stage"][1])
            ticket = self.state.tickets.get(ticket_id)
            return ticket.stage if ticket is not None else None

        for stranded in waiting_moves_nowhere(draft, self.state.delayed.values(), stage_of):
            step = stranded.delay.step
            waits_in = self._stage_or_none(step.stage)
            where = waits_in.label if waits_in is not None else step.stage
            into = result.deleted.get(stranded.target, stranded.target)
            raise DeskError(f"Ticket #{stranded.ticket} waits in '{where}' for a delay after "
                            f"which it moves into '{into}'; move the ticket out of '{where}' "
                            "first (the delay then does nothing), or keep the stage.")

    def _edit_stage(self, ref: str, edit: Callable[[str], StageEdit], actor: Actor) -> Stage:
        """One edit of one stage, named by id or label anywhere in the desk."""
        pipeline, stage = find_stage(self.config, ref)
        result = self.edit_stages(pipeline.id, [edit(stage.id)], actor)
        return result.pipeline.stage(stage.id) or stage

    def add_stage(self, pipeline_ref: str, label: str, state: StageState | str,
                  actor: Actor) -> Stage:
        """S1: added at the end of the pipeline's stages."""
        result = self.edit_stages(pipeline_ref, [AddStage("new", label, state)], actor)
        return result.stage("new")

    def rename_stage(self, ref: str, label: str, actor: Actor) -> Stage:
        """S3: the internal id stays."""
        return self._edit_stage(ref, lambda sid: RenameStage(sid, label), actor)

    def reorder_stage(self, ref: str, position: int, actor: Actor) -> Stage:
        """S4: move a stage to `position` (1 is first) within its pipeline."""
        return self._edit_stage(ref, lambda sid: MoveStage(sid, position), actor)

    def set_stage_state(self, ref: str, state: StageState | str, actor: Actor) -> Stage:
        """Switch Open/Closed; S2 refuses leaving no Open or no Closed stage.
        Tickets already in the stage keep their close date (T3 acts on moves)."""
        return self._edit_stage(ref, lambda sid: SetStageState(sid, state), actor)

    def delete_stage(self, ref: str, actor: Actor, move_to: str | None = None) -> Stage:
        """S6: its tickets move to `move_to` (same pipeline) in the same step."""
        pipeline, stage = find_stage(self.config, ref)
        self.edit_stages(pipeline.id, [DeleteStage(stage.id, move_to)], actor)
        return stage

    def set_stage_property(self, stage_ref: str, name: str, actor: Actor,
                           required: bool | None = None) -> Stage:
        """S7: the stage asks for `name` (added at the end, optional unless
        `required`), or its required flag changes to `required`; None keeps
        the flag of a property the stage asks for already, so adding it again
        never quietly makes a required one optional. Nothing is written when
        nothing changes. Read-only and calculated properties are refused."""
        prop = self.property(name)
        _, stage = find_stage(self.config, stage_ref)
        chosen = [sp.model_copy() for sp in stage.properties]
        found = next((sp for sp in chosen if sp.name == prop.name), None)
        if found is None:
            chosen.append(StageProperty(name=prop.name, required=bool(required)))
        elif required is None or found.required == required:
            access.require_admin(self.config, actor, "change stages")
            return stage
        else:
            found.required = required
        return self._edit_stage(stage_ref, lambda sid: SetStageProperties(sid, tuple(chosen)),
                                actor)

    def remove_stage_property(self, stage_ref: str, name: str, actor: Actor) -> Stage:
        _, stage = find_stage(self.config, stage_ref)
        kept = tuple(sp for sp in stage.properties if sp.name != name.strip().casefold())
        if len(kept) == len(stage.properties):
            raise DeskError(f"Stage '{stage.label}' does not ask for '{name}'.")
        return self._edit_stage(stage_ref, lambda sid: SetStageProperties(sid, kept), actor)

    # -- properties -----------------------------------------------------------

    def create_property(self, name: str, type: PropertyType | str, actor: Actor,
                        label: str | None = None, options: Sequence[str] = ()) -> PropertyDef:
        try:
            prop_type = PropertyType(type)
        except ValueError:
            kinds = ", ".join(t.value for t in PropertyType)
            raise DeskError(f"No property type {type!r}. Types: {kinds}.") from None
        chosen = _options([" ".join(o.split()) for o in options]) \
            if prop_type is PropertyType.CHOICE else list(options)
        if chosen and prop_type is not PropertyType.CHOICE:
            raise DeskError(f"Only a choice property has options; this one is {prop_type.value}.")
        chosen_label = (label_of(label, "property") if label and label.strip()
                        else name.replace("_", " ").capitalize())

        def change(config: DeskConfig) -> PropertyDef:
            if any(p.name == name for p in (*BUILTIN_PROPERTIES, *config.properties)):
                raise DeskError(f"A property named '{name}' exists already.")
            _check_property_label_free(config, chosen_label)
            try:
                prop = PropertyDef(name=name, label=chosen_label, type=prop_type,
                                   options=chosen)
            except ValueError:
                raise DeskError(f"Property name {name!r} must start with a letter and hold only "
                                "lower-case letters, digits and _.") from None
            config.properties.append(prop)
            return prop

        return self._change_settings(actor, "create properties", change)

    def edit_property(self, name: str, actor: Actor, label: str | None = None,
                      options: Sequence[str] | None = None) -> PropertyDef:
        """Change a custom property's label, or a choice property's options.

        Its name and type stay: integrations and automation refer to the
        name, and the values on tickets were checked against the type. A
        value whose option is taken away stays on its tickets as it is."""
        new_label = label_of(label, "property") if label is not None else None
        chosen = [" ".join(o.split()) for o in options] if options is not None else None

        def change(config: DeskConfig) -> PropertyDef:
            if any(p.name == name for p in BUILTIN_PROPERTIES):
                raise DeskError(f"'{name}' is a built-in property; it cannot be changed.")
            prop = next((p for p in config.properties if p.name == name and not p.archived),
                        None)
            if prop is None:
                raise DeskError(f"No custom property '{name}' to change.")
            if new_label is not None:
                _check_property_label_free(config, new_label, but=prop.name)
                prop.label = new_label
            if chosen is not None:
                if prop.type is not PropertyType.CHOICE:
                    raise DeskError(f"'{name}' is a {prop.type.value} property; only a choice "
                                    "property has options.")
                prop.options = _options(chosen)
            return prop

        return self._change_settings(actor, "change properties", change)

    def archive_property(self, name: str, actor: Actor) -> PropertyDef:
        """Archive a custom property: its values stay on tickets, it is no
        longer offered. Built-in ones cannot be archived; one a stage asks
        for or a board shows must be taken off there first."""

        def change(config: DeskConfig) -> PropertyDef:
            if any(p.name == name for p in BUILTIN_PROPERTIES):
                raise DeskError(f"'{name}' is a built-in property; it cannot be archived.")
            prop = next((p for p in config.properties if p.name == name and not p.archived),
                        None)
            if prop is None:
                raise DeskError(f"No custom property '{name}' to archive.")
            for pipeline in config.pipelines:
                if name in pipeline.card_properties:
                    raise DeskError(f"The cards of '{pipeline.label}' show '{name}'; take it "
                                    "off the cards first.")
                for stage in pipeline.stages:
                    if any(sp.name == name for sp in stage.properties):
                        raise DeskError(f"Stage '{stage.label}' of '{pipeline.label}' asks for "
                                        f"'{name}'; remove it from the stage first.")
            for _, stage, path, action in every_action(config):
                if isinstance(action, Branch | SetProperty) and action.property == name:
                    raise DeskError(f"Action {path_text(path)} of stage '{stage.label}' uses "
                                    f"'{name}'; change or remove that action first.")
            prop.archived = True
            return prop

        return self._change_settings(actor, "archive properties", change)

    def set_card_properties(self, pipeline_ref: str, names: Sequence[str],
                            actor: Actor) -> Pipeline:
        """P7: the properties a pipeline's cards show, in order."""
        chosen = [self.property(n).name for n in names]
        problem = card_properties_problem(chosen)
        if problem:
            raise DeskError(problem)

        def change(config: DeskConfig) -> Pipeline:
            pipeline = find_pipeline(config, pipeline_ref)
            pipeline.card_properties = chosen
            return pipeline

        return self._change_settings(actor, "choose card properties", change)

    # -- automation settings (A2, A4, A5; only administrators, A4e) ----------------

    def set_chat_rule(self, ref: str, on: bool, actor: Actor) -> Pipeline:
        """A5: whether chat and messenger tickets run stage automation."""
        return self._switch_automation(ref, actor, include_chat=on)

    def _switch_automation(self, ref: str, actor: Actor, **switch: bool) -> Pipeline:
        def change(config: DeskConfig) -> Pipeline:
            pipeline = find_pipeline(config, ref)
            pipeline.automation = pipeline.automation.model_copy(update=switch)
            return pipeline

        return self._change_settings(actor, "change automation", change)

    def add_action(self, pipeline_ref: str, stage_ref: str, action: Action, actor: Actor,
                   at: ActionPath | None = None) -> ActionPath:
        """A4: add `action` to a stage's sequence, at `at` (default: the end)."""

        def change(config: DeskConfig) -> ActionPath:
            pipeline, stage = self._automated_stage(config, pipeline_ref, stage_ref)
            checked = self._check_action(pipeline, action)
            if at is None:
                stage.actions.append(checked)
                return (len(stage.actions) - 1,)
            holder, index = _action_slot(stage, at, insert=True)
            holder.insert(index, checked)
            return at

        return self._change_settings(actor, "change automation", change)

    def edit_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath,
                    action: Action, actor: Actor) -> Action:
        """A4d: replace the action at `path`; its comments stay with it."""

        def change(config: DeskConfig) -> Action:
            pipeline, stage = self._automated_stage(config, pipeline_ref, stage_ref)
            holder, index = _action_slot(stage, path)
            checked = self._check_action(pipeline, action)
            old = holder[index]
            kept = checked.model_copy(update={"comments": old.comments})
            if isinstance(old, Branch) and isinstance(kept, Branch) and not (
                    kept.then or kept.otherwise):
                kept = kept.model_copy(update={"then": old.then, "otherwise": old.otherwise})
            holder[index] = kept
            return kept

        return self._change_settings(actor, "change automation", change)

    def remove_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, actor: Actor,
                      and_after: bool = False) -> list[Action]:
        """A4d: delete only this action, or this one and all after it (in
        its own sequence)."""

        def change(config: DeskConfig) -> list[Action]:
            _, stage = self._automated_stage(config, pipeline_ref, stage_ref)
            holder, index = _action_slot(stage, path)
            removed = holder[index:] if and_after else [holder[index]]
            del holder[index:index + len(removed)]
            return removed

        return self._change_settings(actor, "change automation", change)

    def move_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, offset: int,
                    actor: Actor) -> ActionPath:
        """Move an action up (-1) or down (+1) within its sequence."""

        def change(config: DeskConfig) -> ActionPath:
            _, stage = self._automated_stage(config, pipeline_ref, stage_ref)
            holder, index = _action_slot(stage, path)
            target = index + offset
            if not 0 <= target < len(holder):
                raise DeskError("The action is at the end of its sequence already.")
            holder.insert(target, holder.pop(index))
            return (*path[:-1], target)

        return self._change_settings(actor, "change automation", change)

    def comment_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, text: str,
                       actor: Actor) -> Comment:
        """A4d: any user may comment on an action (a note to colleagues; it
        changes nothing the action does, so A4e does not apply)."""
        words = check_text(text.strip(), "A comment")
        if not words:
            raise DeskError("A comment needs some text.")

        def change(config: DeskConfig) -> Comment:
            user = access.user_of(config, actor)
            comment = Comment(author=user.name if user else str(actor), at=self._now(),
                              text=words)
            _, stage = self._automated_stage(config, pipeline_ref, stage_ref)
            holder, index = _action_slot(stage, path)
            holder[index].comments.append(comment)
            return comment

        return self._change_settings(actor, "comment on actions", change, admin_only=False)

    def templates(self, actor: Actor) -> list[Template]:
        """A4a: the email templates, the built-in ones first."""
        access.user_of(self.config, actor)
        return list(self.config.templates)

    def save_template(self, template: Template, actor: Actor,
                      replacing: str | None = None) -> Template:
        """A4a: add a template, or replace the one named `replacing`. A
        built-in one may be edited but keeps its name. It must read and use
        only placeholders the desk fills in."""
        check_template(template, placeholders(self.config))

        def change(config: DeskConfig) -> Template:
            old = config.template(replacing) if replacing is not None else None
            if replacing is not None and old is None:
                raise DeskError(f"No template {replacing!r}.")
            clash = config.template(template.name)
            if clash is not None and clash is not old:
                raise DeskError(f"A template named '{clash.name}' exists already.")
            saved = template.model_copy(update={"builtin": bool(old and old.builtin)})
            if old is not None:
                if old.builtin and saved.name != old.name:
                    raise DeskError(f"'{old.name}' is a built-in template; its name stays.")
                config.templates[config.templates.index(old)] = saved
                _rename_template_uses(config, old.name, saved.name)
            else:
                config.templates.append(saved)
            return saved

        return self._change_settings(actor, "change automation", change)

    def delete_template(self, name: str, actor: Actor) -> Template:
        def change(config: DeskConfig) -> Template:
            template = config.template(name)
            if template is None:
                raise DeskError(f"No template {name!r}.")
            if template.builtin:
                raise DeskError(f"'{template.name}' is a built-in template; edit it instead.")
            for pipeline, stage, _ in _sending(config, template.name):
                raise DeskError(f"Stage '{stage.label}' of '{pipeline.label}' sends "
                                f"'{template.name}'; remove that action first.")
            config.templates.remove(template)
            return template

        return self._change_settings(actor, "change automation", change)

    def _automated_stage(self, config: DeskConfig, pipeline_ref: str,
                         stage_ref: str) -> tuple[Pipeline, Stage]:
        return find_stage(config, stage_ref, find_pipeline(config, pipeline_ref))

    def _check_action(self, pipeline: Pipeline, action: Action) -> Action:
        """Refuse an action that names what the desk does not have; return it
        with the stage it moves tickets to, and the users and teams it
        names, named by id, so that renaming them (S3, a user's new name)
        keeps the action working."""
        action = action.model_copy(deep=True)
        for _, one in walk([action]):
            if isinstance(one, SetProperty) and one.property == "stage":
                one.value = find_stage(self.config, one.value, pipeline)[1].id
                continue
            for what, text in _action_texts(one):
                check_line(text, what)
            match one:
                case SendEmail(template=name) if self.config.template(name) is None:
                    known = ", ".join(t.name for t in self.config.templates)
                    raise DeskError(f"No template {name!r}. Templates: {known}.")
                case Notify(user=user, team=team) | AssignOwner(user=user, team=team):
                    if user is not None:
                        one.user = str(coerce(self.property("owner"), user, self.config))
                    if team is not None:
                        one.team = str(coerce(self.property("team"), team, self.config))
                    if isinstance(one, Notify):
                        check_message(one.message, placeholders(self.config))
                case Webhook(url=url):
                    check_url(url, self.config.webhooks.allow)
                case SetProperty(property=name, value=value):
                    prop = self.property(name)
                    if prop.read_only:
                        raise DeskError(f"{prop.label} is read-only: pipedesk sets it.")
                    coerce(prop, value, self.config)
                case Branch(property=name):
                    self.property(name)
        return action

    # -- automation at work (the engine calls these) --------------------------------

    def record_automation(self, event: Event) -> None:
        self._record(access.AUTOMATION, [event])

    def value_of(self, ticket: Ticket, name: str) -> Value:
        return _value(ticket, name)

    def team_members(self, team: str) -> list[str]:
        team_id = coerce(self.property("team"), team, self.config)
        found = next(t for t in self.config.teams if t.id == team_id)
        return list(found.members)

    def notification_recipients(self, action: Notify, ticket: Ticket) -> list[str]:
        if action.owner:
            return [ticket.owner] if ticket.owner else []
        if action.team is not None:
            return self.team_members(action.team)
        return [str(coerce(self.property("owner"), action.user, self.config))]

    def queue_email(self, ticket: Ticket, template_name: str,
                    trace: Mapping[str, str]) -> tuple[str, str]:
        """A4a: fill in the template for the ticket's contact and put the
        message in the outbox; (result, detail) for the log."""
        template = self.config.template(template_name)
        if template is None:
            raise DeskError(f"No template {template_name!r}.")
        contact = self.state.contacts.get((ticket.contact or "").casefold())
        if contact is None:
            return "skipped", "the ticket has no contact to email"
        if not template.transactional and not contact.marketing:
            return "skipped", (f"'{template.name}' is not transactional and {contact.email} "
                               "is not a marketing contact")
        # A template edited by hand in desk.toml was not checked on saving.
        check_template(template, placeholders(self.config))
        # Filled in outside the writer lock, with limits (Courier.deliver):
        # a template that loops for ever must not stop the desk.
        values = fill_values(self.config, ticket, contact, self._now())
        self.courier().queue_email(template, contact, values, self._now(), trace)
        where = "for SMTP" if self.config.mail.smtp else "for the outbox"
        return "queued", f"'{template.name}' to {contact.email}, {where}"

    def queue_notification(self, ticket: Ticket, users: list[str], message: str,
                           trace: Mapping[str, str]) -> tuple[str, str]:
        """A4b: a notification whose message is a template, filled in like
        an email's (outside the lock, with limits); (result, detail)."""
        check_message(message, placeholders(self.config))
        contact = self.state.contacts.get((ticket.contact or "").casefold())
        values = fill_values(self.config, ticket, contact, self._now())
        self.courier().queue_notification(users, message, values, trace)
        return "queued", f"for {', '.join(users)}, once its message is filled in"

    def queue_webhook(self, url: str, payload: dict[str, Any], trace: Mapping[str, str]) -> None:
        self.courier().queue_webhook(url, payload, trace)

    def courier(self) -> Courier:
        """Mail and webhooks on their way out (the store's spools). The TUI
        delivers from a thread: one courier must serve both, since what
        automation stages is committed on the object that staged it."""
        with _COURIER_MADE:
            if self._courier is None:
                from core.automation.courier import Courier

                self._courier = Courier(self._store.mail_spools())
            return self._courier

    def run_due_steps(self) -> int:
        """Run the delayed steps (A4c) whose time has come: each once, in
        whichever process gets here first (the writer lock and the journal
        see to that). Returns how many ran. Steps other processes stored are
        known after `refresh` (the TUI's timer, a worker's round)."""
        now = self._now()
        # What this process knows is enough to decide: under the lock below
        # the desk catches up, and steps another process took are gone.
        if not any(d.step.due <= now for d in self.state.delayed.values()):
            return 0
        ran = 0
        with self._writing():
            for delayed in sorted(self.state.delayed.values(), key=lambda d: d.step.due):
                if delayed.step.due > now or delayed.id not in self.state.delayed:
                    continue
                self._record(access.AUTOMATION, [StepResumed(step=delayed.id)])
                self._automate(partial(_resume, delayed), delayed.step.depth)
                ran += 1
        return ran

    def record_deliveries(self, deliveries: Sequence[AutomationRan | NotificationSent]) -> None:
        """Log how mail and webhooks handed on earlier went (A6), and record
        the notifications whose message was filled in meanwhile (A4b)."""
        if deliveries:
            with self._writing():
                self._record(access.AUTOMATION, deliveries)

    def _automation_engine(self) -> Engine:
        if self._engine is None:
            from core.automation.engine import Engine

            self._engine = Engine(self)
        return self._engine

    # -- notifications (A4b) and the automation log (A6) ---------------------------

    def notifications(self, actor: Actor) -> list[Notification]:
        """The actor's notifications, newest first."""
        user = access.user_of(self.config, actor)
        if user is None:
            return []
        mine = [n for n in self.state.notifications.values() if user.id in n.users]
        return sorted(mine, key=lambda n: n.id, reverse=True)

    def unread_count(self, actor: Actor) -> int:
        user = access.user_of(self.config, actor)
        return self.state.unread_counts.get(user.id, 0) if user else 0

    def is_unread(self, notification: Notification, actor: Actor) -> bool:
        return notification.id > self.state.read_upto.get(actor.id, 0)

    def mark_notifications_read(self, actor: Actor) -> int:
        """Mark every notification the actor has as read; returns how many
        were unread."""
        with self._writing():
            user = access.user_of(self.config, actor)
            if user is None:
                return 0
            unread = self.state.unread(user.id)
            if unread:
                self._record(actor, [NotificationsRead(user=user.id,
                                                       upto=max(n.id for n in unread))])
            return len(unread)

    def automation_log(self, actor: Actor, pipeline: str | None = None,
                       ticket: str | None = None, limit: int | None = None) -> list[LogItem]:
        """A6: every action run (or the newest `limit`), newest first, of the
        tickets the actor may see."""
        scope = self.pipeline(pipeline, actor).id if pipeline is not None else None
        wanted = self.ticket(ticket, actor).id if ticket is not None else None
        visible = {p.id for p in self.pipelines(actor)}
        return automation_log(self.config, self._store, visible, scope, wanted, limit)

    # -- users ----------------------------------------------------------------

    def add_users(self, users: Sequence[User], actor: Actor) -> list[User]:
        """U1 (the settings screen for users comes later; demo data uses it)."""

        for user in users:
            check_line(user.name, "A user's name")

        def change(config: DeskConfig) -> list[User]:
            config.users.extend(u.model_copy() for u in users)
            return list(users)

        return self._change_settings(actor, "add users", change)

    # -- contacts ---------------------------------------------------------------

    def add_contact(self, email: str, actor: Actor, name: str = "",
                    marketing: bool = False) -> Contact:
        return self.add_contacts([Contact(email=email, name=name, marketing=marketing)], actor)[0]

    def add_contacts(self, contacts: Sequence[Contact], actor: Actor) -> list[Contact]:
        """Add contacts in one journal write; refused whole if one is wrong."""
        with self._writing():
            access.user_of(self.config, actor)
            seen: set[str] = set()
            added = []
            for c in contacts:
                email = normalise_email(c.email)
                if email.casefold() in self.state.contacts or email.casefold() in seen:
                    raise DeskError(f"A contact with email {email!r} exists already.")
                seen.add(email.casefold())
                added.append(Contact(email=email, name=_contact_name(c.name),
                                     marketing=c.marketing))
            self._record(actor, [ContactAdded(contact=c) for c in added])
            return added

    def edit_contact(self, email: str, actor: Actor, name: str | None = None,
                     marketing: bool | None = None) -> Contact:
        """Change a contact's name and/or marketing flag (None leaves it as
        it is), checked as `add_contact` checks them. The email stays: it
        is the contact's identity, and tickets name their contact by it.
        Recorded as `contact.changed`, with who, when and from what."""
        with self._writing():
            contact = self.contact(email, actor)
            if name is None and marketing is None:
                raise DeskError("Give a new name or marketing flag; nothing changed.")
            changes = ContactChanges()
            if name is not None and _contact_name(name) != contact.name:
                changes.name = (contact.name, _contact_name(name))
            if marketing is not None and marketing != contact.marketing:
                changes.marketing = (contact.marketing, marketing)
            if changes.name is None and changes.marketing is None:
                return contact
            self._record(actor, [ContactChanged(contact=contact.email, changes=changes)])
            return self.state.contacts[contact.email.casefold()]

    def tickets_per_contact(self, actor: Actor) -> dict[str, int]:
        """How many of the tickets `actor` may see name each contact, by
        the contact's email folded to lower case (contacts with none are
        left out)."""
        counts: dict[str, int] = {}
        for t in access.visible_tickets(self.config, actor, self.state.tickets.values()):
            if t.contact:
                key = t.contact.casefold()
                counts[key] = counts.get(key, 0) + 1
        return counts

    def find_contacts(self, text: str, actor: Actor) -> list[Contact]:
        """Contacts whose name or email holds `text` (any case), those
        whose name or email starts with it first, then by email: what a
        picker offers as a person types."""
        needle = text.strip().casefold()
        found = [c for c in self.contacts(actor)
                 if needle in c.email.casefold() or needle in c.name.casefold()]
        return sorted(found, key=lambda c: not (c.email.casefold().startswith(needle)
                                                or c.name.casefold().startswith(needle)))

    # -- tickets ------------------------------------------------------------

    def create_ticket(self, actor: Actor, pipeline: str, stage: str, subject: str,
                      contact: str | None = None, values: Mapping[str, Any] | None = None,
                      source: str = "manual") -> Ticket:
        """T1; S7's required properties for the stage must be in `values`."""
        draft = TicketDraft(pipeline, stage, subject, contact, values or {}, source)
        return self.create_tickets([draft], actor)[0]

    def create_tickets(self, drafts: Sequence[TicketDraft], actor: Actor) -> list[Ticket]:
        """Create several tickets in one journal write (imports, demo data);
        refused whole if any one of them breaks a rule."""
        with self._writing():
            now = self._now()
            next_id = self.state.last_ticket_id
            events: list[Event] = []
            for draft in drafts:
                pipeline, stage = find_stage(self._editable_config(actor), draft.stage,
                                             self._editable_pipeline(draft.pipeline, actor))
                subject = check_line(draft.subject.strip(), "Subject")
                if not subject:
                    raise DeskError("A ticket needs a subject.")
                next_id += 1
                created = draft.create_date or now
                ticket = Ticket(id=str(next_id), pipeline=pipeline.id, stage=stage.id,
                                subject=subject, source=draft.source, create_date=created,
                                last_activity=created)
                values = dict(draft.values)
                if draft.contact is not None:
                    values["contact"] = draft.contact
                for name, (_, after) in self._value_changes(ticket, values).items():
                    _set(ticket, name, after)
                self._check_stage_properties(actor, ticket, stage, given=values)
                if pipeline.automation.close_date and not stage.is_open:
                    ticket.close_date = now
                events.append(TicketCreated(ticket=ticket))
            self._record(actor, events)
            return [e.ticket for e in events if isinstance(e, TicketCreated)]

    def move_ticket(self, ticket_id: str, stage: str, actor: Actor,
                    pipeline: str | None = None,
                    values: Mapping[str, Any] | None = None) -> Ticket:
        """T2: to another stage, or to a stage of another pipeline. A user's
        move asks for the target stage's properties (S7); T3 sets or clears
        the close date."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            scope = self._editable_pipeline(pipeline if pipeline is not None
                                            else ticket.pipeline, actor)
            # Without a pipeline named, a stage id of another pipeline moves
            # the ticket there (T2); a label is looked for in its own.
            target_pipeline, target = find_stage(self._editable_config(actor), stage, scope,
                                                 ids_anywhere=pipeline is None)
            values = dict(values or {})
            changes = self._value_changes(ticket, values)
            probe = with_changes(ticket, changes)
            self._check_stage_properties(actor, probe, target, given=values)
            moves = _move_changes(self.config, ticket, target_pipeline, target, self._now())
            changes.update(moves)
            if changes:
                self._record(actor, [TicketChanged(ticket=ticket.id, changes=changes)])
            return ticket

    def edit_ticket(self, ticket_id: str, values: Mapping[str, Any], actor: Actor) -> Ticket:
        """T4: set properties; an empty value clears one."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            if not values:
                raise DeskError("Name at least one property to set, as NAME=VALUE.")
            changes = self._value_changes(ticket, values)
            if "subject" in changes and not changes["subject"][1]:
                raise DeskError("A ticket needs a subject; it cannot be emptied.")
            stage = self._stage_or_none(ticket.stage)
            if stage is not None and stage.properties:
                probe = with_changes(ticket, changes)
                for sp in stage.properties:
                    if sp.required and sp.name in changes and _value(probe, sp.name) is None:
                        raise DeskError(f"Stage '{stage.label}' requires "
                                        f"{self.property(sp.name).label}; it cannot be emptied.")
            if changes:
                self._record(actor, [TicketChanged(ticket=ticket.id, changes=changes)])
            return ticket

    def delete_ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        """T5 (the surfaces ask for confirmation first)."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            self._record(actor, [TicketDeleted(ticket=ticket.id, subject=ticket.subject)])
            return ticket

    # -- ticket helpers -------------------------------------------------------

    def _editable_config(self, actor: Actor) -> DeskConfig:
        editable = [p for p in self.config.pipelines
                    if access.may_edit_pipeline(self.config, actor, p)]
        if len(editable) == len(self.config.pipelines):
            return self.config
        return self.config.model_copy(update={"pipelines": editable})

    def _editable_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        return find_pipeline(self._editable_config(actor), ref)

    def _editable_ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        if actor.kind == "automation":
            # Automation acts on every pipeline; it names tickets by id.
            found = self.state.tickets.get(ticket_id)
            if found is None:
                raise DeskError(f"No ticket #{ticket_id}.")
            return found
        ticket = self.ticket(ticket_id, actor)
        pipeline = find_pipeline(self.config, ticket.pipeline)
        if not access.may_edit_pipeline(self.config, actor, pipeline):
            raise DeskError(f"You may view but not change tickets in '{pipeline.label}'.")
        return ticket

    def _value_changes(self, ticket: Ticket, values: Mapping[str, Any]) -> Changes:
        """Typed, checked changes for `values` (NAME -> raw value)."""
        changes: Changes = {}
        for raw_name, raw in values.items():
            prop = self.property(raw_name)
            if prop.read_only:
                moved = prop.name in ("stage", "pipeline")
                hint = " Move the ticket to change it." if moved else ""
                raise DeskError(f"{prop.label} is read-only: pipedesk sets it.{hint}")
            if prop.name == "contact":
                value: Value = self._contact_email(raw)
            else:
                value = coerce(prop, raw, self.config)
            before = _value(ticket, prop.name)
            if value != before:
                changes[prop.name] = [before, value]
        return changes

    def _contact_email(self, raw: Any) -> str | None:
        if raw is None or str(raw).strip() == "":
            return None
        found = self.state.contacts.get(str(raw).strip().casefold())
        if found is None:
            raise DeskError(f"No contact {str(raw).strip()!r}; add the contact first.")
        return found.email

    def _check_stage_properties(self, actor: Actor, ticket: Ticket, stage: Stage,
                                given: Mapping[str, Any]) -> None:
        """S7: a user's create or move needs the stage's required properties."""
        if actor.kind != "user":
            return
        missing = [self.property(sp.name).label for sp in stage.properties
                   if sp.required and _value(ticket, sp.name) in (None, "")]
        if missing:
            raise DeskError(f"Stage '{stage.label}' requires {_and(missing)}; "
                            "give a value to go on.")


class _Nested:
    """A command called from inside another (see `Desk._writing`)."""

    __slots__ = ("desk",)

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    def __enter__(self) -> None:
        self.desk._depth += 1

    def __exit__(self, *exc: object) -> None:
        self.desk._depth -= 1


# -- module helpers: one rule each -----------------------------------------------


def _contact_name(name: str) -> str:
    """A contact's name as kept: one line of text (core/text.py), trimmed."""
    return check_line(name.strip(), "A contact's name")


def normalise_email(email: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    text = email.strip()
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as err:
        raise DeskError(f"{text!r} is not an email address: {err}") from None


def _move_changes(config: DeskConfig, ticket: Ticket, pipeline: Pipeline, stage: Stage,
                  now: datetime) -> Changes:
    changes: Changes = {}
    if ticket.pipeline != pipeline.id:
        changes["pipeline"] = [ticket.pipeline, pipeline.id]
    if ticket.stage != stage.id:
        changes["stage"] = [ticket.stage, stage.id]
    if not changes or not pipeline.automation.close_date:
        return changes
    # T3: into Closed sets the close date, Closed -> Open clears it,
    # Closed -> Closed keeps it.
    old = None
    for p in config.pipelines:
        old = p.stage(ticket.stage) or old
    was_closed = old is not None and not old.is_open
    before = ticket.close_date.isoformat() if ticket.close_date else None
    if not stage.is_open and not was_closed:
        changes["close_date"] = [before, now.isoformat()]
    elif stage.is_open and was_closed and before is not None:
        changes["close_date"] = [before, None]
    return changes


def _value(ticket: Ticket, name: str) -> Value:
    if name in Ticket.__struct_fields__ and name != "props":
        value = getattr(ticket, name)
        return value.isoformat() if isinstance(value, datetime) else value
    return ticket.props.get(name)


def _set(ticket: Ticket, name: str, value: Value) -> None:
    if name in EDITABLE_FIELDS:
        setattr(ticket, name, value)
    elif value is None:
        ticket.props.pop(name, None)
    else:
        ticket.props[name] = value


def _action_slot(stage: Stage, path: ActionPath,
                 insert: bool = False) -> tuple[list[Action], int]:
    """The list holding the action at `path` in a stage, and its index."""
    try:
        return sequence_at(stage.actions, path, insert)
    except (IndexError, ValueError):
        raise DeskError(f"Stage '{stage.label}' has no action {path_text(path)}.") from None


def _sending(config: DeskConfig, template: str) -> list[tuple[Pipeline, Stage, SendEmail]]:
    """The send-email actions of `template`, with where they are."""
    return [(pipeline, stage, action) for pipeline, stage, _, action in every_action(config)
            if isinstance(action, SendEmail)
            and action.template.casefold() == template.casefold()]


def _rename_template_uses(config: DeskConfig, old: str, new: str) -> None:
    for _, _, action in _sending(config, old):
        action.template = new


def _action_texts(action: Action) -> list[tuple[str, str]]:
    """The text an action keeps that people wrote, with what to call it
    in a refusal: each is one line (core/text.py)."""
    match action:
        case Notify(message=message):
            return [("The notification's message", message)]
        case Branch(value=value):
            return [("The value to compare with", value)]
        case SetProperty(value=value):
            return [("The value to set", value)]
        case Webhook(url=url):
            return [("The webhook's URL", url)]
    return []


def _take_id(config: DeskConfig) -> str:
    ident = config.next_id
    config.next_id += 1
    return str(ident)




def _options(options: list[str]) -> list[str]:
    """A choice property's options: at least one, none empty, none twice."""
    kept = [check_line(o, f"Option '{o}'") for o in options if o]
    if not kept:
        raise DeskError("A choice property needs at least one option.")
    folded = [o.casefold() for o in kept]
    twice = next((o for o, f in zip(kept, folded, strict=True) if folded.count(f) > 1), None)
    if twice is not None:
        raise DeskError(f"Option '{twice}' is given twice.")
    return kept




def _check_pipeline_label_free(config: DeskConfig, label: str, but: Pipeline | None = None) -> None:
    for p in config.pipelines:
        if p is not but and p.label.casefold() == label.casefold():
            raise DeskError(f"A pipeline labelled '{p.label}' exists already (id {p.id}).")






def _check_property_label_free(config: DeskConfig, label: str, but: str | None = None) -> None:
    taken = property_label_taken(config, label, but=but)
    if taken is not None:
        problem = label_taken_problem(taken)
        raise DeskError(problem[0].upper() + problem[1:] + ".")


def _them(n: int) -> str:
    return "it" if n == 1 else "them"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
