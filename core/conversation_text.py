"""Each ticket's text for the free-text terms of a query (issue 17 item 1):
its subject, its contact's address and name, and its conversation (the
messages in and out and the notes), folded to lower case, by ticket
(`core.query.ticket_text` says how they are put together).

Made the first time a query has free text: the conversations are read
from the store's entries (the journal, from its end), each ticket's text
is put together once, and from then on kept up from every notice of the
desk, so a query reads each ticket's text as it is, with nothing joined or
folded per query: a reply made or mail taken in, a subject or a contact
changed, is found at the next query. A message counts with its first
`MESSAGE_CHARS` characters, a ticket with its newest `TICKET_CHARS` of
them: enough for what people search by (an error message, an order
number, a name), and 100,000 tickets stay within memory (about 50 MB at
500 characters each; docs/performance.md). A desk on a server keeps no
conversations (its replica holds tickets): there, free text finds the
subject and the contact only.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.events import (
    ContactAdded,
    ContactChanged,
    Entry,
    MessageReceived,
    MessageSent,
    NoteAdded,
    Notice,
    TicketChanged,
    TicketCreated,
    TicketDeleted,
)
from core.query import ticket_text
from core.records import Ticket
from core.state import DeskState
from core.store.base import Store

MESSAGE_CHARS = 1_000
TICKET_CHARS = 4_000
_KINDS = (MessageReceived, MessageSent, NoteAdded)
# What a ticket's text is made of besides its conversation.
_OWN = frozenset({"subject", "contact"})


class SearchText:
    def __init__(self, store: Store, state: DeskState) -> None:
        self._state = state
        # Each ticket's text, and where its conversation begins in it.
        self._texts = _Texts(self)
        self._heads: dict[str, int] = {}
        # Contacts (folded) added or renamed since the last query: their
        # tickets' texts are made again before the next one reads them.
        self._contacts: set[str] = set()
        newest_first: dict[str, list[str]] = {}
        for kind in _KINDS:
            for entry in store.newest_entries(kind=kind):
                found = _said_in(entry)
                if found is not None:
                    newest_first.setdefault(found[0], []).append(found[1])
        for ticket in state.tickets.values():
            said = newest_first.get(ticket.id)
            self._make(ticket, " ".join(reversed(said))[-TICKET_CHARS:] if said else "")

    def texts_of(self, tickets: Sequence[Ticket]) -> list[str]:
        """The texts of `tickets`, in their order, for a query
        (`Query.matching`), with what changed since the last one seen to."""
        if self._contacts:
            renamed, self._contacts = self._contacts, set()
            for ticket in list(self._state.tickets.values()):
                if ticket.contact and ticket.contact.casefold() in renamed:
                    self._make(ticket, self._said(ticket.id))
        texts = self._texts
        # Every ticket, in the order the texts are kept (the desk's, as they
        # were made): taken as they are, a third of the time of a lookup each.
        if len(tickets) == len(texts) and list(texts) == [t.id for t in tickets]:
            return list(texts.values())
        return [texts[t.id] for t in tickets]

    def take(self, notice: Notice) -> None:
        """A subscriber of the desk: each ticket's text as its entries left it."""
        tickets = self._state.tickets
        for entry in notice.entries:
            event = entry.event
            said = _said_in(entry)
            if said is not None:
                ticket_id, words = said
                held = self._said(ticket_id)
                said_now = f"{held} {words}"[-TICKET_CHARS:] if held else words
                ticket = tickets.get(ticket_id)
                if ticket is not None:
                    self._make(ticket, said_now)
            elif isinstance(event, TicketCreated | TicketChanged):
                ticket_id = event.ticket.id if isinstance(event, TicketCreated) else event.ticket
                ticket = tickets.get(ticket_id)
                if ticket is not None and (isinstance(event, TicketCreated)
                                           or not _OWN.isdisjoint(event.changes)):
                    self._make(ticket, self._said(ticket_id))
            elif isinstance(event, TicketDeleted):
                self._texts.pop(event.ticket, None)
                self._heads.pop(event.ticket, None)
            elif isinstance(event, ContactAdded):
                self._contacts.add(event.contact.email.casefold())
            elif isinstance(event, ContactChanged):
                self._contacts.add(event.contact.casefold())

    def _said(self, ticket_id: str) -> str:
        """The ticket's conversation, as its text holds it."""
        text = self._texts.get(ticket_id)
        return text[self._heads[ticket_id]:] if text is not None else ""

    def _make(self, ticket: Ticket, said: str) -> str:
        contact = (self._state.contacts.get(ticket.contact.casefold()) if ticket.contact
                   else None)
        head = ticket_text(ticket, contact.name if contact is not None else "")
        text = self._texts[ticket.id] = head + said
        self._heads[ticket.id] = len(head)
        return text


class _Texts(dict[str, str]):
    """Each ticket's text by id; one of a ticket the notices did not bring
    yet (a query inside the command that made it) is made when read."""

    def __init__(self, owner: SearchText) -> None:
        super().__init__()
        self._owner = owner

    def __missing__(self, ticket_id: str) -> str:
        return self._owner._make(self._owner._state.tickets[ticket_id], "")


def _said_in(entry: Entry) -> tuple[str, str] | None:
    event = entry.event
    if isinstance(event, _KINDS):
        words = f"{event.text[:MESSAGE_CHARS]}"
        if isinstance(event, MessageReceived | MessageSent) and event.subject:
            words = f"{event.subject} {words}"
        return event.ticket, words.casefold()
    return None
