"""Domain events: what the journal keeps, what subscribers hear, what sync ships.

One line of `tickets.jsonl` is one `Entry`: a sequence number, when, who, and
the event. A ticket's timeline (T7) is read back from these entries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import msgspec

from core.records import Contact, Ticket

# A change of one property: name -> [before, after], values as JSON holds them.
Changes = dict[str, list[Any]]


class TicketCreated(msgspec.Struct, tag="ticket.created"):
    ticket: Ticket


class TicketChanged(msgspec.Struct, tag="ticket.changed", omit_defaults=True):
    """A move, an edit, or both; `changes` says what changed from what to what.
    `cause` is the Message-ID of the email that made an A3 trigger move it."""

    ticket: str
    changes: Changes
    cause: str | None = None


class TicketDeleted(msgspec.Struct, tag="ticket.deleted"):
    ticket: str
    subject: str


class StagesEdited(msgspec.Struct, tag="stages.edited"):
    """Stage edits that deleted stages (S6, S8), in one line of the journal,
    so the move of their tickets is whole or not at all.

    `deleted` maps each deleted stage's id to its label; `moved` holds each
    moved ticket's changes. `stages` is the pipeline's stages as the edits
    left them (as desk.toml holds them) and `next_id` the id counter after
    them: if desk.toml was not written after this line (a crash), the next
    open writes it from these (`Desk._settle`)."""

    pipeline: str
    deleted: dict[str, str]
    moved: dict[str, Changes]
    stages: list[dict[str, Any]]
    next_id: int


class ContactAdded(msgspec.Struct, tag="contact.added"):
    contact: Contact


class ContactChanges(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What changed on a contact, from what to what, in the shape of a
    ticket's `Changes` ({"name": ["Kari", "Kari Hansen"]}) but typed, so a
    line naming anything else is refused when the journal is read."""

    name: tuple[str, str] | None = None
    marketing: tuple[bool, bool] | None = None


class ContactChanged(msgspec.Struct, tag="contact.changed"):
    """A contact's name or marketing flag changed. `contact` is its email
    as stored: the contact's identity, which never changes (tickets name
    their contact by it)."""

    contact: str
    changes: ContactChanges


class StepRun(msgspec.Struct):
    """One action run: `action` is its position in the stage's sequence
    ("3.then.1"; "3 (after the delay)" when it ran once a delay before it
    came due), `kind` its kind, `result` one of done, skipped, failed,
    waiting (a delay), queued (mail or a webhook handed on), delivered,
    stopped (the depth limit). `rotation` is the team whose round-robin
    turn it took."""

    action: str
    kind: str
    result: str
    detail: str = ""
    rotation: str | None = None


class AutomationRan(msgspec.Struct, tag="automation.ran"):
    """A6: the actions a stage ran for one ticket, in order, and how each
    went (one entry per run keeps the journal lean on big desks)."""

    ticket: str
    pipeline: str
    stage: str
    steps: list[StepRun]


class NotificationSent(msgspec.Struct, tag="notification.sent"):
    """A4b: an internal notification to each of `users`; its id is the
    entry's sequence number."""

    users: list[str]
    text: str
    ticket: str | None = None


class NotificationsRead(msgspec.Struct, tag="notifications.read"):
    """`user` has read their notifications up to entry `upto`."""

    user: str
    upto: int


class StepDelayed(msgspec.Struct, tag="automation.delayed"):
    """A delay (A4c): `actions` (as desk.toml holds them) run for the ticket
    once `due` has come. Kept in the journal, so it survives a restart and
    every process knows of it; its id is the entry's sequence number."""

    ticket: str
    pipeline: str
    stage: str
    path: str  # the delay's own position, for the log
    actions: list[dict[str, Any]]
    due: datetime
    depth: int = 0
    # The position of each of `actions` in the stage's sequence ("4",
    # "2.then.3"), so the log numbers them as the Automate tab does. Empty in
    # steps written before it was kept.
    positions: list[str] = []


class StepResumed(msgspec.Struct, tag="automation.resumed"):
    """The delayed step `step` was taken up: it runs once, here."""

    step: int


# -- the conversation (C1): messages in and out, notes -------------------------------


class Attachment(msgspec.Struct):
    """A file a message carried: its name, size in bytes and content type
    (the bytes stay in the raw message, saved on request)."""

    name: str
    size: int
    type: str = "application/octet-stream"


