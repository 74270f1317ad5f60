"""The desk's tickets and contacts in memory, as the journal makes them.

`DeskState.apply` is the one place an event changes a ticket, whether it was
made in this process, replayed at start, or appended by another process.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from core.clock import parse_instant
from core.events import (
    AutomationRan,
    Changes,
    ContactAdded,
    ContactChanged,
    Entry,
    MailIgnored,
    MessageReceived,
    MessageSent,
    NotificationSent,
    NotificationsRead,
    SlaBreached,
    StagesEdited,
    StepDelayed,
    StepResumed,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
    ticket_ids,
)
from core.records import Contact, Ticket

# Fields of Ticket that hold a date-time; in a change they travel as text.
_INSTANT_FIELDS = frozenset({"create_date", "close_date", "last_activity"})
_FIELDS = frozenset(Ticket.__struct_fields__) - {"props", "id"}


class DeskState:
    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.contacts: dict[str, Contact] = {}
        self.seq = 0
        # Ticket ids are never reused, even after the newest ticket is deleted.
        self.last_ticket_id = 0
        # A4b: notifications by entry number, and how far each user has read.
        self.notifications: dict[int, Notification] = {}
        self.read_upto: dict[str, int] = {}
        # Unread notifications per user, kept as entries come: the unread
        # badge asks on every change, and a busy desk holds many.
        self.unread_counts: dict[str, int] = {}
        # A4c: delays waiting for their time, by entry number.
        self.delayed: dict[int, Delayed] = {}
        # Round-robin owner assignment: how many turns each team has given.
        self.rotations: dict[str, int] = {}
        # Mail (A1): every Message-ID the desk received or sent, folded to
        # lower case, -> [ticket, thread] (the id its thread began with), so
        # threading a reply is one lookup however many tickets there are.
        self.messages: dict[str, list[str]] = {}
        # What makes a second delivery of a message a duplicate (channel and
        # Message-ID, or a digest of its bytes) -> the ticket it went to,
        # "" for mail ignored.
        self.mail_seen: dict[str, str] = {}
        # When automated mail (A4a) went to each address in the last hour.
        self.automated_mail: dict[str, list[datetime]] = {}
        # The thread each ticket was created on (A3b): its first message's.
        self.created_threads: dict[str, str] = {}
        # Commands clients sent with an id (`Desk.run_once`), applied: id ->
        # [the actor who sent it, the first ticket it touched, if any]. A
        # command sent again is not applied again.
        self.commands: dict[str, list[str]] = {}
        # Issue 17: the SLA clocks recorded as breached, by ticket: each is
        # recorded (and reacted to) once.
        self.sla_breached: dict[str, list[str]] = {}

    def apply(self, entry: Entry) -> None:
        match entry.event:
            case TicketCreated(ticket=ticket):
                self.tickets[ticket.id] = ticket
                self.last_ticket_id = max(self.last_ticket_id, int(ticket.id))
            case TicketChanged(ticket=tid, changes=changes):
                apply_changes(self.tickets[tid], changes, entry.at)
            # Automation's entries next: on a busy desk they are most of them.
            case AutomationRan(steps=steps, ticket=tid):
                for ran in steps:
                    if ran.rotation is not None:
                        self.rotations[ran.rotation] = self.rotations.get(ran.rotation, 0) + 1
                    if ran.kind == "send-email" and ran.result == "queued":
                        self._automated_mail(tid, entry.at)
            case NotificationSent(users=users, text=text, ticket=tid):
                self.notifications[entry.seq] = Notification(
                    id=entry.seq, at=entry.at, actor=entry.actor, users=users, text=text,
                    ticket=tid)
                for user in users:
                    self.unread_counts[user] = self.unread_counts.get(user, 0) + 1
            case TicketDeleted(ticket=tid):
                self.tickets.pop(tid, None)
                self.sla_breached.pop(tid, None)
            case SlaBreached(ticket=tid, clock=clock):
                self.sla_breached.setdefault(tid, []).append(clock)
            case StagesEdited(moved=moved):
                for tid, changes in moved.items():
                    apply_changes(self.tickets[tid], changes, entry.at)
            case ContactAdded(contact=contact):
                self.contacts[contact.email.casefold()] = contact
            case ContactChanged(contact=email, changes=changes):
                # Replaced, not changed in place: a screen holding the
                # contact as it was keeps what it read.
                key = email.casefold()
                contact = self.contacts[key]
                self.contacts[key] = Contact(
                    email=contact.email,
                    name=contact.name if changes.name is None else changes.name[1],
                    marketing=(contact.marketing if changes.marketing is None
                               else changes.marketing[1]))
            case NotificationsRead(user=user, upto=upto):
                self.read_upto[user] = max(self.read_upto.get(user, 0), upto)
                self.unread_counts[user] = len(self.unread(user))
            case StepDelayed() as step:
                self.delayed[entry.seq] = Delayed(id=entry.seq, step=step)
            case StepResumed(step=step_id):
                self.delayed.pop(step_id, None)
            case MessageReceived() as message:
                self._know_message(message.message_id, message.ticket, message.thread)
                if message.dedupe:
                    self.mail_seen[message.dedupe] = message.ticket
                if message.created:
                    self.created_threads[message.ticket] = message.thread
                self._touch(message.ticket, entry.at)
            case MessageSent(message_id=mid, ticket=tid, thread=thread, auto=auto):
                self._know_message(mid, tid, thread)
                if not auto:
                    self._replied(tid, entry.at)
                # A ticket made by hand begins its thread with the first reply.
                self.created_threads.setdefault(tid, thread or mid)
                self._touch(tid, entry.at)
            case MailIgnored(dedupe=dedupe):
                if dedupe:
                    self.mail_seen[dedupe] = ""
        if entry.command:
            mark = self.commands.setdefault(entry.command, [entry.actor])
            if len(mark) == 1:
                mark += ticket_ids(entry.event)[:1]
        self.seq = entry.seq

    def _automated_mail(self, ticket_id: str, at: datetime) -> None:
        ticket = self.tickets.get(ticket_id)
        if ticket is None or not ticket.contact:
            return
        times = self.automated_mail.setdefault(ticket.contact.casefold(), [])
        times.append(at)
        # Only the last hour counts: the list stays short.
        while times and (at - times[0]).total_seconds() > 3600:
            times.pop(0)

    def automated_mail_in_the_hour(self, email: str, now: datetime) -> int:
        """How many automated emails (A4a) went to `email` in the hour
        before `now` (issue 13: the cap that keeps two robots from looping)."""
        return sum(1 for at in self.automated_mail.get(email.casefold(), ())
                   if (now - at).total_seconds() <= 3600)

    def _replied(self, ticket_id: str, at: datetime) -> None:
        # The first response an SLA counts (issue 17) is a person's, not
        # automation's mail (A4a, `auto`).
        ticket = self.tickets.get(ticket_id)
        if ticket is not None and ticket.replied is None:
            ticket.replied = at

    def _touch(self, ticket_id: str, at: datetime) -> None:
        # Mail in or out is activity on the ticket, as an edit is.
        ticket = self.tickets.get(ticket_id)
        if ticket is not None:
            ticket.last_activity = at

    def _know_message(self, message_id: str, ticket: str, thread: str) -> None:
        if message_id:
            self.messages[message_id.lower()] = [ticket, thread or message_id]

    def count_unread(self) -> None:
        """Work out every user's unread count afresh (after loading a snapshot)."""
        self.unread_counts = {}
        for n in self.notifications.values():
            for user in n.users:
                if n.id > self.read_upto.get(user, 0):
                    self.unread_counts[user] = self.unread_counts.get(user, 0) + 1

    def unread(self, user: str) -> list[Notification]:
        seen = self.read_upto.get(user, 0)
        return [n for n in self.notifications.values() if n.id > seen and user in n.users]

    def next_ticket_id(self) -> str:
        return str(self.last_ticket_id + 1)


