"""`RemoteDesk`: the desk of a team's server, for the terminal client and
the command line (`pipedesk --server URL`, or `remote` in the person's
config; issue 16; docs/sync.md).

It is a `core.Desk` over a `ReplicaStore`: every query (the board, ticket
lists, search, who sees what) runs on the replica of what the user may
see, through the same code as on local files. A change is sent to the
server as the command the user made, in the desk's own words
(`/pipedesk/v1/tickets…`), under an `Idempotency-Key` of its own, so that
sending it again after a lost answer makes it once; the server applies
every rule (access included) and its answer, through the feed, updates
the replica. The user is the token's: the server says who
(`GET /pipedesk/v1/me`), not this host's login.

What is sent: creating, moving, editing and deleting tickets, replies
and notes (queued while the server is away); stage, pipeline and
stage-action changes through their routes; and every other change a
person makes (settings, people, contacts), by the desk command's name
(core/desk_calls.py), with the queries of what the replica does not hold
(settings need the server to answer: never queued). What is the desk's
own host's work (delayed steps, mail, automation, the demo data) meets
the replica's refusal (`NotOnServer`), nothing done.

**Offline.** Every change is first written to the durable queue
(core/remote/queue.py), then sent, after the older ones still waiting, in
order. When the server does not answer, it stays there: a move, an edit
or a delete is made on the replica as the desk would make it (its rules
checked here first), so the board shows it at once, and `Queued` says it
waits. The next contact with the server (`refresh`, another change) sends
what waits, each under its own key, so each is made once; one the server
now refuses (the ticket deleted, the stage gone, the rights lost) is
recorded as a conflict, never dropped, and the replica is taken afresh.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import quote

import msgspec

from core import desk_calls
from core.access import Actor
from core.automation.actions import Action, parse_path, path_text, sequence_at
from core.automation.actions import Path as ActionPath
from core.bulk import gc_paused
from core.clock import Clock
from core.conversation import ConversationItem
from core.desk import Desk
from core.errors import DeskError, Unauthorized
from core.events import MessageSent, NoteAdded, Notice, TicketDeleted
from core.model import Pipeline, Stage
from core.records import Contact, Ticket
from core.remote.api import ServerApi, Unreachable
from core.remote.queue import Change, ChangeQueue, Conflict, ConflictLog, cache_folder
from core.remote.replica import SERVER_ACTOR, ReplicaStore, load_replica
from core.remote.status import Queued, SyncStatus
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageProperties,
    SetStageState,
    StageEdit,
    StageEditResult,
)
from core.store.files import atomic_write
from core.tickets import value_of
from core.timeline import TimelineItem

_TICKETS = "/pipedesk/v1/tickets"
_PIPELINES = "/crm/v3/pipelines/tickets"
# The replica is kept on disk at most this often while changes come in
# (a board of 100,000 tickets is written whole), and when the command or
# the app is done (`close`).
SAVE_SECONDS = 2.0
KEPT_SECONDS = 5.0
MAX_BACKOFF = 30.0
WATCH_RETRY = 1.0  # seconds between the feed thread's tries while offline


class RemoteDesk(Desk):
    def __init__(self, api: ServerApi, clock: Clock | None = None,
                 folder: Path | None = None) -> None:
        """`folder`: the client's own (the replica kept on disk, the queue),
        by default in the cache dir for this server and token. With a
        replica kept there the desk opens from it without asking the
        server; `refresh` then sends what waits and catches up."""
        self.api = api
        folder = folder or cache_folder(api.url, api.token_digest)
        warnings: list[str] = []
        # Tickets hold no cycles and live as long as the desk (core/bulk.py).
        with gc_paused(freeze=True):
            saved = load_replica(folder, api.url, warnings)
        me = saved.me if saved is not None else api.me()
        self.remote_actor = Actor.user(str(me["id"]))
        self.folder = folder
        self.queue = ChangeQueue(folder)
        self.conflicts = ConflictLog(folder)
        self.offline = ""  # why the server is not answering, while it is not
        store = ReplicaStore(api, folder, saved)
        store.me = me
        store.warnings += warnings + self.queue.warnings
        super().__init__(store, clock)
        self._saved_at = 0.0
        self._dirty = False  # the replica changed since it was kept on disk
        self._backoff = 0.0  # seconds before the server is asked again
        self._retry_at = 0.0
        self._waker: ServerApi | None = None  # the long-poll's own connection
        # The server's records a screen asks for often (the badge on every
        # change, the contact picker on every key): kept a little while.
        self._kept: dict[str, tuple[float, Any]] = {}
        if saved is None:
            store.save(self.state)
            self._flush()  # what an earlier run left waiting, in order

    @property
    def replica(self) -> ReplicaStore:
        store = self.store
        assert isinstance(store, ReplicaStore)
        return store

    def sign_in(self, login: str, named: str | None = None, place: str = "this desk") -> Actor:
        """The token's user, whatever this host's login is."""
        return self.remote_actor

    def run_due_steps(self) -> int:
        return 0  # the server runs the delayed steps

    def record_breaches(self) -> int:
        return 0  # and records SLA breaches

    def _automate(self, start: Callable[[], None] | None = None, depth: int = 0) -> None:
        """The server's automation acts on the server, not on the replica."""

    def refresh(self) -> Notice | None:
        """Send what waits, then take in what the server changed; offline,
        the replica stays as it is and `offline` says why."""
        if not self._flush():
            self._back_off()
            return None
        try:
            notice = super().refresh()
        except Unreachable as err:
            self.offline = err.message
            self._back_off()
            return None
        self.offline = ""
        self._backoff = 0.0
        if notice is not None:
            self._dirty = True
            self._kept.pop("unread_count", None)  # a change may have notified
            self._forget_gone(notice)
        self._save_if_due()
        return notice

    # -- how it stands, and the conflicts ------------------------------------------

    def sync_status(self) -> SyncStatus:
        """Cheap: asked by the screens on every tick."""
        return SyncStatus(self.api.url, self.offline, len(self.queue), len(self.conflicts),
                          self.freshness(),
                          frozenset(c.ticket or c.shows for c in self.queue.waiting()
                                    if c.ticket or c.shows),
                          self.replica.heard or self.replica.saved_at)

    def open_conflicts(self) -> list[Conflict]:
        return self.conflicts.open()

    def apply_again(self, conflict: Conflict, body: dict[str, object] | None = None) -> None:
        """Send a refused change again, as it was or with `body` edited (a
        move to another stage, the value that was missing), under a new key.
        Refused again, it stays a conflict, with the server's new reason."""
        change = conflict.change
        again = Change(uuid.uuid4().hex, change.method, change.path,
                       change.body if body is None else dict(body), change.what,
                       change.ticket, self.now().isoformat())
        try:
            self._deliver(again)
        except Unreachable as err:
            self.offline = err.message
            raise Queued(f"{change.what}: not sent: {err.message} The conflict stays.") \
                from None
        except DeskError as err:
            self.conflicts.resolve(conflict)
            self.conflicts.add(Conflict(again, err.message, self.now().isoformat()))
            raise
        self.conflicts.resolve(conflict)
        self.refresh()

    def discard(self, conflict: Conflict) -> None:
        """Give a refused change up: the server's state stands."""
        self.conflicts.resolve(conflict)

    def freshness(self) -> str:
        """How fresh the replica is, for a person: when the server was last
        heard (this run), else when the copy on disk was written."""
        when = self.replica.heard or self.replica.saved_at
        if when is None:
            return "not heard from the server yet"
        return f"as of {when.astimezone():%Y-%m-%d %H:%M:%S}"

    def due(self) -> bool:
        """Whether a screen's timer should ask the server now: while it does
        not answer, after 1 s, 2 s, 4 s … at most every 30 s (a timer fires
        twice a second, and must not wait on a dead network each time);
        `wait_for_change` finds it back sooner."""
        return not self.offline or time.monotonic() >= self._retry_at

    def _back_off(self) -> None:
        self._backoff = min(max(1.0, self._backoff * 2), MAX_BACKOFF)
        self._retry_at = time.monotonic() + self._backoff

    def wait_for_change(self, seconds: float) -> bool:
        """Block up to `seconds` until the server has a change for this
        user (the feed's long-poll, on a connection of its own: for a thread
        beside the screen, which then calls `refresh`). True when there is
        one to take in, or the server answers again after being away; the
        replica itself is not touched here."""
        if self._waker is None:
            self._waker = self.api.twin()
            self.api.watched = True  # this thread finds the server back
        try:
            # Offline, no long wait: the answer itself is the news.
            query = self.replica.feed_query(0 if self.offline else seconds)
            answer = self._waker.call("GET", "/pipedesk/v1/changes", params=query)
        except DeskError:
            # Asked again soon: a try here holds up no screen, and finds
            # the server back within a second or so of its return.
            time.sleep(min(seconds, WATCH_RETRY))
            return False
        self.api.answered()
        if self.offline:
            self._retry_at = 0.0  # back: the next refresh goes at once
            return True
        return bool(answer.get("reset") or answer.get("tickets") or answer.get("removed")
                    or answer.get("settingsChanged"))

    def close(self) -> None:
        """The command or the app is done: keep the replica as it is now."""
        if self._dirty:
            self._save()

    def _save_if_due(self) -> None:
        if self._dirty and time.monotonic() - self._saved_at >= SAVE_SECONDS:
            self._save()

    def _save(self) -> None:
        self.replica.save(self.state)
        self._saved_at = time.monotonic()
        self._dirty = False

    # -- commands, sent ------------------------------------------------------------------

    def create_ticket(self, actor: Actor, pipeline: str, stage: str, subject: str,
                      contact: str | None = None, values: Mapping[str, Any] | None = None,
                      source: str = "manual") -> Ticket:
        # Offline, the replica shows it under the next number it knows of,
        # marked pending; the server gives it its own (another agent may
        # have taken that one meanwhile), and the replica is then taken
        # afresh (`_flush`).
        shows = self.state.next_ticket_id()
        return self._ticket(self._send(
            "POST", _TICKETS, {"pipeline": pipeline, "stage": stage, "subject": subject,
                               "contact": contact, "values": dict(values or {})},
            f"Create ticket '{subject}'", pretend=lambda: Desk.create_ticket(
                self, actor, pipeline, stage, subject, contact, values, source),
            shows=shows))

    def move_ticket(self, ticket_id: str, stage: str, actor: Actor,
                    pipeline: str | None = None,
                    values: Mapping[str, Any] | None = None,
                    based: Mapping[str, Any] | None = None) -> Ticket:
        ticket = self.ticket(ticket_id, actor)
        # Made against the stage and values as shown here: sent later, it
        # is refused where someone changed one of them since (not another).
        names = ["stage", *(values or {})]
        seen = dict(based) if based is not None else self._seen(ticket, names)
        return self._ticket(self._send(
            "POST", f"{_path(ticket.id)}/move",
            {"stage": stage, "pipeline": pipeline, "values": dict(values or {}), "based": seen},
            f"Move #{ticket.id} to {self._stage_label(stage, pipeline or ticket.pipeline)}",
            ticket.id,
            lambda: Desk.move_ticket(self, ticket.id, stage, actor, pipeline, values)))

    def _seen(self, ticket: Ticket, names: Sequence[str]) -> dict[str, Any]:
        """The values of `names` as this replica shows them, by property name."""
        seen: dict[str, Any] = {}
        for name in names:
            try:
                name = self.property(name).name
            except DeskError:
                continue  # the server says what is wrong with it
            seen[name] = msgspec.to_builtins(value_of(ticket, name))
        return seen

    def _stage_label(self, ref: str, pipeline: str) -> str:
        """A stage as a person names it, for the queue and the conflicts."""
        try:
            return self.stage(ref, self.remote_actor, within=pipeline)[1].label
        except DeskError:
            return ref  # the server says what is wrong with it

    def edit_ticket(self, ticket_id: str, values: Mapping[str, Any], actor: Actor,
                    based: Mapping[str, Any] | None = None) -> Ticket:
        if not values:
            raise DeskError("Give at least one value to set.")
        ticket = self.ticket(ticket_id, actor)
        seen = dict(based) if based is not None else self._seen(ticket, list(values))
        return self._ticket(self._send(
            "POST", f"{_path(ticket.id)}/edit", {"values": dict(values), "based": seen},
            f"Set {', '.join(values)} of #{ticket.id}", ticket.id,
            lambda: Desk.edit_ticket(self, ticket.id, values, actor)))

    def delete_ticket(self, ticket_id: str, actor: Actor) -> Ticket:
        ticket = self.ticket(ticket_id, actor)  # as the replica has it: what was deleted
        self._send("DELETE", f"/crm/v3/objects/tickets/{quote(ticket.id, safe='')}", None,
                   f"Delete #{ticket.id}", ticket.id,
                   lambda: Desk.delete_ticket(self, ticket.id, actor))
        return ticket

    def reply(self, ticket_id: str, text: str, actor: Actor,
              cc: Sequence[str] = ()) -> MessageSent:
        ticket = self.ticket(ticket_id, actor)
        answer = self._send("POST", f"{_path(ticket.id)}/replies",
                            {"text": text, "cc": list(cc)}, f"Reply on #{ticket.id}", ticket.id)
        return _convert(answer, MessageSent, self.api.url)

    def add_note(self, ticket_id: str, text: str, actor: Actor) -> NoteAdded:
        ticket = self.ticket(ticket_id, actor)
        answer = self._send("POST", f"{_path(ticket.id)}/notes", {"text": text},
                            f"Note on #{ticket.id}", ticket.id)
        return _convert(answer, NoteAdded, self.api.url)

    def edit_stages(self, pipeline_ref: str, edits: Sequence[StageEdit],
                    actor: Actor) -> StageEditResult:
        """S8 on the server, all or none (every stage command comes here).
        A settings change needs the server: it is not queued."""
        pipeline = self.pipeline(pipeline_ref, actor)
        answer = self._send_now("POST", f"/pipedesk/v1/pipelines/{quote(pipeline.id, safe='')}"
                                "/stage-edits", {"edits": [_edit_json(e) for e in edits]},
                                "Stage edits")
        try:
            return StageEditResult(Pipeline.model_validate(answer["pipeline"]),
                                   dict(answer.get("added", {})),
                                   dict(answer.get("deleted", {})),
                                   {str(t): {} for t in answer.get("moved", [])})
        except (KeyError, TypeError, ValueError) as err:
            raise DeskError(f"{self.api.url} answered stage edits in a shape pipedesk cannot "
                            f"read ({err}).") from None

    # Pipelines through the CRM's pipelines API (docs/server.md): its
    # displayOrder counts from 0, the desk's positions from 1.

    def create_pipeline(self, label: str, actor: Actor) -> Pipeline:
        """P1: at the end, with the four default stages (the server's)."""
        made = self._send_now("POST", _PIPELINES, {
            "label": label, "displayOrder": len(self.config.pipelines)}, "Pipelines")
        return self.pipeline(str(made["id"]), actor)

    def rename_pipeline(self, ref: str, label: str, actor: Actor) -> Pipeline:
        pipeline = self.pipeline(ref, actor)
        self._send_now("PATCH", f"{_PIPELINES}/{quote(pipeline.id, safe='')}",
                       {"label": label}, "Pipelines")
        return self.pipeline(pipeline.id, actor)

    def reorder_pipeline(self, ref: str, position: int, actor: Actor) -> Pipeline:
        pipeline = self.pipeline(ref, actor)
        self._send_now("PATCH", f"{_PIPELINES}/{quote(pipeline.id, safe='')}",
                       {"displayOrder": max(position, 1) - 1}, "Pipelines")
        return self.pipeline(pipeline.id, actor)

    def delete_pipeline(self, ref: str, actor: Actor) -> Pipeline:
        """P5: the server refuses while it holds tickets."""
        pipeline = self.pipeline(ref, actor)
        self._send_now("DELETE", f"{_PIPELINES}/{quote(pipeline.id, safe='')}", None,
                       "Pipelines")
        return pipeline

    # Stage actions (A4, A4d) through pipedesk's own routes (docs/server.md).

    def _actions(self, pipeline_ref: str, stage_ref: str, actor: Actor) -> tuple[Stage, str]:
        pipeline = self.pipeline(pipeline_ref, actor)
        stage = self.stage(stage_ref, actor, within=pipeline.id)[1]
        return stage, (f"/pipedesk/v1/pipelines/{quote(pipeline.id, safe='')}/stages/"
                       f"{quote(stage.id, safe='')}/actions")

    def add_action(self, pipeline_ref: str, stage_ref: str, action: Action, actor: Actor,
                   at: ActionPath | None = None) -> ActionPath:
        _, base = self._actions(pipeline_ref, stage_ref, actor)
        answer = self._send_now("POST", base, {
            "action": _action_json(action), "at": path_text(at) if at is not None else None},
            "Automation changes")
        return parse_path(str(answer["position"]))

    def edit_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath,
                    action: Action, actor: Actor) -> Action:
        _, base = self._actions(pipeline_ref, stage_ref, actor)
        self._send_now("PUT", f"{base}/{path_text(path)}", {"action": _action_json(action)},
                       "Automation changes")
        return action

    def remove_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, actor: Actor,
                      and_after: bool = False) -> list[Action]:
        stage, base = self._actions(pipeline_ref, stage_ref, actor)
        try:
            sequence, index = sequence_at(stage.actions, path)
        except (IndexError, ValueError):
            raise DeskError(f"'{stage.label}' has no action {path_text(path)}.") from None
        removed = list(sequence[index:] if and_after else sequence[index:index + 1])
        self._send_now("DELETE", f"{base}/{path_text(path)}"
                       f"{'?andAfter=true' if and_after else ''}", None, "Automation changes")
        return removed

    def move_action(self, pipeline_ref: str, stage_ref: str, path: ActionPath, offset: int,
                    actor: Actor) -> ActionPath:
        _, base = self._actions(pipeline_ref, stage_ref, actor)
        answer = self._send_now("POST", f"{base}/{path_text(path)}/move", {"offset": offset},
                                "Automation changes")
        return parse_path(str(answer["position"]))

    def _send_now(self, method: str, path: str, body: dict[str, Any] | None,
                  what: str) -> Any:
        """A change the server must make now (settings): sent after what
        waits, under a key of its own, never queued."""
        try:
            if not self._flush():
                raise Unreachable(self.offline)
            answer = self.api.call(method, path, json=body,
                                   headers={"Idempotency-Key": uuid.uuid4().hex})
        except Unreachable as err:
            self.offline = err.message
            raise DeskError(f"{what} are made on the server only, which does not answer "
                            f"now: {err.message} Nothing was changed.") from None
        self.refresh()
        return answer

    # -- the desk's other commands and queries, by name (core/desk_calls.py) --------

    def _by_name(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call `name` on the server's desk: a change is made there only
        (needs the server to answer; never queued), a query reads what the
        replica does not hold."""
        if name in desk_calls.QUERIES:
            try:
                answer = self.api.call("POST", f"/pipedesk/v1/queries/{name}",
                                       json={"arguments": arguments})
            except Unreachable as err:
                self.offline = err.message
                raise DeskError(f"This is kept on the server, which does not answer now: "
                                f"{err.message}") from None
        else:
            answer = self._send_now("POST", f"/pipedesk/v1/commands/{name}",
                                    {"arguments": arguments},
                                    "Bulk changes" if name.startswith("bulk_") else
                                    "Changes to settings, people and contacts")
            self._kept.clear()
        if not isinstance(answer, dict):
            answer = {}
        return desk_calls.read_result(name, answer.get("result"), self.api.url)

    def _kept_a_while(self, name: str, seconds: float, fallback: T) -> T:
        """Query `name` (no arguments), asked again after `seconds`; while
        the server does not answer, what it said last (or `fallback`)."""
        kept = self._kept.get(name)
        if kept is not None and time.monotonic() - kept[0] < seconds:
            return cast(T, kept[1])
        try:
            value = self._by_name(name, {})
        except DeskError:
            if self.offline:
                return cast(T, kept[1]) if kept is not None else fallback
            raise
        self._kept[name] = (time.monotonic(), value)
        return cast(T, value)

    def contacts(self, actor: Actor) -> list[Contact]:
        """The server's; the picker asks on every key, so kept for a few
        seconds (and taken afresh after a change of one)."""
        return list(self._kept_a_while("contacts", KEPT_SECONDS, []))

    def contact(self, email: str, actor: Actor) -> Contact:
        found = {c.email.casefold(): c for c in self.contacts(actor)}.get(
            email.strip().casefold())
        if found is None:
            raise DeskError(f"No contact {email!r}; add the contact first.")
        return found

    def find_tickets(self, query: str, actor: Actor, sort: str | None = None,
                     limit: int | None = None) -> list[Ticket]:
        """Fields are found on the replica; free text is found in the
        conversations too, which the server holds: asked of it, and while
        it does not answer, found on the replica (subjects and contacts)."""
        from core.query import parse

        parsed = parse(query)  # a mistake is said here, nothing sent
        if any(t.field is None for t in parsed.terms):
            try:
                found: list[Ticket] = self._by_name(
                    "find_tickets", {"query": query, "sort": sort, "limit": limit})
                return found
            except DeskError:
                if not self.offline:
                    raise
        return Desk.find_tickets(self, query, actor, sort, limit)

    def unread_count(self, actor: Actor) -> int:
        """The badge asks on every change: asked of the server again when
        the feed brought one (that may have notified), else after a while."""
        return self._kept_a_while("unread_count", KEPT_SECONDS * 6, 0)

    # -- what the replica does not hold ------------------------------------------------

    def timeline(self, ticket_id: str, actor: Actor) -> list[TimelineItem]:
        """The server's; while it does not answer, the one this host was
        last given and a line saying as of when (or that it is kept on the
        server); the ticket itself is on the replica, and shows."""
        ticket = self.ticket(ticket_id, actor)
        items, kept = self._kept_items(ticket, "timeline")
        timeline = [TimelineItem.from_dict(item) for item in items]
        if kept is not None:
            said = (f"The timeline as this host last had it, {kept}; the server does not "
                    f"answer now: {self.offline}" if kept else
                    f"The timeline is kept on the server, which does not answer now: "
                    f"{self.offline}")
            timeline.append(TimelineItem(self.now(), SERVER_ACTOR, said, who="pipedesk"))
        return timeline

    def conversation(self, ticket_id: str, actor: Actor) -> list[ConversationItem]:
        """The server's; while it does not answer, the one this host was
        last given (none, if it never was: the timeline says why)."""
        ticket = self.ticket(ticket_id, actor)
        items, _ = self._kept_items(ticket, "conversation")
        return [ConversationItem.from_dict(item) for item in items]

    def _forget_gone(self, notice: Notice) -> None:
        """What this host kept of tickets the server took away (deleted, or
        out of the user's sight now: U3) is removed with them."""
        for entry in notice.entries:
            if isinstance(entry.event, TicketDeleted):
                for what in ("timeline", "conversation"):
                    self._kept_path(entry.event.ticket, what).unlink(missing_ok=True)

    def _kept_path(self, ticket_id: str, what: str) -> Path:
        return self.folder / "tickets" / f"{quote(ticket_id, safe='')}.{what}.json"

    def _kept_items(self, ticket: Ticket, what: str) -> tuple[list[dict[str, Any]], str | None]:
        """A ticket's timeline or conversation from the server, kept in this
        client's folder for when it does not answer; then the kept items and
        as of when ("" when none were kept). None: from the server now.
        Only a ticket the replica shows gets here (U2: one out of sight is
        unknown, whatever was kept of it)."""
        path = self._kept_path(ticket.id, what)
        try:
            items = list(self.api.call("GET", f"{_path(ticket.id)}/{what}")["items"])
        except Unreachable as err:
            self.offline = err.message
            try:
                kept = msgspec.json.decode(path.read_bytes(), type=_KeptItems)
            except (OSError, msgspec.DecodeError):
                return [], ""
            return kept.items, f"as of {kept.at.astimezone():%Y-%m-%d %H:%M}"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, msgspec.json.encode(_KeptItems(datetime.now(UTC), items)))
        return items, None

    # -- sending ----------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: dict[str, Any] | None, what: str,
              ticket: str = "", pretend: Callable[[], object] | None = None,
              shows: str = "") -> Any:
        """One command: into the queue (on disk before anything shows it),
        then to the server after what waits before it, under a key of its
        own (docs/server.md, "Sending a change once"); the replica then
        follows what it changed. The server not answering: `pretend`
        makes it on the replica (its rules checked here), and `Queued`."""
        if ticket and ticket in self._not_created_yet():
            # Sent later it would name whichever ticket the server gives
            # that number: not this one.
            raise DeskError(f"#{ticket} waits to be created on the server; change it once "
                            "the server has it (it may get another number there).")
        change = Change(uuid.uuid4().hex, method, path, body, what, ticket,
                        self.now().isoformat(), shows)
        self.queue.add(change)
        try:
            if not self._flush(before=change):
                raise Unreachable(self.offline)
            answer = self._deliver(change)
        except Unreachable as err:
            self.offline = err.message
            if pretend is not None:
                try:
                    self._pretending(pretend)
                except DeskError:
                    self.queue.done_all([change])  # refused here as the server would
                    raise
            raise Queued(f"{what}: not sent yet. {err.message} It waits on this host "
                         f"({len(self.queue)} waiting) and is sent, once, when the server "
                         "answers.") from None
        except DeskError:
            self.queue.done_all([change])  # refused by the server: said, not kept
            raise
        self.queue.done_all([change])
        self.refresh()
        return answer

    def _deliver(self, change: Change) -> Any:
        return self.api.call(change.method, change.path, json=change.body,
                             headers={"Idempotency-Key": change.key})

    def _flush(self, before: Change | None = None) -> bool:
        """Send the changes waiting (but `before` and what came after it),
        oldest first; False when the server does not answer. One the
        server refuses now becomes a conflict, and the replica is taken
        afresh (what was shown of it on the replica was not so)."""
        refused = False
        if not self.queue:  # asked twice a second: no file read for it
            return True
        # Marked done together at the end, one write for them all: one
        # sent again after a crash meanwhile is skipped by the server (its
        # key). A refused one is marked at once, with its conflict.
        sent: list[Change] = []
        try:
            for change in self.queue.waiting():
                if before is not None and change.key == before.key:
                    break
                try:
                    self._deliver(change)
                except Unreachable as err:
                    self.offline = err.message
                    return False
                except Unauthorized:
                    raise  # the token, not the change: said, and the queue kept
                except DeskError as err:
                    self.conflicts.add(Conflict(change, err.message,
                                                self.now().isoformat()))
                    self.queue.done_all([change])
                    refused = True
                    continue
                sent.append(change)
        finally:
            if sent:
                self.queue.done_all(sent)
        self.offline = ""
        if refused or any(c.shows for c in sent):
            # A reset at the next look: what the replica showed of a refused
            # change was not so, and a ticket created offline has the
            # server's number now.
            self.replica.position = None
        return True

    def _not_created_yet(self) -> set[str]:
        return {c.shows for c in self.queue.waiting() if c.shows}

    def _pretending(self, change: Callable[[], object]) -> None:
        self.replica.pretending = True
        try:
            change()
        finally:
            self.replica.pretending = False
        # Kept on disk soon (a board of 100,000 tickets is written whole, so
        # not after every change); the change itself is in the queue already.
        self._dirty = True
        self._save_if_due()

    def _ticket(self, answer: Any) -> Ticket:
        return _convert(answer, Ticket, self.api.url)


