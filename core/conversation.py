"""A ticket's conversation (C1): the messages in and out and the internal
notes, read back from the store's entries as the timeline is (T7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from core.events import (
    Attachment,
    Entry,
    MessageReceived,
    MessageSent,
    NoteAdded,
    TicketCreated,
)

Direction = Literal["in", "out", "note"]


@dataclass(frozen=True)
class ConversationItem:
    direction: Direction
    at: datetime
    actor: str
    sender: str
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    subject: str = ""
    date: datetime | None = None
    message_id: str = ""
    text: str = ""
    auto: bool = False
    forwarded: bool = False
    attachments: tuple[Attachment, ...] = field(default=())
    sender_name: str = ""
    # The key of the raw message in the inbox (saving attachments).
    raw: str = ""
    # Why a message in is machine mail ("" if a person wrote it).
    auto_reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The shape of `ticket show --json`'s "conversation"."""
        return {
            "direction": self.direction,
            "from": self.sender,
            "to": list(self.to),
            "cc": list(self.cc),
            "subject": self.subject,
            "date": (self.date or self.at).isoformat(),
            "message_id": self.message_id,
            "text": self.text,
            "auto": self.auto,
            "forwarded": self.forwarded,
            "attachments": [{"name": a.name, "size": a.size, "type": a.type}
                            for a in self.attachments],
            "actor": self.actor,
            "sender_name": self.sender_name,
            "auto_reason": self.auto_reason,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationItem:
        """An item as `as_dict` gave it (a server's conversation, issue 16):
        the attachments' names and sizes, not their bytes."""
        at = datetime.fromisoformat(str(data["date"]))
        raw = data.get("direction")
        direction: Direction = "out" if raw == "out" else "note" if raw == "note" else "in"
        return cls(direction, at, str(data.get("actor", "")), str(data.get("from", "")),
                   tuple(map(str, data.get("to", []))), tuple(map(str, data.get("cc", []))),
                   str(data.get("subject", "")), at, str(data.get("message_id", "")),
                   str(data.get("text", "")), bool(data.get("auto")),
                   bool(data.get("forwarded")),
                   tuple(Attachment(name=str(a["name"]), size=int(a["size"]),
                                    type=str(a["type"])) for a in data.get("attachments", [])),
                   str(data.get("sender_name", "")), "", str(data.get("auto_reason", "")))


def conversation_items(newest: Iterable[Entry], ticket_id: str) -> list[ConversationItem]:
    """Oldest first, from the entries about the ticket, newest first, read
    back to its creation."""
    items: list[ConversationItem] = []
    for entry in newest:
        event = entry.event
        if isinstance(event, TicketCreated) and event.ticket.id == ticket_id:
            break
        if isinstance(event, MessageReceived) and event.ticket == ticket_id:
            items.append(ConversationItem(
                # A3c: a message from a user's own mailbox is an agent's.
                "out" if event.role == "user" else "in", entry.at, entry.actor, event.sender,
                tuple(event.to), tuple(event.cc), event.subject, event.date, event.message_id,
                event.text, bool(event.auto), event.forwarded, tuple(event.attachments),
                event.sender_name, event.raw, event.auto))
        elif isinstance(event, MessageSent) and event.ticket == ticket_id:
            items.append(ConversationItem(
                "out", entry.at, entry.actor, event.sender, tuple(event.to), tuple(event.cc),
                event.subject, event.date, event.message_id, event.text, event.auto))
        elif isinstance(event, NoteAdded) and event.ticket == ticket_id:
            items.append(ConversationItem("note", entry.at, entry.actor, entry.actor,
                                          text=event.text))
    items.reverse()
    return items
