"""What the engine, and every reaction (core/reactions.py), needs of the
desk it acts on: the host.

The desk implements it (an adapter `core.Desk` owns, acting as the actor
*automation*), so `core/automation/` depends on this protocol and not on
`core.desk`: no import cycle, and another desk (a server's, a test's) can be
a host without being a `Desk`. What a host does goes through the desk's own
commands, so rules, access and the timeline (T7) apply to automation as to
anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from core.automation.templates import Template
from core.events import Event
from core.model import DeskConfig, PropertyDef
from core.records import Contact, Ticket, Value
from core.state import DeskState

# A chain of reactions (an automation moving a ticket into a stage whose
# automation moves it on) stops at this level (A4: nothing loops).
MAX_DEPTH = 8


class Outbound(Protocol):
    """The durable spools for what leaves the desk (the courier): written
    under the writer lock, delivered outside it."""

    def queue_email(self, template: Template, contact: Contact, values: Mapping[str, Any],
                    now: datetime, trace: Mapping[str, str]) -> None: ...

    def queue_notification(self, users: list[str], message: str, values: Mapping[str, Any],
                           trace: Mapping[str, str]) -> None: ...

    def queue_webhook(self, url: str, payload: dict[str, Any],
                      trace: Mapping[str, str]) -> object: ...


class Host(Protocol):
    """The desk, as automation acts on it (every change as *automation*)."""

    @property
    def config(self) -> DeskConfig: ...

    @property
    def state(self) -> DeskState: ...

    def now(self) -> datetime: ...

    def property(self, name: str) -> PropertyDef:
        """A property by name (DeskError naming those there are)."""
        ...

    def value_of(self, ticket: Ticket, name: str) -> Value:
        """A ticket's stored value of a property, built-in or custom."""
        ...

    def move_ticket(self, ticket_id: str, stage: str) -> Ticket:
        """T2 as automation: a stage by id, or by label in the ticket's pipeline."""
        ...

    def edit_ticket(self, ticket_id: str, values: Mapping[str, Any]) -> Ticket:
        """T4 as automation: NAME -> raw value; an empty value clears one."""
        ...

    def record(self, events: Sequence[Event]) -> None:
        """Journal events as automation (a log entry, a notification)."""
        ...

    def outbound(self) -> Outbound:
        """Where mail, templated notifications and webhooks are handed on."""
        ...

    def move_for_mail(self, ticket_id: str, stage_id: str, channel: str, cause: str) -> None:
        """A3: move a ticket because of an email, as the actor
        `channel:CHANNEL`, naming the Message-ID that caused it."""
        ...

    def reopened(self, ticket_id: str) -> bool:
        """Whether the ticket was ever moved from a Closed stage to an Open one."""
        ...
