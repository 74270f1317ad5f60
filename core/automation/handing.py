"""Who an action reaches, and what it hands on to the courier (A4a, A4b):
the rules of an email or a notification, through the host
(core/automation/host.py). What is slow or written by people (filling in a
template) is left for the courier, outside the writer lock."""

from __future__ import annotations

from collections.abc import Mapping

from core.access import Actor, may_view_ticket
from core.automation.actions import Notify
from core.automation.host import Host
from core.automation.templates import check_message, check_template
from core.automation.values import fill_values, placeholders
from core.errors import DeskError
from core.properties import coerce
from core.records import Ticket

# Issue 13: at most this many automated emails to one address an hour.
AUTOMATED_MAIL_PER_HOUR = 10


def team_members(host: Host, team: str) -> list[str]:
    """The active users of a team, named by id or name, in their order
    (the round-robin's turns, A4c; a notification's recipients, A4b): a
    user who was deactivated is given no tickets and told nothing."""
    team_id = coerce(host.property("team"), team, host.config)
    found = next(t for t in host.config.teams if t.id == team_id)
    active = {u.id for u in host.config.users if u.active}
    return [m for m in found.members if m in active]


def inactive_owner(host: Host, ticket: Ticket) -> str | None:
    """Why the ticket's owner cannot be told anything: they were
    deactivated (U1). None when the owner is active, or there is none."""
    owner = next((u for u in host.config.users if u.id == ticket.owner), None)
    if owner is None or owner.active:
        return None
    return f"the ticket's owner {owner.name} ({owner.id}) is deactivated; nobody was notified"


def nobody_told(host: Host, action: Notify, ticket: Ticket) -> str:
    """Why a notification reached nobody, for the log and the timeline."""
    named = notification_recipients(host, action, ticket)
    if named:
        return f"{', '.join(named)} may not see the ticket (P6, U2); nobody was notified"
    if not action.owner:
        return f"team {action.team!r} has no active members to notify"
    return inactive_owner(host, ticket) or "the ticket has no owner to notify"


def notification_recipients(host: Host, action: Notify, ticket: Ticket) -> list[str]:
    """A4b: the users a notification names: the ticket's owner, a team's
    active members, or one user (refused when deactivated). Who of them
    is told is `seeing`'s."""
    if action.owner:
        return [ticket.owner] if ticket.owner and inactive_owner(host, ticket) is None else []
    if action.team is not None:
        return team_members(host, action.team)
    return [str(coerce(host.property("owner"), action.user, host.config))]


def seeing(host: Host, users: list[str], ticket: Ticket) -> list[str]:
    """Of `users`, those who may see the ticket (P6, U2): a notification
    quotes it, so nobody is told of a ticket they may not see."""
    return [u for u in users if may_view_ticket(host.config, Actor.user(u), ticket)]


def queue_email(host: Host, ticket: Ticket, template_name: str,
                trace: Mapping[str, str]) -> tuple[str, str]:
    """A4a: fill in the template for the ticket's contact and put the
    message in the outbox; (result, detail) for the log."""
    config = host.config
    template = config.template(template_name)
    if template is None:
        raise DeskError(f"No template {template_name!r}.")
    contact = host.state.contacts.get((ticket.contact or "").casefold())
    if contact is None:
        return "skipped", "the ticket has no contact to email"
    if not template.transactional and not contact.marketing:
        return "skipped", (f"'{template.name}' is not transactional and {contact.email} "
                           "is not a marketing contact")
    recent = host.state.automated_mail_in_the_hour(contact.email, host.now())
    if recent >= AUTOMATED_MAIL_PER_HOUR:
        # Two robots (our automation and an auto-responder) never loop.
        return "skipped", (f"{contact.email} was sent {recent} automated emails in the last "
                           f"hour, the most the desk sends one address")
    # A template edited by hand in desk.toml was not checked on saving.
    check_template(template, placeholders(config))
    # Filled in outside the writer lock, with limits (Courier.deliver):
    # a template that loops for ever must not stop the desk.
    values = fill_values(config, ticket, contact, host.now())
    thread = host.state.created_threads.get(ticket.id, "")
    host.outbound().queue_email(template, contact, values, host.now(),
                                {**trace, "thread": thread} if thread else trace)
    where = "for SMTP" if config.mail.smtp else "for the outbox"
    return "queued", f"'{template.name}' to {contact.email}, {where}"


def queue_notification(host: Host, ticket: Ticket, users: list[str], message: str,
                       trace: Mapping[str, str]) -> tuple[str, str]:
    """A4b: a notification whose message is a template, filled in like
    an email's (outside the lock, with limits); (result, detail)."""
    check_message(message, placeholders(host.config))
    contact = host.state.contacts.get((ticket.contact or "").casefold())
    values = fill_values(host.config, ticket, contact, host.now())
    host.outbound().queue_notification(users, message, values, trace)
    return "queued", f"for {', '.join(users)}, once its message is filled in"
