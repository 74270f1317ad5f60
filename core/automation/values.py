"""What a template's placeholders read (A4a, A4b): the ticket's properties as
people say them (*High*, *Ingrid Berg*) and its contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.model import DeskConfig
from core.present import say
from core.properties import BUILTIN_NAMES
from core.records import Contact, Ticket


def fill_values(config: DeskConfig, ticket: Ticket, contact: Contact | None,
                now: datetime) -> dict[str, Any]:
    """`ticket.<field>` for the id, every built-in property and every
    property the desk defines (archived ones too: old tickets have them),
    and `contact.name`, `contact.email`; a property the ticket has no value
    for is empty, as it reads on the ticket."""
    names = [*BUILTIN_NAMES, *(p.name for p in config.properties)]
    return {
        "ticket": {**{name: say(config, ticket, name, now) for name in names}, "id": ticket.id},
        "contact": {"name": contact.name if contact else "",
                    "email": contact.email if contact else ""},
    }
