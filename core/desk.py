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

import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from msgspec.structs import replace as msgspec_replace

from core import access
from core import tickets as ticket_rules
from core.access import AUTOMATION, Actor
from core.addresses import normalise_email
from core.automation.actions import Action, Comment
from core.automation.actions import Path as ActionPath
from core.automation.log import LogItem, automation_log
from core.automation.templates import Template
from core.clock import Clock, default_clock
from core.errors import DeskError, NotFound
from core.events import (
    AutomationRan,
    Changes,
    CommandApplied,
    ContactAdded,
    ContactChanged,
    ContactChanges,
    Entry,
    Event,
    MessageReceived,
    MessageSent,
    NoteAdded,
    Notice,
    NotificationSent,
    NotificationsRead,
    SlaBreached,
    StagesEdited,
    StepResumed,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.finding import find_pipeline, find_stage
from core.model import (
    ApiToken,
    Channel,
    DeskConfig,
    EmailTrigger,
    ImapSource,
    MailSettings,
    Pipeline,
    PipelineSla,
    PropertyDef,
    PropertyType,
    Role,
    SlaTarget,
    SmtpSettings,
    Stage,
    StageState,
    Team,
    User,
    Visibility,
)
from core.properties import BUILTIN_PROPERTIES
from core.reactions import STAGE_ACTIONS, Reactions
from core.records import Contact, Ticket, Value
from core.rules import check_settings, clashes_of, waiting_moves_nowhere
from core.settings import automation as automation_settings
from core.settings import channels as channel_settings
from core.settings import mail as outbound_settings
from core.settings import people as people_settings
from core.settings import pipelines as pipeline_settings
from core.settings import properties as property_settings
from core.settings import sla as sla_settings
from core.settings import templates as template_settings
from core.settings import tokens as token_settings
from core.sla import BreachWatch
from core.sla import Clock as SlaClock
from core.sla import clock_reader as sla_clock_reader
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
)
from core.state import Delayed, DeskState, Notification, with_changes
from core.store.base import CatchUp, Store, Transaction
from core.text import check_line, check_text, plain_line
from core.tickets import value_of as _value
from core.timeline import TimelineItem, timeline_items

if TYPE_CHECKING:
    from core.automation.courier import Courier
    from core.conversation import ConversationItem
    from core.conversation_text import SearchText
    from core.mail.inbox import Quarantined
    from core.mail.reading import IncomingMail
    from core.mail.taking import Decision, Intake, NoChannel
    from core.query import Query

R = TypeVar("R")
_COURIER_MADE = threading.Lock()


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


@dataclass(frozen=True)
class Applied(Generic[R]):
    """What `Desk.run_once` did: the command's answer, or, for a command
    applied before (`replayed`), the first ticket it touched."""

    result: R | None
    replayed: bool
    ticket: str = ""


@dataclass
class _Once:
    """A client's command running through `Desk.run_once`."""

    id: str
    name: str
    actor: Actor
    marked: bool = False  # an entry of it carries the id


@dataclass(frozen=True)
class _Found:
    """What `Desk.find_tickets` last found (before sorting and the limit),
    for whom, and as the desk then stood: a next query that only narrows
    it (a letter typed) looks among these instead of every ticket."""

    query: Query
    actor: Actor
    config: DeskConfig
    seq: int
    tickets: list[Ticket]
    texts: list[str] | None  # theirs (`Query.matching`), when the query had words


# A command id: what a client makes (a UUID, say), kept on entries.
_COMMAND_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")


