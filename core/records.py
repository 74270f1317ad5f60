"""Tickets and contacts: the many things a desk holds.

These are the many things (a desk may hold 100,000 tickets), so they are
msgspec structs: decoding 100,000 tickets takes a quarter or less of what
pydantic needs (docs/performance.md), which is what lets a big board open at
once.
The events that change them are in `core.events`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

Priority = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]
PRIORITIES: tuple[Priority, ...] = ("LOW", "MEDIUM", "HIGH", "URGENT")

# A property value as it is stored: text, number, yes/no, or an ISO date /
# date-time string.
Value = str | int | float | bool | None


class Contact(msgspec.Struct, kw_only=True):
    email: str
    name: str = ""
    marketing: bool = False


class Ticket(msgspec.Struct, kw_only=True):
    """One customer request. Built-in properties are fields; custom ones
    live in `props`, keyed by their internal name."""

    id: str
    pipeline: str
    stage: str
    subject: str
    content: str = ""
    priority: Priority | None = None
    owner: str | None = None
    team: str | None = None
    contact: str | None = None
    source: str = "manual"
    create_date: datetime
    last_activity: datetime
    close_date: datetime | None = None
    props: dict[str, Value] = {}
    # What the SLA clocks (issue 17, core/sla.py) are read from, kept as
    # entries come: the first reply a person sent, when the ticket entered
    # the stage it is in (None: when it was made), and the seconds it spent
    # in each stage it left (None: none yet). Which stages stop a clock is
    # the settings' to say, at the time a clock is read.
    replied: datetime | None = None
    entered: datetime | None = None
    stage_seconds: dict[str, float] | None = None
