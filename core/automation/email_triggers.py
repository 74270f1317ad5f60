"""Status from email (A3): the reaction that moves a ticket when mail on it
is sent or received.

- A3a: an agent's reply sent from the ticket moves it to the pipeline's
  *email sent* stage (default *Waiting on contact*).
- A3b: the contact's reply on the thread the ticket was created on moves it
  to the *customer replied* stage (default *Waiting on us*); once the ticket
  was closed and reopened, any of its threads counts.
- A3c: never forwarded mail or replies to it, the contact's other mail (a
  thread of its own), an agent's mail from their own mailbox; and never
  machine mail (auto-replies, bounces: issue 13, item 6).
- A3d: whatever the switches say, the contact's reply on an existing thread
  of a Closed ticket moves it to its pipeline's first Open stage (T3 clears
  the close date).
- A5: tickets from chat are left out unless the pipeline includes them.

Each move is made as the actor `channel:ADDRESS` with the Message-ID that
caused it (T7).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.automation.engine import CHAT_SOURCES
from core.automation.host import MAX_DEPTH, Host
from core.events import MessageReceived, MessageSent
from core.mail.taking import FORWARDED_THREAD
from core.model import EmailTrigger

Mail = MessageReceived | MessageSent


class EmailTriggers:
    def __init__(self, host: Host) -> None:
        self.host = host

    def react(self, picked: Sequence[Mail], depth: int) -> None:
        if depth >= MAX_DEPTH:
            return
        for mail in picked:
            target = self._target(mail)
            if target is not None:
                channel = mail.channel if isinstance(mail, MessageReceived) else mail.sender
                self.host.move_for_mail(mail.ticket, target, channel.casefold(),
                                        mail.message_id)

    def _target(self, mail: Mail) -> str | None:
        """The stage `mail` moves its ticket to, or None."""
        ticket = self.host.state.tickets.get(mail.ticket)
        if ticket is None:
            return None
        pipeline = next((p for p in self.host.config.pipelines if p.id == ticket.pipeline), None)
        if pipeline is None:
            return None
        if ticket.source in CHAT_SOURCES and not pipeline.automation.include_chat:
            return None  # A5
        if isinstance(mail, MessageSent):
            return _switched(pipeline.automation.email_sent)  # A3a
        if mail.role != "contact" or mail.auto or mail.created \
                or mail.thread.startswith(FORWARDED_THREAD):
            return None  # A3c, machine mail; a new ticket stays where it was made
        stage = pipeline.stage(ticket.stage)
        on_a_thread = mail.thread != mail.message_id  # it answers mail on the ticket
        if stage is not None and not stage.is_open:
            if not on_a_thread:
                return None
            return pipeline.first_open_stage().id  # A3d
        # A3b: the thread the ticket began on; after a reopening, any of its threads.
        if mail.thread == self.host.state.created_threads.get(ticket.id) \
                or self.host.reopened(ticket.id):
            return _switched(pipeline.automation.customer_replied)
        return None


def _switched(trigger: EmailTrigger) -> str | None:
    return trigger.stage if trigger.on else None
