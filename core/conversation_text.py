"""Each ticket's conversation as text to search in (issue 17 item 1): the
messages in and out and the notes, folded to lower case, by ticket.

Read from the store's entries the first time a query has free text (the
journal, from its end), then kept up from every notice of the desk: a
reply made or mail taken in is found at once. A message counts with its
first `MESSAGE_CHARS` characters, a ticket with its newest
`TICKET_CHARS`: enough for what people search by (an error message, an
order number, a name), and 100,000 tickets stay within memory (about 40
MB at 400 characters each; docs/performance.md). A desk on a server keeps
no conversations (its replica holds tickets): there, free text finds the
subject and the contact only.
"""

from __future__ import annotations

from core.events import Entry, MessageReceived, MessageSent, NoteAdded, Notice
from core.store.base import Store

MESSAGE_CHARS = 1_000
TICKET_CHARS = 4_000
_KINDS = (MessageReceived, MessageSent, NoteAdded)


class ConversationText:
    def __init__(self, store: Store) -> None:
        self._texts: dict[str, str] = {}
        newest_first: dict[str, list[str]] = {}
        for kind in _KINDS:
            for entry in store.newest_entries(kind=kind):
                found = _text_of(entry)
                if found is not None:
                    newest_first.setdefault(found[0], []).append(found[1])
        for ticket, texts in newest_first.items():
            self._texts[ticket] = " ".join(reversed(texts))[-TICKET_CHARS:]

    def of(self, ticket_id: str) -> str:
        return self._texts.get(ticket_id, "")

    def take(self, notice: Notice) -> None:
        """A subscriber of the desk: what its entries said, added."""
        for entry in notice.entries:
            found = _text_of(entry)
            if found is not None:
                ticket, text = found
                held = self._texts.get(ticket, "")
                self._texts[ticket] = f"{held} {text}"[-TICKET_CHARS:] if held else text


def _text_of(entry: Entry) -> tuple[str, str] | None:
    event = entry.event
    if isinstance(event, _KINDS):
        words = f"{event.text[:MESSAGE_CHARS]}"
        if isinstance(event, MessageReceived | MessageSent) and event.subject:
            words = f"{event.subject} {words}"
        return event.ticket, words.casefold()
    return None
