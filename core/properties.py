"""Ticket properties: the built-in ones, and turning typed input into values.

One function, `coerce`, checks a value against its property's type wherever a
value comes in (command line, screens, later HTTP), so a number is a number
everywhere and every refusal reads the same.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from typing import Any

from core.clock import parse_instant
from core.errors import DeskError
from core.model import DeskConfig, PropertyDef, PropertyType
from core.records import PRIORITIES, Value
from core.text import check_line, check_text

T = PropertyType

BUILTIN_PROPERTIES: tuple[PropertyDef, ...] = (
    PropertyDef(name="subject", label="Subject", type=T.TEXT, builtin=True),
    PropertyDef(name="content", label="Description", type=T.LONG_TEXT, builtin=True),
    PropertyDef(name="priority", label="Priority", type=T.CHOICE, options=list(PRIORITIES),
                builtin=True),
    PropertyDef(name="owner", label="Owner", type=T.USER, builtin=True),
    PropertyDef(name="team", label="Team", type=T.TEAM, builtin=True),
    PropertyDef(name="contact", label="Contact", type=T.TEXT, builtin=True),
    PropertyDef(name="source", label="Source", type=T.TEXT, read_only=True, builtin=True),
    PropertyDef(name="pipeline", label="Pipeline", type=T.TEXT, read_only=True, builtin=True),
    PropertyDef(name="stage", label="Stage", type=T.TEXT, read_only=True, builtin=True),
    PropertyDef(name="create_date", label="Create date", type=T.DATETIME, read_only=True,
                builtin=True),
    PropertyDef(name="close_date", label="Close date", type=T.DATETIME, read_only=True,
                builtin=True),
    PropertyDef(name="time_to_close", label="Time to close", type=T.NUMBER, read_only=True,
                builtin=True),
    PropertyDef(name="last_activity", label="Last activity", type=T.DATETIME, read_only=True,
                builtin=True),
    PropertyDef(name="age", label="Age", type=T.NUMBER, read_only=True, builtin=True),
)

BUILTIN_NAMES = frozenset(p.name for p in BUILTIN_PROPERTIES)

# Built-in properties a user sets directly on the ticket (the rest are fields
# the program keeps, or the stage, which only a move changes).
EDITABLE_FIELDS = frozenset({"subject", "content", "priority", "owner", "team", "contact"})

# T4: priorities are stored in capitals (the JSON and webhook value) and
# said as people write them, wherever a person reads one.
PRIORITY_WORDS = {"LOW": "Low", "MEDIUM": "Medium", "HIGH": "High", "URGENT": "Urgent"}

# What a yes/no property takes as yes and as no (and a branch compares with).
YES_WORDS = frozenset({"yes", "y", "true", "1", "on"})
NO_WORDS = frozenset({"no", "n", "false", "0", "off"})


def say_option(name: str, option: str) -> str:
    """An option of choice property `name` as a person reads it: a priority
    in any case as Low, Medium, High, Urgent; a custom choice's option is
    kept as it was written."""
    if name == "priority":
        return PRIORITY_WORDS.get(option.strip().upper(), option)
    return option


def coerce(prop: PropertyDef, raw: Any, config: DeskConfig) -> Value:
    """The stored value for `raw`, or a DeskError that says what is wrong.

    `raw` may be text as a person typed it, or an already typed value. Empty
    text or None clears the property.
    """
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    text = raw.strip() if isinstance(raw, str) else raw
    label = prop.label

    match prop.type:
        case T.TEXT:
            return check_line(str(text), label,
                              hint="use a long-text property for several lines")
        case T.LONG_TEXT:
            return check_text(str(raw), label)
        case T.NUMBER:
            return _number(label, text)
        case T.CHOICE:
            for option in prop.options:
                if str(text).casefold() == option.casefold():
                    return option
            choices = ", ".join(say_option(prop.name, o) for o in prop.options) \
                or "(no options defined)"
            raise DeskError(f"{label} must be one of {choices}; got {text!r}.")
        case T.DATE:
            try:
                return date.fromisoformat(str(text)).isoformat()
            except ValueError:
                missing = no_such_day(str(text))
                if missing:
                    raise DeskError(f"{label}: {text} is not a date: {missing}.") from None
                raise DeskError(f"{label} takes a date as YYYY-MM-DD; got {text!r}.") from None
        case T.DATETIME:
            if isinstance(text, datetime):
                return text.isoformat()
            try:
                return parse_instant(str(text)).isoformat()
            except ValueError:
                missing = no_such_day(str(text), with_time=True)
                if missing:
                    raise DeskError(f"{label}: {text} is not a date and time: "
                                    f"{missing}.") from None
                raise DeskError(f"{label} takes a date and time as YYYY-MM-DDTHH:MM; "
                                f"got {text!r}.") from None
        case T.YES_NO:
            if isinstance(text, bool):
                return text
            word = str(text).casefold()
            if word in YES_WORDS:
                return True
            if word in NO_WORDS:
                return False
            raise DeskError(f"{label} takes yes or no; got {text!r}.")
        case T.USER:
            # Stored values and automation name users by id: try that first.
            found = next((u for u in config.users if u.id == text), None) or next(
                (u for u in config.users
                 if str(text).casefold() in (u.id.casefold(), u.name.casefold())), None)
            if found is None:
                known = ", ".join(u.id for u in config.users if u.active)
                raise DeskError(f"{label}: no user {text!r}. Users: {known}.")
            if not found.active:
                # U1: a user who left keeps the tickets they had, but is
                # given no new ones.
                raise DeskError(f"{label}: {found.name} ({found.id}) is deactivated; choose "
                                "an active user.")
            return found.id
        case T.TEAM:
            for team in config.teams:
                if str(text).casefold() in (team.id.casefold(), team.name.casefold()):
                    return team.id
            known = ", ".join(t.id for t in config.teams) or "none yet"
            raise DeskError(f"{label}: no team {text!r}. Teams: {known}.")
    raise AssertionError(f"unhandled property type {prop.type}")  # pragma: no cover


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")


def no_such_day(text: str, with_time: bool = False) -> str | None:
    """Why `text`, written as YYYY-MM-DD (and HH:MM[:SS] when `with_time`),
    names no day or time ("February has 28 days in 2026", "there is no
    month 13"); None when it is not written that way at all, so that the
    caller says which form it takes instead."""
    shape = _DAY.match(text.strip())
    if shape is None:
        return None
    year, month, day = (int(part) for part in shape.group(1, 2, 3))
    if year < 1:
        return "there is no year 0"
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"{_MONTHS[month - 1]} has {days} days in {year}"
    if with_time and shape.group(4) is not None:
        for unit, part, top in (("hour", 4, 23), ("minute", 5, 59), ("second", 6, 59)):
            value = shape.group(part)
            if value is not None and int(value) > top:
                return f"there is no {unit} {int(value)}"
    return None


def _number(label: str, text: Any) -> int | float:
    if isinstance(text, bool):
        raise DeskError(f"{label} takes a number; got {text!r}.")
    if isinstance(text, int | float):
        return text
    try:
        return int(str(text))
    except ValueError:
        pass
    try:
        number = float(str(text))
    except ValueError:
        raise DeskError(f"{label} takes a number; got {text!r}.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise DeskError(f"{label} takes a finite number; got {text!r}.")
    return number
