"""Where 'now' comes from.

`PIPEDESK_NOW` (an ISO 8601 date-time) fixes the clock, so that demo data,
tests and screen snapshots come out the same on every run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def fixed_clock(at: datetime) -> Clock:
    return lambda: at


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time; a naive one is taken as UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def default_clock() -> Clock:
    fixed = os.environ.get("PIPEDESK_NOW")
    if fixed:
        return fixed_clock(parse_instant(fixed))
    return system_clock
