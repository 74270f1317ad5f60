"""What a template's placeholders read (A4a, A4b): the ticket's properties as
people say them (*High*, *Ingrid Berg*) and its contact. `placeholders` is
the list a template is checked against when it is saved, `fill_values` what
it is filled in with: one place, so the two cannot drift apart."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.automation.templates import Placeholders
from core.model import DeskConfig
from core.present import say
from core.properties import BUILTIN_NAMES
from core.records import Contact, Ticket

CONTACT_FIELDS = frozenset({"name", "email"})


def placeholders(config: DeskConfig) -> Placeholders:
    """`ticket.<field>` for the id, every built-in property and every
    property the desk defines (archived ones too: old tickets have them),
    and `contact.name`, `contact.email`."""
    return {"ticket": frozenset({"id", *BUILTIN_NAMES, *(p.name for p in config.properties)}),
            "contact": CONTACT_FIELDS}


def fill_values(config: DeskConfig, ticket: Ticket, contact: Contact | None,
                now: datetime) -> dict[str, Any]:
    """The values for `placeholders`; a property the ticket has no value
    for is empty, as it reads on the ticket."""
    names = [*BUILTIN_NAMES, *(p.name for p in config.properties)]
    return {
        "ticket": {**{name: say(config, ticket, name, now) for name in names}, "id": ticket.id},
        "contact": {"name": contact.name if contact else "",
                    "email": contact.email if contact else ""},
    }