def check_command_id(command_id: str) -> None:
    if not _COMMAND_ID.fullmatch(command_id):
        raise DeskError(f"{plain_line(command_id)[:100]!r} is not a command id: give 1 to 100 "
                        "letters, digits, '-', '_', '.' or ':' (a UUID, say).")


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
        # A client's command running through `run_once`: its id, name and
        # actor, and whether an entry carries the id yet.
        self._once: _Once | None = None
        # What reacts to the entries a command records (core/reactions.py:
        # the stage actions, A4), acting through `_AutomationHost`.
        self._reactions = Reactions(_AutomationHost(self), self._now, self._write_reactions)
        self._courier: Courier | None = None
        # Each ticket's text, for free-text queries: made at the first.
        self._search_text: SearchText | None = None
        self._found: _Found | None = None
        # Which SLA clocks run out next (`record_breaches`); made when
        # first asked.
        self._breach_watch: BreachWatch | None = None
        self._properties: tuple[DeskConfig | None, dict[str, PropertyDef]] = (None, {})
        self._stages: tuple[DeskConfig | None, dict[str, Stage]] = (None, {})
        self._tokens: tuple[DeskConfig | None, dict[str, ApiToken]] = (None, {})
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
                self._reactions.forget()
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
                settings: DeskConfig | None = None, commit: bool = True) -> list[Entry]:
        """Record `events` (numbered by the store) and, with them as one
        unit, new `settings`. A command's own entries are durable when this
        returns; the reactions' wait (`Reactions.hold`) for the end of their
        run, and with `commit` False, for the command's own commit (a batch
        that syncs once)."""
        at = self._reactions.batch_at or self._now()
        txn = self._transaction()
        once = self._once
        if once is not None:
            once.marked = True
        entries = txn.record(str(actor), at, events, once.id if once is not None else "")
        if self._reactions.hold(entries):
            pass
        elif settings is None:
            if commit:
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
        self._reactions.look_at(entries)

    def _automate(self, start: Callable[[], None] | None = None, depth: int = 0) -> None:
        """Run the reactions (core/reactions.py; automation, A4) on what
        this command did. `start` begins elsewhere (a delayed step, `depth`
        levels down)."""
        self._reactions.run(start, depth)

    def _write_reactions(self, written: list[Entry]) -> None:
        """The reactions' entries, in one commit after the command's own;
        what they handed on to the courier is on disk before them."""
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

    def run_once(self, command_id: str, actor: Actor, name: str,
                 run: Callable[[], R]) -> Applied[R]:
        """A client's command (issue 16: sent again after the network
        failed, or replayed from an offline queue), applied once: `run`
        makes the change (a command of this desk, as `actor`), unless the
        command `command_id` was applied already; then it is not run, and
        the answer says so (and which ticket the command touched first,
        the one a create made). The id is kept on the command's own
        entries, written with them, so a command applied and one marked
        applied are the same thing, whatever crashes when."""
        check_command_id(command_id)
        with self._writing():
            mark = self.state.commands.get(command_id)
            if mark is not None:
                if mark[0] != str(actor):
                    raise DeskError(f"The command id {command_id!r} was used by another "
                                    "user's command; give each command an id of its own.")
                return Applied(None, True, mark[1] if len(mark) > 1 else "")
            self._once = once = _Once(command_id, name, actor)
            try:
                result = run()
                if not once.marked:
                    # It changed nothing: a replay must not do now what it
                    # did not do then (move back a ticket moved meanwhile).
                    self._record(actor, [CommandApplied(name=name)])
            finally:
                self._once = None
        return Applied(result, False)

    def _save_settings(self, draft: DeskConfig) -> None:
        """Write settings checked already, inside `_writing`."""
        once = self._once
        if once is not None and not once.marked:
            # A client's command that changes settings only: its id goes
            # with them, in an entry of the same unit.
            self._record(once.actor, [CommandApplied(name=once.name)], settings=draft)
            return
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

    def find_tickets(self, query: str, actor: Actor, sort: str | None = None,
                     limit: int | None = None) -> list[Ticket]:
        """Issue 17: the tickets `actor` may see that fit `query` (the query
        language of core/query.py; a mistake is a QueryError saying where),
        oldest first or by `sort`, the first `limit` of them."""
        from core.query import parse, sorted_tickets

        parsed = parse(query)
        if limit is not None and limit < 1:
            raise DeskError(f"A limit is 1 or more, not {limit}.")
        last = self._found
        left = (parsed.within(last.query) if last is not None and last.actor == actor
                and last.config is self.config and last.seq == self.state.seq else None)
        if last is not None and left is not None:
            # Nothing changed since, and the query only narrows the last one
            # (a letter typed): among what it found, what it did not test.
            tickets, texts = last.tickets, last.texts
        else:
            left = parsed
            tickets = access.visible_tickets(self.config, actor, self.state.tickets.values())
            texts = None
        if texts is None and any(t.field is None for t in parsed.terms):
            texts = self._texts().texts_of(tickets)
        found, texts = left.matching(tickets, texts, self.config, actor, self._now())
        self._found = _Found(parsed, actor, self.config, self.state.seq, found, texts)
        if sort is not None:
            found = sorted_tickets(found, sort, self.sla_clocks())
        # A list of the caller's own: the one kept is not to change.
        return found[:limit] if limit is not None else list(found)

    def sla_clocks(self) -> Callable[[Ticket], SlaClock | None]:
        """Issue 17: each ticket's SLA clock now (core/sla.py), for a screen
        or a listing of tickets it already holds: the time left, or how
        long breached. None where its pipeline sets no target."""
        return sla_clock_reader(self.config, self._now())

    def _texts(self) -> SearchText:
        if self._search_text is None:
            from core.conversation_text import SearchText

            self._search_text = SearchText(self._store, self.state)
            self.subscribe(self._search_text.take)
        return self._search_text

    def ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        ticket = self.state.tickets.get(str(ticket_id).strip().lstrip("#"))
        if ticket is None or not access.may_view_ticket(self.config, actor, ticket):
            raise NotFound(f"No ticket #{ticket_id}.")
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
            self._properties = (config, property_settings.property_index(config))
        return property_settings.find_property(config, name, self._properties[1])

    def timeline(self, ticket_id: str, actor: Actor) -> list[TimelineItem]:
        """T7: every change of the ticket, oldest first."""
        ticket = self.ticket(ticket_id, actor)
        # P6: where the ticket was in a pipeline the actor may not view,
        # the timeline does not name that pipeline, its stages or its runs.
        viewed = {p.id for p in access.visible_pipelines(self.config, actor)}
        return timeline_items(self.config, self._store.newest_entries(ticket=ticket.id), ticket.id,
                              viewed)

    # -- pipelines ------------------------------------------------------------

    def create_pipeline(self, label: str, actor: Actor) -> Pipeline:
        """P2: a new pipeline starts with the four default stages."""
        return self._change_settings(actor, "create pipelines",
                                     lambda draft: pipeline_settings.create(draft, label))

    def rename_pipeline(self, ref: str, label: str, actor: Actor) -> Pipeline:
        return self._change_settings(actor, "rename pipelines",
                                     lambda draft: pipeline_settings.rename(draft, ref, label))

    def reorder_pipeline(self, ref: str, position: int, actor: Actor) -> Pipeline:
        """P4: move a pipeline to `position` (1 is first)."""
        return self._change_settings(actor, "reorder pipelines",
                                     lambda draft: pipeline_settings.reorder(draft, ref, position))

    def delete_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        """P5: refused while it holds tickets, and for the last pipeline."""
        return self._change_settings(
            actor, "delete pipelines",
            lambda draft: pipeline_settings.delete(draft, ref, self.state.tickets))

    def check_delete_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        """What `delete_pipeline` would refuse now (P5, who may), raised the
        same way, deleting nothing: a screen asks before it asks the user
        to confirm, so a pipeline that cannot go is refused first."""
        access.require_admin(self.config, actor, "delete pipelines")
        return pipeline_settings.deletable(self.config, ref, self.state.tickets)

    def set_close_date_rule(self, ref: str, on: bool, actor: Actor) -> Pipeline:
        """T3 / A2: the per-pipeline close-date switch."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: pipeline_settings.set_close_date_rule(draft, ref, on))

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
                                   ticket_rules.move_changes, self._now(),
                                   pipeline_settings.take_id)
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
        """One edit of one stage, named by id or label anywhere in the desk
        (administrators only, asked first: a refusal to find the stage lists
        the desk's stages, those of pipelines an agent may not view too)."""
        access.require_admin(self.config, actor, "change stages")
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
        access.require_admin(self.config, actor, "change stages")
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
        access.require_admin(self.config, actor, "change stages")
        prop = self.property(name)
        _, stage = find_stage(self.config, stage_ref)
        chosen = property_settings.asking_for(stage, prop, required)
        if chosen is None:
            return stage
        return self._edit_stage(stage_ref, lambda sid: SetStageProperties(sid, chosen), actor)

    def remove_stage_property(self, stage_ref: str, name: str, actor: Actor) -> Stage:
        access.require_admin(self.config, actor, "change stages")
        _, stage = find_stage(self.config, stage_ref)
        kept = property_settings.not_asking_for(stage, name)
        return self._edit_stage(stage_ref, lambda sid: SetStageProperties(sid, kept), actor)

    # -- properties -----------------------------------------------------------

    def create_property(self, name: str, type: PropertyType | str, actor: Actor,
                        label: str | None = None, options: Sequence[str] = ()) -> PropertyDef:
        return self._change_settings(
            actor, "create properties",
            lambda draft: property_settings.create(draft, name, type, label, options))

    def edit_property(self, name: str, actor: Actor, label: str | None = None,
                      options: Sequence[str] | None = None) -> PropertyDef:
        """Change a custom property's label, or a choice property's options
        (its name and type stay: `core.settings.properties.edit`)."""
        return self._change_settings(
            actor, "change properties",
            lambda draft: property_settings.edit(draft, name, label, options))

    def archive_property(self, name: str, actor: Actor) -> PropertyDef:
        """Archive a custom property: its values stay on tickets, it is no
        longer offered. Built-in ones cannot be archived; one a stage asks
        for or a board shows must be taken off there first."""
        return self._change_settings(actor, "archive properties",
                                     lambda draft: property_settings.archive(draft, name))

    def set_card_properties(self, pipeline_ref: str, names: Sequence[str],
                            actor: Actor) -> Pipeline:
        """P7: the properties a pipeline's cards show, in order."""
        return self._change_settings(
            actor, "choose card properties",
            lambda draft: pipeline_settings.set_card_properties(draft, pipeline_ref, names))

    # -- automation settings (A2, A4, A5; only administrators, A4e) ----------------

    def set_chat_rule(self, ref: str, on: bool, actor: Actor) -> Pipeline:
        """A5: whether chat and messenger tickets run stage automation."""
        return self._change_settings(actor, "change automation",
                                     lambda draft: pipeline_settings.set_chat_rule(draft, ref, on))

    def add_action(self, pipeline_ref: str, stage_ref: str, action: Action, actor: Actor,
                   at: ActionPath | None = None) -> ActionPath:
        """A4: add `action` to a stage's sequence, at `at` (default: the end)."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: automation_settings.add(draft, pipeline_ref, stage_ref, action, at))

    def edit_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath,
                    action: Action, actor: Actor) -> Action:
        """A4d: replace the action at `path`; its comments stay with it."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: automation_settings.edit(draft, pipeline_ref, stage_ref, path, action))

    def remove_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, actor: Actor,
                      and_after: bool = False) -> list[Action]:
        """A4d: delete only this action, or this one and all after it (in
        its own sequence)."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: automation_settings.remove(draft, pipeline_ref, stage_ref, path,
                                                     and_after))

    def move_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, offset: int,
                    actor: Actor) -> ActionPath:
        """Move an action up (-1) or down (+1) within its sequence."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: automation_settings.move(draft, pipeline_ref, stage_ref, path, offset))

    def comment_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, text: str,
                       actor: Actor) -> Comment:
        """A4d: any user may comment on an action (a note to colleagues; it
        changes nothing the action does, so A4e does not apply), of a
        pipeline they may view (P6: one they may not is not there for them)."""
        def comment(draft: DeskConfig) -> Comment:
            pipeline = self.pipeline(pipeline_ref, actor)
            return automation_settings.comment(draft, pipeline.id, stage_ref, path, text,
                                               access.name_of(draft, actor), self._now())

        return self._change_settings(actor, "comment on actions", comment, admin_only=False)

    def templates(self, actor: Actor) -> list[Template]:
        """A4a: the email templates, the built-in ones first."""
        access.user_of(self.config, actor)
        return list(self.config.templates)

    def save_template(self, template: Template, actor: Actor,
                      replacing: str | None = None) -> Template:
        """A4a: add a template, or replace the one named `replacing`. A
        built-in one may be edited but keeps its name. It must read and use
        only placeholders the desk fills in."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: template_settings.save(draft, template, replacing))

    def delete_template(self, name: str, actor: Actor) -> Template:
        return self._change_settings(actor, "change automation",
                                     lambda draft: template_settings.delete(draft, name))

    # -- where mail goes (A4a) and where webhooks may call (A4c) --------------------

    def mail_settings(self, actor: Actor) -> MailSettings:
        """A4a: the sender and the SMTP server mail is delivered to, if any."""
        access.user_of(self.config, actor)
        return self.config.mail.model_copy(deep=True)

    def set_mail_delivery(self, host: str, actor: Actor, port: int | None = None,
                          security: str = "starttls", user: str = "",
                          password_env: str = "") -> SmtpSettings:
        """A4a: deliver the outbox over SMTP to `host` (the port defaults to
        the one `security` is served on); a login names the environment
        variable that holds its password. The sender stays as it was."""
        return self._change_settings(
            actor, "change mail delivery",
            lambda draft: outbound_settings.set_delivery(draft, host, port, security, user,
                                                     password_env))

    def stop_mail_delivery(self, actor: Actor) -> SmtpSettings | None:
        """A4a: no SMTP; mail stays in the outbox. Returns the server it
        went to before, if any."""
        return self._change_settings(actor, "change mail delivery",
                                     outbound_settings.stop_delivery)

    def set_sender(self, text: str, actor: Actor) -> str:
        """A4a: the address the desk's mail is from (`[mail] from`)."""
        return self._change_settings(actor, "change mail delivery",
                                     lambda draft: outbound_settings.set_sender(draft, text))

    def webhook_allow_list(self, actor: Actor) -> list[str]:
        """A4c: the non-public addresses and networks a webhook may call."""
        access.user_of(self.config, actor)
        return list(self.config.webhooks.allow)

    def allow_webhook_hosts(self, hosts: Sequence[str], actor: Actor) -> list[str]:
        """A4c: set the non-public addresses and networks a webhook may call,
        all of them at once (none: public addresses only)."""
        return self._change_settings(
            actor, "change where webhooks may call",
            lambda draft: outbound_settings.allow_webhook_hosts(draft, hosts))

    # -- automation at work ---------------------------------------------------------

    def courier(self) -> Courier:
        """Mail and webhooks on their way out (the store's spools). The TUI
        delivers from a thread: one courier must serve both, since what
        automation stages is committed on the object that staged it."""
        with _COURIER_MADE:
            if self._courier is None:
                from core.automation.courier import Courier

                self._courier = Courier(self._store.mail_spools(), self._store.mail_key)
            return self._courier

    def run_due_steps(self) -> int:
        """Run the delayed steps (A4c) whose time has come: each once, in
        whichever process gets here first (the store's one transaction
        per command sees to that). Returns how many ran. Steps other processes stored are
        known after `refresh` (the TUI's timer, a worker's round)."""
        now = self._now()
        # What this process knows is enough to decide: in the transaction
        # below the desk catches up, and steps another process took are gone.
        if not any(d.step.due <= now for d in self.state.delayed.values()):
            return 0
        ran = 0
        with self._writing():
            for delayed in sorted(self.state.delayed.values(), key=lambda d: d.step.due):
                if delayed.step.due > now or delayed.id not in self.state.delayed:
                    continue
                self._record(access.AUTOMATION, [StepResumed(step=delayed.id)])
                self._automate(partial(self._resume, delayed), delayed.step.depth)
                ran += 1
        return ran

    def record_breaches(self) -> int:
        """Issue 17: record each SLA clock (core/sla.py) that ran out since
        the last look, once per ticket and clock, and run the pipelines'
        SLA breach actions on them; how many. Asked by every round of the
        desk's own work (the worker, the server, the app's timer): it looks
        at the tickets again only when one changed or the next clock came
        due, and not at all while no pipeline sets a target."""
        now = self._now()
        if not any(p.sla.targets for p in self.config.pipelines):
            return 0
        if self._breach_watch is None:
            self._breach_watch = BreachWatch()
            self.subscribe(self._breach_watch.take)
        # Looked for without the writer's lock (most looks find nothing);
        # under it, what another process recorded meanwhile is left out.
        ran_out = [(t.id, t.pipeline, clock) for t, clock in self._breach_watch.ran_out(
            self.config, self.state.tickets, now)
            if clock.kind not in self.state.sla_breached.get(t.id, ())]
        if not ran_out:
            return 0
        with self._writing():
            recorded = self.state.sla_breached
            found = [SlaBreached(ticket=tid, pipeline=pipeline, clock=clock.kind, due=clock.due)
                     for tid, pipeline, clock in ran_out
                     if clock.kind not in recorded.get(tid, ()) and tid in self.state.tickets]
            if found:
                self._record(AUTOMATION, found)
                self._automate()
        return len(found)

    def record_deliveries(self, deliveries: Sequence[AutomationRan | NotificationSent
                                                     | MessageSent]) -> None:
        """Log how mail and webhooks handed on earlier went (A6), and record
        the notifications whose message was filled in meanwhile (A4b)."""
        if deliveries:
            with self._writing():
                self._record(access.AUTOMATION, deliveries)

    def _resume(self, delayed: Delayed) -> None:
        self._reactions.handler(STAGE_ACTIONS).resume(delayed.step, delayed.id)

    # -- notifications (A4b) and the automation log (A6) ---------------------------

    def notifications(self, actor: Actor) -> list[Notification]:
        """The actor's notifications, newest first: of tickets the actor
        sees now (U2, P6; a notification quotes its ticket's subject)."""
        user = access.user_of(self.config, actor)
        if user is None:
            return []
        shows = self._shows_notification(actor)
        mine = [n for n in self.state.notifications.values() if user.id in n.users and shows(n)]
        return sorted(mine, key=lambda n: n.id, reverse=True)

    def unread_count(self, actor: Actor) -> int:
        """How many of `notifications` are unread. The badge asks on every
        change: none unread costs a lookup, and only the unread are read
        (newest first, back to the user's read mark)."""
        user = access.user_of(self.config, actor)
        if user is None or not self.state.unread_counts.get(user.id, 0):
            return 0
        shows, seen = self._shows_notification(actor), self.state.read_upto.get(user.id, 0)
        unread = 0
        # Kept in entry order, so newest first is the dict reversed.
        for n in reversed(self.state.notifications.values()):
            if n.id <= seen:
                break
            if user.id in n.users and shows(n):
                unread += 1
        return unread

    def _shows_notification(self, actor: Actor) -> Callable[[Notification], bool]:
        """Whether a notification is shown to `actor`: one about a ticket,
        if the actor may see the ticket now (one deleted is seen by none)."""
        sight, tickets = access.sight_of(self.config, actor), self.state.tickets

        def shows(n: Notification) -> bool:
            if not n.ticket:
                return True
            found = tickets.get(n.ticket)
            return found is not None and sight.sees(found)

        return shows

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
        # U2 as well as P6: a run is shown for a ticket the actor sees now.
        sight = access.sight_of(self.config, actor)
        return automation_log(self.config, self._store, sight, self.state.tickets, scope,
                              wanted, limit)

    # -- people: users, teams (U1) and pipeline access (P6) ---------------------------

    def sign_in(self, login: str, named: str | None = None, place: str = "this desk") -> Actor:
        """Who acts on this desk for the operating-system account `login`
        (and the user the person's own config names): core/signing_in.py.
        A desk where no user has a login yet (made before logins) has been
        one person's: its first administrator takes `login`, once."""
        from core.signing_in import acting_user

        if not named and not any(u.login for u in self.config.users):
            first = next((u for u in self.config.users
                          if u.role == "administrator" and u.active), None)
            if first is not None:
                self._change_settings(Actor.user(first.id), "sign in", partial(
                    people_settings.edit_user, ref=first.id, login=login))
        return acting_user(self.config, login, named, place)

    def me(self, actor: Actor) -> User:
        """The acting user (refused for one deactivated or unknown)."""
        user = access.user_of(self.config, actor)
        if user is None:
            raise DeskError(f"{actor} is not a user.")
        return user

    def users(self, actor: Actor) -> list[User]:
        """U1: every user, the deactivated too (their names stay on
        timelines), in the desk's order."""
        access.user_of(self.config, actor)
        return list(self.config.users)

    def teams(self, actor: Actor) -> list[Team]:
        access.user_of(self.config, actor)
        return list(self.config.teams)

    def add_users(self, users: Sequence[User], actor: Actor) -> list[User]:
        """U1, users given whole (demo data, imports)."""
        return self._change_settings(actor, "add users",
                                     lambda draft: people_settings.add_users(draft, users))

    def add_user(self, email: str, name: str, actor: Actor, role: Role = "agent",
                 visibility: Visibility = "all", unassigned: bool = True,
                 login: str = "") -> User:
        """U1: a new user; its id is made from the login or the email."""
        return self._change_settings(actor, "add users", partial(
            people_settings.add_user, email=email, name=name, role=role,
            visibility=visibility, unassigned=unassigned, login=login))

    def edit_user(self, ref: str, actor: Actor, *, name: str | None = None,
                  email: str | None = None, role: Role | None = None,
                  visibility: Visibility | None = None, unassigned: bool | None = None,
                  login: str | None = None, active: bool | None = None) -> User:
        """U1 / U2: a user's name, email, role, login, visibility, or
        whether they are active (None leaves a field as it is)."""
        return self._change_settings(actor, "change users", partial(
            people_settings.edit_user, ref=ref, name=name, email=email, role=role,
            visibility=visibility, unassigned=unassigned, login=login, active=active))

    def deactivate_user(self, ref: str, actor: Actor) -> User:
        """U1: a user who left; never deleted, so their name stays."""
        return self.edit_user(ref, actor, active=False)

    def add_teams(self, teams: Sequence[Team], actor: Actor) -> list[Team]:
        """U1: teams given whole, with their members (demo data, imports)."""
        return self._change_settings(actor, "add teams",
                                     lambda draft: people_settings.add_teams(draft, teams))

    def add_team(self, name: str, actor: Actor) -> Team:
        return self._change_settings(actor, "add teams",
                                     partial(people_settings.add_team, name=name))

    def rename_team(self, ref: str, name: str, actor: Actor) -> Team:
        return self._change_settings(actor, "rename teams",
                                     partial(people_settings.rename_team, ref=ref, name=name))

    def set_team_members(self, ref: str, actor: Actor, add: Sequence[str] = (),
                         remove: Sequence[str] = ()) -> Team:
        return self._change_settings(actor, "change teams", partial(
            people_settings.set_members, ref=ref, add=add, remove=remove))

    def remove_team(self, ref: str, actor: Actor) -> Team:
        """Refused while tickets, a pipeline's access or an action name it."""
        def remove(draft: DeskConfig) -> Team:
            team = people_settings.find_team(draft, ref)
            given = sum(1 for t in self.state.tickets.values() if t.team == team.id)
            return people_settings.remove_team(draft, ref, given)

        return self._change_settings(actor, "remove teams", remove)

    def set_pipeline_access(self, ref: str, actor: Actor, view: Sequence[str] | None,
                            edit: Sequence[str] | None) -> Pipeline:
        """P6: who may view and who may edit `ref` (None: everyone), users
        and teams by id or name."""
        return self._change_settings(actor, "manage pipeline access", partial(
            people_settings.set_access, ref=ref, view=view, edit=edit))

    # -- API tokens (issue 15) ------------------------------------------------------

    def create_token(self, user_ref: str, actor: Actor, name: str = "") -> tuple[ApiToken, str]:
        """A token acting as `user_ref`, and its secret: shown this once,
        since only its digest is kept."""
        return self._change_settings(actor, "make API tokens", lambda draft: (
            token_settings.create_token(draft, user_ref, name, self._now())))

    def api_tokens(self, actor: Actor) -> list[ApiToken]:
        access.require_admin(self.config, actor, "see API tokens")
        return list(self.config.tokens)

    def revoke_token(self, token_id: str, actor: Actor) -> ApiToken:
        """End a token at once, for every process of the desk (U3)."""
        return self._change_settings(actor, "revoke API tokens", lambda draft: (
            token_settings.revoke_token(draft, token_id, self._now())))

    def token_actor(self, secret: str) -> Actor:
        """Who a request carrying `secret` acts as; Unauthorized for a token
        that is unknown, revoked, or whose user is deactivated."""
        config, by_digest = self._tokens
        if config is not self.config:
            by_digest = {t.hash: t for t in self.config.tokens}
            self._tokens = (self.config, by_digest)
        return access.token_actor(self.config, by_digest, token_settings.digest(secret))

    # -- contacts ---------------------------------------------------------------

    def add_contact(self, email: str, actor: Actor, name: str = "",
                    marketing: bool = False) -> Contact:
        return self.add_contacts([Contact(email=email, name=name, marketing=marketing)], actor)[0]

    def add_contacts(self, contacts: Sequence[Contact], actor: Actor) -> list[Contact]:
        """Add contacts in one commit; refused whole if one is wrong."""
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

    # -- channels and the email triggers (A1, A3a, A3b) -------------------------------

    def channels(self, actor: Actor) -> list[Channel]:
        """A1: the channels that feed pipelines the actor may see (P6)."""
        visible = {p.id for p in self.pipelines(actor)}
        return [c for c in self.config.channels if c.pipeline in visible]

    def add_channel(self, address: str, pipeline: str, actor: Actor, stage: str | None = None,
                    maildir: str | None = None, imap: ImapSource | None = None,
                    create_tickets: bool = True) -> Channel:
        """A1: connect an email address to a pipeline."""
        return self._change_settings(
            actor, "connect channels",
            lambda draft: channel_settings.add(draft, address, pipeline, stage, maildir, imap,
                                               create_tickets))

    def set_channel_create_tickets(self, ref: str, on: bool, actor: Actor) -> Channel:
        return self._change_settings(
            actor, "change channels",
            lambda draft: channel_settings.set_create_tickets(draft, ref, on))

    def remove_channel(self, ref: str, actor: Actor) -> Channel:
        return self._change_settings(actor, "remove channels",
                                     lambda draft: channel_settings.remove(draft, ref))

    def set_email_trigger(self, pipeline: str, name: str, actor: Actor, on: bool | None = None,
                          stage: str | None = None) -> EmailTrigger:
        """A3a / A3b: switch a trigger, or choose the stage it moves to."""
        return self._change_settings(
            actor, "change automation",
            lambda draft: channel_settings.set_trigger(draft, pipeline, name, on, stage))

    def set_sla_target(self, pipeline: str, priority: str, actor: Actor,
                       respond: str | None = None, resolve: str | None = None) -> SlaTarget:
        """Issue 17: a pipeline's SLA targets for one priority ("30m", "4h";
        "none" takes one away)."""
        return self._change_settings(
            actor, "change SLA targets",
            lambda draft: sla_settings.set_target(draft, pipeline, priority, respond, resolve))

    def set_sla_waiting(self, pipeline: str, stages: list[str], actor: Actor) -> PipelineSla:
        """Issue 17: the stages where a pipeline's SLA clocks stop (waiting
        on the customer)."""
        return self._change_settings(
            actor, "change SLA targets",
            lambda draft: sla_settings.set_waiting(draft, pipeline, stages))

    # -- the conversation (C1), mail in (A1) and replies -------------------------------

    def conversation(self, ticket_id: str, actor: Actor) -> list[ConversationItem]:
        """C1: the ticket's messages in and out and its notes, oldest first."""
        from core.conversation import conversation_items

        ticket = self.ticket(ticket_id, actor)
        return conversation_items(self._store.newest_entries(ticket=ticket.id), ticket.id)

    def attachment(self, ticket_id: str, message: int, index: int,
                   actor: Actor) -> tuple[str, bytes]:
        """C1: the name and bytes of attachment `index` (1-based) of the
        conversation's message `message` (1-based, oldest first), read from
        the raw message in the inbox, to save on request."""
        from core.mail.inbox import Inbox
        from core.mail.reading import attachment_bytes

        items = self.conversation(ticket_id, actor)
        if not 1 <= message <= len(items):
            raise DeskError(f"Ticket #{ticket_id.strip().lstrip('#')} has no message "
                            f"{message}; its conversation has {len(items)}.")
        item = items[message - 1]
        if not item.attachments:
            raise DeskError(f"Message {message} of ticket #{ticket_id} has no attachments.")
        if not 1 <= index <= len(item.attachments) or not item.raw:
            raise DeskError(f"Message {message} has no attachment {index}; it has "
                            f"{len(item.attachments)}.")
        raw = Inbox(self._store.mail_spools().inbox).raw(item.raw)
        return attachment_bytes(raw, index - 1)

    def quarantine(self, actor: Actor) -> list[Quarantined]:
        """A1: mail that could not be taken, as `actor` may see it (P6:
        core/mail/intake.py says how)."""
        from core.mail.intake import quarantined

        return quarantined(self, actor)

    def retry_quarantined(self, key: str, actor: Actor) -> Intake:
        """A1: take a quarantined message again (once its channel exists,
        say); only one `quarantine` shows `actor` (P6)."""
        from core.mail.intake import retry_quarantined

        return retry_quarantined(self, key, actor)

    def take_mail(self, mail: IncomingMail, raw_key: str, channel: str | None = None) -> Intake:
        """One incoming message, as the actor `channel:ADDRESS`: a new
        ticket, a message on the ticket it threads to, or kept aside with
        the reason (core/mail/taking.py). Raises `NoChannel` when no channel
        takes it. `raw_key`: where its bytes are in the inbox."""
        taken = self.take_mails([(mail, raw_key, channel)])[0]
        if isinstance(taken, DeskError):
            raise taken
        return taken

    def take_mails(self, batch: Sequence[tuple[IncomingMail, str, str | None]]
                   ) -> list[Intake | NoChannel]:
        """`take_mail` for several messages in one commit (an MTA's or a
        mailbox's backlog): each decided on what the ones before it did;
        a message no channel takes comes back as its `NoChannel`."""
        from core.mail.taking import NoChannel, channel_for, decide

        results: list[Intake | NoChannel] = []
        with self._writing():
            for mail, raw_key, channel in batch:
                try:
                    found = channel_for(mail, self.config, channel)
                    decision = decide(mail, raw_key, found, self.config, self.state,
                                      self._store.mail_key(), self._people_of)
                    if decision.intake.outcome == "created":
                        decision = self._mail_ticket(mail, decision, found)
                except NoChannel as err:
                    results.append(err)
                    continue
                if decision.events:
                    self._record(Actor("channel", found.actor_id), decision.events,
                                 commit=False)
                results.append(decision.intake)
            # One sync for the lot; the A3 moves follow, as the command's reactions.
            self._transaction().commit()
        return results

    def _mail_ticket(self, mail: IncomingMail, decision: Decision, channel: Channel) -> Decision:
        """A1: the ticket a new message makes, in the channel's stage (else
        its pipeline's first Open stage), its sender the contact."""
        from dataclasses import replace

        from core.mail.taking import NO_SUBJECT, Intake, NoChannel

        assert decision.received is not None
        home = channel_settings.channel_home(self.config, channel)
        if home is None:
            raise NoChannel(f"the channel {channel.address}'s pipeline {channel.pipeline!r} "
                            "is gone")
        pipeline, stage = home
        events: list[Event] = []
        email = normalise_email(mail.sender)
        contact = self.state.contacts.get(email.casefold())
        if contact is None:
            # A new sender becomes a contact, named as their From header has it.
            contact = Contact(email=email, name=plain_line(mail.sender_name).strip()[:200])
            events.append(ContactAdded(contact=contact))
        now = self._now()
        ticket = ticket_rules.new_ticket(str(self.state.last_ticket_id + 1), pipeline, stage,
                                         (mail.subject.strip() or NO_SUBJECT)[:500], "email",
                                         now, now)
        ticket.contact = contact.email
        received = msgspec_replace(decision.received, ticket=ticket.id)
        events += [TicketCreated(ticket=ticket), received]
        return replace(decision, events=events, received=received,
                       intake=Intake(decision.intake.message_id, "created", ticket.id))

    def _people_of(self, ticket: Ticket) -> set[str]:
        """The addresses on a ticket's conversation (a subject tag from one
        of them places mail on it)."""
        people: set[str] = set()
        for item in self.conversation(ticket.id, AUTOMATION):
            people.update(a.casefold() for a in (item.sender, *item.to, *item.cc))
        return people

    def reply(self, ticket_id: str, text: str, actor: Actor,
              cc: Sequence[str] = ()) -> MessageSent:
        """C1: the agent's reply to the ticket's contact, through the
        outbox (sent by the courier), answering the newest message in. An
        A3a move follows (core/automation/email_triggers.py)."""
        from core.mail.replying import compose_reply

        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            if ticket.contact is None:
                raise DeskError(f"Ticket #{ticket.id} has no contact to reply to; set one "
                                f"first (pipedesk ticket edit {ticket.id} contact=EMAIL).")
            contact = self.contact(ticket.contact, actor)
            body = check_text(text, "The reply").strip("\n")
            if not body.strip():
                raise DeskError("The reply is empty; write what to send.")
            answering = self._answering(ticket.id)
            channel = self.config.channel(answering.channel) if answering else None
            sender = self.config.mail.sender
            if channel is not None and channel.address.casefold() not in sender.casefold():
                sender = channel.address
            # Each copy's address checked as a contact's is, on every surface.
            copies = [normalise_email(address) for address in cc]
            outgoing, sent = compose_reply(
                ticket=ticket, contact=contact, text=body, sender=sender,
                answering_id=answering.message_id if answering else None,
                references=answering.references if answering else [],
                thread=answering.thread if answering else
                self.state.created_threads.get(ticket.id, ""),
                subject=answering.subject if answering else ticket.subject,
                key=self._store.mail_key(), now=self._now(), cc=copies)
            # On disk before the journal says it was sent (core/mail/outbox.py).
            sent.outbox = self.courier().outbox.put(outgoing)
            self._record(actor, [sent])
            return sent

    def _answering(self, ticket_id: str) -> MessageReceived | None:
        """The message a reply answers: the newest a person sent in."""
        for entry in self._store.newest_entries(ticket=ticket_id):
            event = entry.event
            if isinstance(event, TicketCreated) and event.ticket.id == ticket_id:
                return None
            if isinstance(event, MessageReceived) and event.ticket == ticket_id \
                    and not event.auto:
                return event
        return None

    def add_note(self, ticket_id: str, text: str, actor: Actor) -> NoteAdded:
        """C1: an internal note on the conversation; never sent."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            body = check_text(text, "The note").strip("\n")
            if not body.strip():
                raise DeskError("The note is empty; write what to keep.")
            note = NoteAdded(ticket=ticket.id, text=body)
            self._record(actor, [note])
            return note

    def _reopened(self, ticket_id: str) -> bool:
        """A3b: whether the ticket was ever moved from a Closed stage to an
        Open one (then new threads count too). Read from its entries, and
        asked only for a contact's mail on a thread it was not created on."""
        for entry in self._store.newest_entries(ticket=ticket_id):
            event = entry.event
            if isinstance(event, TicketCreated) and event.ticket.id == ticket_id:
                return False
            if isinstance(event, TicketChanged) and event.ticket == ticket_id:
                moved = event.changes.get("stage")
                if moved is not None:
                    before, after = (self._stage_or_none(str(s)) for s in moved)
                    if before is not None and after is not None and not before.is_open \
                            and after.is_open:
                        return True
        return False

    def _move_for_mail(self, ticket_id: str, stage_id: str, channel: str, cause: str) -> None:
        """A3: an email trigger's move, as the actor `channel:ADDRESS`, with
        the Message-ID that caused it on the timeline (T7)."""
        with self._writing():
            ticket = self.state.tickets.get(ticket_id)
            stage = self._stage_or_none(stage_id)
            if ticket is None or stage is None or ticket.stage == stage_id:
                return
            pipeline = find_pipeline(self.config, ticket.pipeline)
            changes = ticket_rules.move_changes(self.config, ticket, pipeline, stage,
                                                self._now())
            if changes:
                self._record(Actor("channel", channel or "email"),
                             [TicketChanged(ticket=ticket.id, changes=changes, cause=cause)])

    # -- tickets ------------------------------------------------------------

    def create_ticket(self, actor: Actor, pipeline: str, stage: str, subject: str,
                      contact: str | None = None, values: Mapping[str, Any] | None = None,
                      source: str = "manual") -> Ticket:
        """T1; S7's required properties for the stage must be in `values`."""
        draft = TicketDraft(pipeline, stage, subject, contact, values or {}, source)
        return self.create_tickets([draft], actor)[0]

    def create_tickets(self, drafts: Sequence[TicketDraft], actor: Actor) -> list[Ticket]:
        """Create several tickets in one commit (imports, demo data);
        refused whole if any one of them breaks a rule."""
        with self._writing():
            return self._create_tickets(drafts, actor)

    def _create_tickets(self, drafts: Sequence[TicketDraft], actor: Actor) -> list[Ticket]:
        now = self._now()
        next_id = self.state.last_ticket_id
        added = self._new_contacts(drafts)
        # The tickets' contacts are looked up among the new ones too.
        contacts = {**self.state.contacts, **added} if added else self.state.contacts
        events: list[Event] = [ContactAdded(contact=c) for c in added.values()]
        for draft in drafts:
            pipeline, stage = find_stage(self._editable_config(actor), draft.stage,
                                         self._editable_pipeline(draft.pipeline, actor))
            next_id += 1
            ticket = ticket_rules.new_ticket(str(next_id), pipeline, stage, draft.subject,
                                             draft.source, draft.create_date or now, now)
            values = dict(draft.values)
            if draft.contact is not None:
                values["contact"] = draft.contact
            ticket_rules.set_values(ticket, self._value_changes(ticket, values, contacts))
            self._check_stage_properties(actor, ticket, stage)
            events.append(TicketCreated(ticket=ticket))
        self._record(actor, events)
        return [e.ticket for e in events if isinstance(e, TicketCreated)]

    def _new_contacts(self, drafts: Sequence[TicketDraft]) -> dict[str, Contact]:
        """T1: a ticket's contact given by an address the desk does not know
        yet becomes a contact (as a new sender does, A1), added with it."""
        added: dict[str, Contact] = {}
        for draft in drafts:
            raw = (draft.contact or "").strip()
            if not raw or raw.casefold() in self.state.contacts or raw.casefold() in added:
                continue
            if "@" not in raw:
                continue  # not an address: the contact check says what is wrong
            email = normalise_email(raw)
            added[email.casefold()] = Contact(email=email)
        return added

    def move_ticket(self, ticket_id: str, stage: str, actor: Actor,
                    pipeline: str | None = None,
                    values: Mapping[str, Any] | None = None,
                    based: Mapping[str, Any] | None = None) -> Ticket:
        """T2: to another stage, or to a stage of another pipeline. A user's
        move asks for the target stage's properties (S7); T3 sets or clears
        the close date. `based`: the values the move was made against (a
        client's change sent later): one changed since refuses it."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            if based:
                ticket_rules.check_based(ticket, based, self._label_of, self._say)
            changes = self._move_changes(ticket, stage, actor, pipeline, values)
            if changes:
                self._record(actor, [TicketChanged(ticket=ticket.id, changes=changes)])
            return ticket

    def _move_changes(self, ticket: Ticket, stage: str, actor: Actor, pipeline: str | None,
                      values: Mapping[str, Any] | None) -> Changes:
        """What moving `ticket` changes, every rule of T2, T3 and S7 checked."""
        scope = self._editable_pipeline(pipeline if pipeline is not None
                                        else ticket.pipeline, actor)
        # Without a pipeline named, a stage id of another pipeline moves
        # the ticket there (T2); a label is looked for in its own.
        target_pipeline, target = find_stage(self._editable_config(actor), stage, scope,
                                             ids_anywhere=pipeline is None)
        changes = self._value_changes(ticket, values or {})
        self._check_stage_properties(actor, with_changes(ticket, changes), target)
        changes.update(ticket_rules.move_changes(self.config, ticket, target_pipeline,
                                                 target, self._now()))
        return changes

    def edit_ticket(self, ticket_id: str, values: Mapping[str, Any], actor: Actor,
                    based: Mapping[str, Any] | None = None) -> Ticket:
        """T4: set properties; an empty value clears one. `based`: as for
        `move_ticket`."""
        with self._writing():
            if based:
                ticket_rules.check_based(self._editable_ticket(ticket_id, actor), based,
                                         self._label_of, self._say)
            ticket = self._editable_ticket(ticket_id, actor)
            changes = self._edit_changes(ticket, values)
            if changes:
                self._record(actor, [TicketChanged(ticket=ticket.id, changes=changes)])
            return ticket

    def _edit_changes(self, ticket: Ticket, values: Mapping[str, Any]) -> Changes:
        if not values:
            raise DeskError("Name at least one property to set, as NAME=VALUE.")
        changes = self._value_changes(ticket, values)
        ticket_rules.check_edit(self.property, ticket, self._stage_or_none(ticket.stage),
                                changes)
        return changes

    def delete_ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        """T5 (the surfaces ask for confirmation first)."""
        with self._writing():
            ticket = self._editable_ticket(ticket_id, actor)
            self._record(actor, [TicketDeleted(ticket=ticket.id, subject=ticket.subject)])
            return ticket

    # -- bulk actions (T6): one command for many tickets, all or none -----------------

    def bulk_move(self, ticket_ids: Sequence[str], stage: str, actor: Actor,
                  pipeline: str | None = None,
                  values: Mapping[str, Any] | None = None) -> list[Ticket]:
        """T6: move every ticket of `ticket_ids` to `stage` (of its own
        pipeline, or of `pipeline`), with `values` for S7's required
        properties given once for all. Every ticket is checked first; one
        that a rule refuses refuses the lot, naming it, and nothing moves.
        One journal write; each ticket's own timeline entry; automation
        runs for each ticket that entered a stage."""
        return self._bulk(ticket_ids, actor, lambda t: self._changed(
            t, self._move_changes(t, stage, actor, pipeline, values)))

    def bulk_edit(self, ticket_ids: Sequence[str], values: Mapping[str, Any],
                  actor: Actor) -> list[Ticket]:
        """T6: set `values` (an owner, a team, a priority …) on every ticket,
        all or none, as `bulk_move`."""
        return self._bulk(ticket_ids, actor, lambda t: self._changed(
            t, self._edit_changes(t, values)))

    def bulk_delete(self, ticket_ids: Sequence[str], actor: Actor) -> list[Ticket]:
        """T6: delete every ticket (the surfaces confirm first, saying how
        many), all or none."""
        return self._bulk(ticket_ids, actor,
                          lambda t: TicketDeleted(ticket=t.id, subject=t.subject))

    def _changed(self, ticket: Ticket, changes: Changes) -> Event | None:
        return TicketChanged(ticket=ticket.id, changes=changes) if changes else None

    def _bulk(self, ticket_ids: Sequence[str], actor: Actor,
              event_of: Callable[[Ticket], Event | None]) -> list[Ticket]:
        ids = list(dict.fromkeys(str(t).strip().lstrip("#") for t in ticket_ids))
        if not ids:
            raise DeskError("No tickets to change: select some first.")
        with self._writing():
            tickets, events = [], []
            for ticket_id in ids:
                try:
                    ticket = self._editable_ticket(ticket_id, actor)
                    event = event_of(ticket)
                except DeskError as err:
                    if len(ids) == 1:
                        raise  # as the one change says it
                    # Which ticket, and that the lot stands as it was.
                    said = err.message if err.message.startswith(f"No ticket #{ticket_id}") \
                        else f"#{ticket_id}: {err.message}"
                    said += f" None of the {len(ids)} tickets was changed."
                    try:
                        refusal = type(err)(said)
                    except TypeError:  # a kind of refusal made of more than its words
                        refusal = DeskError(said)
                    raise refusal from None
                tickets.append(ticket)
                if event is not None:
                    events.append(event)
            if events:
                self._record(actor, events)
            return tickets

    # -- ticket helpers -------------------------------------------------------

    def _say(self, name: str, value: Any) -> str:
        """A stored value as people read it (a stage by its label, Low)."""
        from core.present import say_value

        return say_value(self.config, name, value)

    def _label_of(self, name: str) -> str:
        try:
            return self.property(name).label
        except DeskError:
            return name

    def _editable_config(self, actor: Actor) -> DeskConfig:
        editable = [p for p in self.config.pipelines
                    if access.may_edit_pipeline(self.config, actor, p)]
        if len(editable) == len(self.config.pipelines):
            return self.config
        return self.config.model_copy(update={"pipelines": editable})

    def _editable_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        return self._may_edit(find_pipeline(self._visible_config(actor), ref), actor)

    def _may_edit(self, pipeline: Pipeline, actor: Actor) -> Pipeline:
        """`pipeline`, if the actor may change its tickets (P6), else why not."""
        if not access.may_edit_pipeline(self.config, actor, pipeline):
            raise access.edit_refusal(self.config, pipeline)
        return pipeline

    def _editable_ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        if actor.kind == "automation":
            # Automation acts on every pipeline; it names tickets by id.
            found = self.state.tickets.get(ticket_id)
            if found is None:
                raise NotFound(f"No ticket #{ticket_id}.")
            return found
        ticket = self.ticket(ticket_id, actor)
        self._may_edit(find_pipeline(self.config, ticket.pipeline), actor)
        return ticket

    def _value_changes(self, ticket: Ticket, values: Mapping[str, Any],
                       contacts: Mapping[str, Contact] | None = None) -> Changes:
        """Typed, checked changes for `values` (NAME -> raw value), T4;
        a contact is one of `contacts` (the desk's, unless said)."""
        return ticket_rules.value_changes(self.config, self.property,
                                          self.state.contacts if contacts is None else contacts,
                                          ticket, values)

    def _check_stage_properties(self, actor: Actor, ticket: Ticket, stage: Stage) -> None:
        """S7: a user's create or move needs the stage's required properties
        (automation and channels fill in what they can)."""
        if actor.kind == "user":
            ticket_rules.check_required(self.property, ticket, stage)


class _AutomationHost:
    """The desk as the reactions see it (core/automation/host.py): every
    change through the desk's own commands, as the actor automation. What
    only automation calls is here, not on Desk's own surface."""

    __slots__ = ("desk",)

    def __init__(self, desk: Desk) -> None:
        self.desk = desk

    @property
    def config(self) -> DeskConfig:
        return self.desk.config

    @property
    def state(self) -> DeskState:
        return self.desk.state

    def now(self) -> datetime:
        return self.desk.now()

    def property(self, name: str) -> PropertyDef:
        return self.desk.property(name)

    def value_of(self, ticket: Ticket, name: str) -> Value:
        return _value(ticket, name)

    def move_ticket(self, ticket_id: str, stage: str) -> Ticket:
        return self.desk.move_ticket(ticket_id, stage, AUTOMATION)

    def edit_ticket(self, ticket_id: str, values: Mapping[str, Any]) -> Ticket:
        return self.desk.edit_ticket(ticket_id, values, AUTOMATION)

    def record(self, events: Sequence[Event]) -> None:
        self.desk._record(AUTOMATION, events)

    def outbound(self) -> Courier:
        return self.desk.courier()

    def move_for_mail(self, ticket_id: str, stage_id: str, channel: str, cause: str) -> None:
        self.desk._move_for_mail(ticket_id, stage_id, channel, cause)

    def reopened(self, ticket_id: str) -> bool:
        return self.desk._reopened(ticket_id)


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
