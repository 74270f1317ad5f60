"""What becomes of one incoming message (A1, A3c, issue 13's threading and
machine mail), decided as a pure function of the desk's settings and state.

`Desk.take_mail` asks `decide`, records the events it returns as the actor
`channel:ADDRESS`, and hands back the `Intake` (what `mail ingest --json`
prints per message). No I/O here: the raw bytes are durable in the inbox
before this is asked (core/mail/intake.py).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

from core.errors import DeskError
from core.events import Event, MailIgnored, MessageReceived
from core.mail.ids import ticket_of_own_id
from core.mail.reading import IncomingMail
from core.mail.threading import Placing, place
from core.model import Channel, DeskConfig
from core.records import Ticket
from core.state import DeskState

Outcome = Literal["created", "appended", "duplicate", "ignored", "quarantined"]
Role = Literal["contact", "user", "other"]

# A forwarded message starts a thread of its own, marked so: replies to it
# are "replies to forwarded mail", which never move a ticket (A3c).
FORWARDED_THREAD = "fwd:"

NO_SUBJECT = "(no subject)"


@dataclass(frozen=True)
class Intake:
    """What became of one message: `ticket` it went to (None if none) and,
    for ignored, duplicate or quarantined mail, why."""

    message_id: str
    outcome: Outcome
    ticket: str | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return {"message_id": self.message_id, "outcome": self.outcome,
                "ticket": self.ticket, "reason": self.reason}


@dataclass
class Decision:
    """`decide`'s answer: the Intake, the events to record, and the message
    as the journal keeps it. When the message makes a ticket (the outcome
    "created"), `Desk.take_mails` builds the ticket with the desk's own
    ticket rules and adds the events."""

    intake: Intake
    events: list[Event] = field(default_factory=list)
    received: MessageReceived | None = None


class NoChannel(DeskError):
    """No channel takes the message: it is quarantined until one does."""


def dedupe_key(mail: IncomingMail, channel: Channel) -> str:
    """What makes a second delivery of `mail` a duplicate: the channel and
    its Message-ID, or the bytes' digest when it has none."""
    if mail.message_id:
        return f"{channel.actor_id} {mail.message_id.casefold()}"
    return f"sha256:{mail.digest}"


def channel_for(mail: IncomingMail, config: DeskConfig, named: str | None) -> Channel:
    """The channel `mail` came in through: the one named (`--channel`), else
    the one whose address it was delivered to, else the only one there is."""
    if named is not None:
        found = config.channel(named)
        if found is None:
            raise NoChannel(f"there is no channel {named!r}")
        return found
    for recipient in mail.recipients:
        found = config.channel(recipient)
        if found is not None:
            return found
    if len(config.channels) == 1:
        return config.channels[0]
    if not config.channels:
        raise NoChannel("the desk has no email channel yet (pipedesk channel add email ...)")
    to = ", ".join(mail.recipients) or "nobody"
    raise NoChannel(f"it was sent to {to}, which no channel takes "
                    f"(channels: {', '.join(c.address for c in config.channels)}); "
                    "give --channel")


def message_id_of(mail: IncomingMail) -> str:
    """The message's id on the desk: its Message-ID, else its bytes' digest."""
    return mail.message_id or f"sha256:{mail.digest}"


def decide(mail: IncomingMail, raw_key: str, channel: Channel, config: DeskConfig,
           state: DeskState, key: bytes,
           people_of: Callable[[Ticket], Collection[str]]) -> Decision:
    """`people_of(ticket)`: the addresses on the ticket's conversation
    (asked only when a subject tag is all there is to go by)."""
    message_id = message_id_of(mail)
    dedupe = dedupe_key(mail, channel)
    if dedupe in state.mail_seen:
        went = state.mail_seen[dedupe] or None
        return Decision(Intake(message_id, "duplicate", went, "this message was taken before"))

    def ignored(reason: str) -> Decision:
        event = MailIgnored(channel=channel.address, message_id=message_id, dedupe=dedupe,
                            reason=reason, raw=raw_key)
        return Decision(Intake(message_id, "ignored", None, reason), [event])

    if mail.message_id and ticket_of_own_id(mail.message_id, key) is not None:
        return ignored("it is the desk's own mail come back")
    users = {u.email.casefold() for u in config.users if u.email}
    placing = place(mail, state, key, users, people_of)
    if placing.ticket is None:
        if mail.auto:
            return ignored(f"it is machine mail ({mail.auto}) on no ticket, and machine "
                           "mail makes none")
        if not channel.create_tickets:
            return ignored(f"it is on no ticket, and the channel {channel.address} "
                           "creates no tickets")
        received = _received(mail, raw_key, dedupe, channel, "", placing, "contact", True)
        return Decision(Intake(message_id, "created"), received=received)
    ticket = placing.ticket
    received = _received(mail, raw_key, dedupe, channel, ticket.id, placing,
                         _role(mail.sender, ticket, users), False)
    return Decision(Intake(message_id, "appended", ticket.id), [received], received=received)


def _role(sender: str, ticket: Ticket, users: set[str]) -> Role:
    if ticket.contact is not None and ticket.contact.casefold() == sender.casefold():
        return "contact"
    # A3c: a user writing from their own mailbox is an agent, not the customer.
    return "user" if sender.casefold() in users else "other"


def _received(mail: IncomingMail, raw_key: str, dedupe: str, channel: Channel, ticket: str,
              placing: Placing, role: Role, created: bool) -> MessageReceived:
    message_id = message_id_of(mail)
    thread = placing.thread or message_id
    if mail.forwarded:
        thread = FORWARDED_THREAD + message_id
    return MessageReceived(
        ticket=ticket, channel=channel.address, message_id=message_id, sender=mail.sender,
        sender_name=mail.sender_name, to=list(mail.to), cc=list(mail.cc),
        subject=mail.subject, date=mail.date, text=mail.text,
        in_reply_to=mail.in_reply_to[0] if mail.in_reply_to else None,
        references=list(mail.references), attachments=list(mail.attachments), raw=raw_key,
        dedupe=dedupe, role=role, auto=mail.auto, forwarded=mail.forwarded, thread=thread,
        created=created)
