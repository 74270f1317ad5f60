"""Which ticket an incoming message belongs to (A1, issue 13's threading).

First hit wins:
1. its In-Reply-To, then any id in its References, is a Message-ID the desk
   received or sent on a ticket (`DeskState.messages`: one lookup each), or
   one of our own signed ids (core/mail/ids.py) naming a ticket;
2. its subject carries a ticket's tag (`[#123]`), and the sender is that
   ticket's contact, someone on its conversation, or a user of the desk;
3. otherwise it is on no ticket (a new ticket, if its channel makes them).

A message threaded by id joins the thread of the message it answers; one
placed by its subject tag starts a thread of its own on the ticket (the
contact's "other mail" of A3c).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from core.mail.ids import ticket_of_own_id
from core.mail.reading import IncomingMail
from core.records import Ticket
from core.state import DeskState

# `[#123]`: the tag every subject the desk sends carries.
_TAG = re.compile(r"\[#(\d{1,15})\]")


@dataclass(frozen=True)
class Placing:
    """Where a message goes: `ticket` (None: on no ticket yet), the thread
    it is on, and how it was found ("in-reply-to", "references",
    "subject tag"; "" when it was not)."""

    ticket: Ticket | None
    thread: str
    how: str = ""


def subject_tag(ticket_id: str) -> str:
    return f"[#{ticket_id}]"


def place(mail: IncomingMail, state: DeskState, key: bytes, users: Collection[str],
          people_of: Callable[[Ticket], Collection[str]]) -> Placing:
    """Where `mail` belongs. `users`: the desk's users' addresses (lower
    case); `people_of(ticket)`: the addresses on a ticket's conversation,
    asked only when a subject tag is all there is to go by."""
    own = mail.message_id or ""
    for how, ids in (("in-reply-to", mail.in_reply_to), ("references", mail.references[::-1])):
        for message_id in ids:
            found = _by_id(message_id, state, key)
            if found is not None:
                return Placing(found[0], found[1], how)
    tag = _TAG.search(mail.subject)
    if tag is not None:
        ticket = state.tickets.get(tag.group(1))
        if ticket is not None and _may_use_tag(mail.sender, ticket, users, people_of):
            return Placing(ticket, own, "subject tag")
    return Placing(None, own)


def _by_id(message_id: str, state: DeskState, key: bytes) -> tuple[Ticket, str] | None:
    known = state.messages.get(message_id.lower())
    if known is not None:
        ticket = state.tickets.get(known[0])
        if ticket is not None:
            return ticket, known[1]
    ticket_id = ticket_of_own_id(message_id, key)
    if ticket_id is not None:
        ticket = state.tickets.get(ticket_id)
        if ticket is not None:
            return ticket, state.created_threads.get(ticket.id, message_id)
    return None


def _may_use_tag(sender: str, ticket: Ticket, users: Collection[str],
                 people_of: Callable[[Ticket], Collection[str]]) -> bool:
    """A tag is only text anyone can type: it places mail on a ticket only
    when the sender is someone the ticket already knows."""
    if ticket.contact is not None and ticket.contact.casefold() == sender:
        return True
    return sender in users or sender in people_of(ticket)
