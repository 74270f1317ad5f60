"""An agent's reply from the ticket (C1, A3a): a well-formed email to the
ticket's contact that threads in the contact's mail program (In-Reply-To and
References to the message it answers) and back to the ticket when they
answer (our signed Message-ID, the subject tag).

Pure: `compose_reply` makes the message and the event; `Desk.reply` puts the
message in the outbox and records the event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from core.events import MessageSent
from core.mail.ids import own_message_id
from core.mail.message import Outgoing, compose, recipient, sender_address
from core.mail.threading import subject_tag
from core.records import Contact, Ticket

# "Re:" and its kin in the languages of the help articles (sv/no "SV:",
# de "AW:", nl "Antw:"): a reply to a reply gets no second one.
_REPLY_PREFIX = re.compile(r"(?i)^\s*(re|sv|aw|antw|vs)\s*:")


def reply_subject(subject: str, ticket_id: str) -> str:
    """"Re: SUBJECT [#ID]": the tag once, the prefix once."""
    tag = subject_tag(ticket_id)
    base = subject.strip() or ticket_id
    if tag not in base:
        base = f"{base} {tag}"
    return base if _REPLY_PREFIX.match(base) else f"Re: {base}"


def compose_reply(*, ticket: Ticket, contact: Contact, text: str, sender: str,
                  answering_id: str | None,
                  references: Sequence[str], thread: str, subject: str, key: bytes,
                  now: datetime, cc: Sequence[str] = ()) -> tuple[Outgoing, MessageSent]:
    """The reply to `contact` on `ticket`, from `sender` (the channel's
    address, or desk.toml's `[mail] from`), answering the message
    `answering_id` (its `references` before it, on `thread`)."""
    from_address = sender_address(sender)
    message_id = own_message_id(ticket.id, key, from_address.domain)
    outgoing = compose(sender=sender, to=recipient(contact.name, contact.email),
                       subject=reply_subject(subject, ticket.id), body=text, now=now,
                       automated=False)
    message = outgoing.message
    message.replace_header("Message-ID", f"<{message_id}>")
    chain = [*references, answering_id] if answering_id else list(references)
    chain = list(dict.fromkeys(i for i in chain if i))
    if answering_id:
        message["In-Reply-To"] = f"<{answering_id}>"
    if chain:
        # RFC 5322 3.6.4: the parent's References, then the parent. Long
        # chains keep the first and the newest ids, as mail programs do.
        kept = chain if len(chain) <= 20 else [chain[0], *chain[-19:]]
        message["References"] = " ".join(f"<{i}>" for i in kept)
    recipients = list(outgoing.recipients)
    for address in cc:
        copy = recipient("", address)
        message["Cc"] = copy if "Cc" not in message else f"{message['Cc']}, {copy}"
        recipients.append(copy.addr_spec)
    message["X-Pipedesk-Ticket"] = ticket.id
    message["X-Pipedesk-Action"] = "reply"
    sent = MessageSent(
        ticket=ticket.id, message_id=message_id, sender=from_address.addr_spec,
        to=[contact.email], cc=list(cc), subject=str(message["Subject"]), date=now,
        text=message.get_content().rstrip("\n"),
        in_reply_to=answering_id, references=chain, thread=thread or message_id,
        from_ticket=True)
    return Outgoing(message, outgoing.sender, tuple(recipients)), sent