class Notification(msgspec.Struct, kw_only=True):
    id: int
    at: datetime
    actor: str
    users: list[str]
    text: str
    ticket: str | None = None


class Delayed(msgspec.Struct, kw_only=True):
    id: int
    step: StepDelayed


def apply_changes(ticket: Ticket, changes: Changes, at: datetime) -> None:
    moved = "stage" in changes and changes["stage"][1] != ticket.stage
    if moved:
        # The SLA clocks' account of time per stage (core/sla.py). A new
        # dict, not one changed in place: `with_changes`'s copy shares it.
        spent = max(0.0, (at - (ticket.entered or ticket.create_date)).total_seconds())
        held = ticket.stage_seconds or {}
        ticket.stage_seconds = {**held, ticket.stage: held.get(ticket.stage, 0.0) + spent}
        ticket.entered = at
    for name, (_before, after) in changes.items():
        if name in _FIELDS:
            setattr(ticket, name, _field_value(name, after))
        elif after is None:
            ticket.props.pop(name, None)
        else:
            ticket.props[name] = after
    ticket.last_activity = at


def _field_value(name: str, value: Any) -> Any:
    if name in _INSTANT_FIELDS and isinstance(value, str):
        return parse_instant(value)
    return value


def with_changes(ticket: Ticket, changes: Changes) -> Ticket:
    """A copy of `ticket` as `changes` would leave it (the ticket itself is
    untouched): to check a rule on the result before recording it."""
    copy = msgspec.structs.replace(ticket, props=dict(ticket.props))
    apply_changes(copy, changes, ticket.last_activity)
    return copy