class _KeptItems(msgspec.Struct):
    at: datetime
    items: list[dict[str, Any]]


def _action_json(action: Action) -> dict[str, Any]:
    """An action as desk.toml keeps it, and the server's routes take it."""
    data: dict[str, Any] = action.model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("comments", None)  # an edit keeps the action's own (A4d)
    return data


def _edit_json(edit: StageEdit) -> dict[str, Any]:
    """A stage edit as the server's stage-edits route takes it (docs/server.md)."""
    match edit:
        case AddStage():
            return {"op": "add", "key": edit.key, "label": edit.label, "state": str(edit.state)}
        case RenameStage():
            return {"op": "rename", "stage": edit.stage, "label": edit.label}
        case SetStageState():
            return {"op": "state", "stage": edit.stage, "state": str(edit.state)}
        case MoveStage():
            return {"op": "move", "stage": edit.stage, "position": edit.position}
        case DeleteStage():
            return {"op": "delete", "stage": edit.stage, "moveTo": edit.move_to}
        case SetStageProperties():
            return {"op": "properties", "stage": edit.stage,
                    "properties": [p.model_dump(mode="json") for p in edit.properties]}
    raise AssertionError(edit)


def _path(ticket_id: str) -> str:
    return f"{_TICKETS}/{quote(ticket_id.strip(), safe='')}"


T = TypeVar("T")


def _convert(answer: Any, kind: type[T], url: str) -> T:
    try:
        return msgspec.convert(answer, kind)
    except msgspec.ValidationError as err:
        raise DeskError(f"{url} answered in a shape pipedesk cannot read ({err}); are the "
                        "server and this pipedesk the same version?") from None


def _sent_by_name(name: str) -> Callable[..., Any]:
    """`Desk.<name>` on a server's desk: the call, as the person made it,
    sent by name (core/desk_calls.py)."""
    on_desk = getattr(Desk, name)

    @functools.wraps(on_desk)
    def sent(self: RemoteDesk, *args: Any, **kwargs: Any) -> Any:
        return self._by_name(name, desk_calls.arguments_of(name, (self, *args), kwargs))

    return sent


for _name in desk_calls.CALLS:
    if _name not in RemoteDesk.__dict__:  # those it keeps a while, above
        setattr(RemoteDesk, _name, _sent_by_name(_name))
