"""Saying property values for people: "High", "Ingrid Berg", "3 d", and
counts: "50,000 tickets".

One place for it, so the board, the detail screen, the timeline and the
command line say a value the same way. No UI here: words only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.automation.actions import (
    AFTER_THE_DELAY,
    Action,
    AssignOwner,
    Branch,
    Delay,
    Notify,
    SendEmail,
    SetProperty,
    Webhook,
    run_position,
)
from core.clock import parse_instant
from core.model import Channel, DeskConfig
from core.properties import BUILTIN_PROPERTIES, say_option
from core.records import Contact, Ticket, Value

_BUILTIN_LABELS = {p.name: p.label for p in BUILTIN_PROPERTIES}


def count(n: int) -> str:
    """A count as a person reads it, with thousands separators: "17,622".
    Ids (#17622) and --json keep their plain digits."""
    return f"{n:,}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun: "1 ticket", "50,000 tickets"."""
    return f"{count(n)} {noun if n == 1 else plural or noun + 's'}"


def duration(delta: timedelta) -> str:
    """A short age: "45 min", "5 h", "3 d", "7 w"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    days = hours // 24
    return f"{days} d" if days < 21 else f"{days // 7} w"


def say(config: DeskConfig, ticket: Ticket, name: str, now: datetime) -> str:
    """A ticket's property as a person reads it; empty text for no value."""
    match name:
        case "age":
            return duration(now - ticket.create_date)
        case "time_to_close":
            return duration(ticket.close_date - ticket.create_date) if ticket.close_date else ""
        case "create_date" | "close_date" | "last_activity":
            value = getattr(ticket, name)
            return when(value)
    if name in Ticket.__struct_fields__ and name != "props":
        return say_value(config, name, getattr(ticket, name))
    return say_value(config, name, ticket.props.get(name))


def say_value(config: DeskConfig, name: str, value: Value | datetime) -> str:
    """A stored value of property `name` as a person reads it."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    prop_type = _type_of(config, name)
    match name, prop_type:
        case "priority", _:
            return say_option("priority", str(value))
        case "stage", _:
            return next((s.label for p in config.pipelines for s in p.stages if s.id == value),
                        f"deleted stage {value}")
        case "pipeline", _:
            return next((p.label for p in config.pipelines if p.id == value),
                        f"deleted pipeline {value}")
        case ("owner", _) | (_, "user"):
            return _user_name(config, str(value))
        case ("team", _) | (_, "team"):
            return next((t.name for t in config.teams if t.id == value), str(value))
        case ("create_date" | "close_date" | "last_activity", _) | (_, "date-time"):
            try:
                return when(parse_instant(str(value)))
            except ValueError:
                return str(value)
    return str(value)


def property_label(config: DeskConfig, name: str) -> str:
    """A property's label; an archived one keeps its label, and a name the
    desk no longer knows is shown as it is."""
    if name in _BUILTIN_LABELS:
        return _BUILTIN_LABELS[name]
    return next((p.label for p in config.properties if p.name == name), name)


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _type_of(config: DeskConfig, name: str) -> str | None:
    prop = next((p for p in config.properties if p.name == name), None)
    return prop.type.value if prop else None


def _user_name(config: DeskConfig, user_id: str | None) -> str:
    if user_id is None:
        return ""
    return next((u.name for u in config.users if u.id == user_id), user_id)


# -- actions (A4) ----------------------------------------------------------------

def action_run(label: str, kind: str) -> str:
    """An action run, as a ticket's timeline says it: "Action 3
    (set-property)", "Action 3 (set-property, after the delay)"."""
    position, after_delay = run_position(label)
    return f"Action {position} ({kind}{', after the delay' if after_delay else ''})"


def action_run_cell(label: str, kind: str) -> str:
    """The same, in a column of the automation log: "3 set-property",
    "3 set-property (after the delay)"."""
    position, after_delay = run_position(label)
    return f"{position} {kind}{AFTER_THE_DELAY if after_delay else ''}"


_OPS = {"equals": "is", "not-equals": "is not", "is-empty": "is empty",
        "is-not-empty": "is not empty", "greater-than": ">", "less-than": "<",
        "contains": "contains"}


def say_action(config: DeskConfig, action: Action) -> str:
    """An action in one line, as the Automate tab and `automation list`
    show it."""
    match action:
        case SendEmail(template=name):
            return f"Send email: {name}"
        case Notify(user=user, team=team, message=message):
            who = (f"user {say_value(config, 'owner', user)}" if user else
                   f"team {say_value(config, 'team', team)}" if team else "the owner")
            return f"Notify {who}" + (f": {message}" if message else "")
        case Delay(duration=duration):
            return f"Delay {duration}"
        case Branch(property=name, op=op, value=value):
            said = _OPS[op]
            tail = "" if op in ("is-empty", "is-not-empty") else f" {say_option(name, value)!r}"
            return f"If {name} {said}{tail}"
        case SetProperty(property=name, value=value):
            if name == "stage":
                return f"Move to stage {say_value(config, 'stage', value) or value}"
            return f"Set {name} = {say_option(name, value)}" if value else f"Clear {name}"
        case AssignOwner(user=user, team=team):
            if user:
                return f"Assign owner {say_value(config, 'owner', user)}"
            return f"Assign owner: round-robin over team {say_value(config, 'team', team)}"
        case Webhook(url=url):
            return f"Call webhook {url}"
    return action.kind


def say_contact_change(before: Contact, after: Contact) -> str:
    """What an edit did to a contact, for the person who made it:
    "Kari Hansen <kari@example.no>: name 'Kari' → 'Kari Hansen', marketing
    contact no → yes", or that nothing changed."""
    changed = []
    if before.name != after.name:
        changed.append(f"name '{before.name}' → '{after.name}'")
    if before.marketing != after.marketing:
        changed.append(f"marketing contact {_yes_no(before.marketing)} → "
                       f"{_yes_no(after.marketing)}")
    if not changed:
        return f"{contact_line(after)}: nothing changed."
    return f"{contact_line(after)}: {', '.join(changed)}."


def contact_line(contact: Contact) -> str:
    """"Kari Hansen <kari@example.no>", or the address alone without a name."""
    return f"{contact.name} <{contact.email}>" if contact.name else contact.email


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# -- channels and mail (A1, C1) ----------------------------------------------------------


def source_of(channel: Channel) -> str:
    """Where a channel's mail comes from, in a few words (the command line's
    `channel list` and the Automate tab say it alike)."""
    if channel.maildir is not None:
        return f"Maildir {channel.maildir}"
    imap = channel.imap
    if imap is not None:
        return (f"IMAP {imap.user}@{imap.host}:{imap.port_or_default}/{imap.folder} "
                f"({imap.security})")
    return "piped in (pipedesk mail ingest)"


def file_size(size: int) -> str:
    """A size as a person reads it: "512 B", "12 KB", "1.4 MB"."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} KB"
    return f"{size / (1024 * 1024):.1f} MB"