class MessageReceived(msgspec.Struct, tag="message.received", kw_only=True):
    """A message in (A1), on ticket `ticket`, through `channel` (its address).

    `role`: who sent it, as the desk knows them: the ticket's "contact", a
    "user" of the desk (an agent writing from their own mailbox, A3c), or
    someone "other" (a Cc, a stranger). `auto` says why it is machine mail
    (an auto-reply, a bounce; "" when a person sent it): it never moves a
    ticket. `thread` is the Message-ID the thread it belongs to began with.
    `raw` is the key of the message as received in the inbox Maildir;
    `dedupe` what makes a second delivery of it a duplicate."""

    ticket: str
    channel: str
    message_id: str
    sender: str
    sender_name: str = ""
    to: list[str] = []
    cc: list[str] = []
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    in_reply_to: str | None = None
    references: list[str] = []
    attachments: list[Attachment] = []
    raw: str = ""
    dedupe: str = ""
    role: str = "other"
    auto: str = ""
    forwarded: bool = False
    thread: str = ""
    created: bool = False


class MessageSent(msgspec.Struct, tag="message.sent", kw_only=True):
    """A message out on ticket `ticket`: an agent's reply from the ticket
    (`from_ticket`, what A3a moves on), or automation's mail (`auto`)."""

    ticket: str
    message_id: str
    sender: str
    to: list[str] = []
    cc: list[str] = []
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    in_reply_to: str | None = None
    references: list[str] = []
    thread: str = ""
    from_ticket: bool = False
    auto: bool = False
    outbox: str = ""


class NoteAdded(msgspec.Struct, tag="note.added"):
    """An internal note on the ticket's conversation: never sent."""

    ticket: str
    text: str


class MailIgnored(msgspec.Struct, tag="mail.ignored", kw_only=True):
    """A message kept in the inbox but on no ticket, and why (the channel
    creates no tickets, or it is our own mail come back)."""

    channel: str
    message_id: str
    dedupe: str
    reason: str
    raw: str = ""


class SlaBreached(msgspec.Struct, tag="sla.breached", kw_only=True):
    """Issue 17: a ticket's SLA clock (`respond` or `resolve`, core/sla.py)
    ran out at `due`; recorded once per ticket and clock, and what the
    pipeline's SLA breach actions react to."""

    ticket: str
    pipeline: str
    clock: str
    due: datetime


class CommandApplied(msgspec.Struct, tag="command.applied", kw_only=True):
    """A client's command (`Desk.run_once`) that changed only the settings,
    which are no entry: this one carries its id (`Entry.command`), written
    with the settings as one unit."""

    name: str


Event = (TicketCreated | TicketChanged | TicketDeleted | StagesEdited | ContactAdded
         | ContactChanged | AutomationRan | NotificationSent | NotificationsRead | StepDelayed
         | StepResumed | MessageReceived | MessageSent | NoteAdded | MailIgnored
         | CommandApplied | SlaBreached)

class Entry(msgspec.Struct, omit_defaults=True):
    """One line of the journal."""

    seq: int
    at: datetime
    actor: str
    event: Event
    # The id a client gave the command this entry came of (a command sent
    # through `Desk.run_once`: issue 16's replayed commands), so that a
    # command sent twice is applied once. Empty, and not written, otherwise.
    command: str = ""


def ticket_ids(event: Event) -> list[str]:
    """The tickets an event touches (for timelines and repaints)."""
    match event:
        case TicketCreated(ticket=t):
            return [t.id]
        case TicketChanged(ticket=tid) | TicketDeleted(ticket=tid):
            return [tid]
        case StagesEdited(moved=moved):
            return list(moved)
        case AutomationRan(ticket=tid) | SlaBreached(ticket=tid):
            return [tid]
        case MessageReceived(ticket=tid) | MessageSent(ticket=tid) | NoteAdded(ticket=tid):
            return [tid]
        case _:
            return []


class Arrival(NamedTuple):
    """A ticket entered a stage: what sets off a stage's automation (A4)."""

    ticket: str
    stage: str


def arrivals(event: Event) -> list[Arrival]:
    """The tickets `event` brings into a stage: created in it, moved there
    (by anyone), or moved by a stage's deletion. Asked of every entry a
    command makes, most of which bring none: hence the plain checks."""
    if type(event) is TicketChanged:
        if "stage" in event.changes:
            return [Arrival(event.ticket, event.changes["stage"][1])]
    elif type(event) is TicketCreated:
        return [Arrival(event.ticket.id, event.ticket.stage)]
    elif type(event) is StagesEdited:
        return [Arrival(tid, changes["stage"][1])
                for tid, changes in event.moved.items() if "stage" in changes]
    return []


@dataclass(frozen=True)
class Notice:
    """What a subscriber is told after the desk changed.

    `entries` are the journal entries applied (made here, or noticed from
    another process when `local` is False); `settings` is True when
    desk.toml changed.
    """

    entries: list[Entry] = field(default_factory=list)
    settings: bool = False
    local: bool = True
