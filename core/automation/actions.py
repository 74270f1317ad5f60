"""The actions a stage runs when a ticket enters it (A4), as desk.toml holds
them: `[[pipelines.stages.actions]]` tables with a `kind` (docs/automation.md).

A branch holds two sequences of its own, so a sequence is a tree; an action
is named by its path in that tree (`(2,)` the third action, `(2, "then", 0)`
the first of its *then* sequence)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, model_validator

from core.errors import DeskError
from core.model_base import Model


class Comment(Model):
    """A4d: a user's note on an action, shown to other users."""

    author: str
    at: datetime
    text: str


class _Action(Model):
    comments: list[Comment] = Field(default_factory=list)


class SendEmail(_Action):
    """A4a: email the ticket's contact from a template."""

    kind: Literal["send-email"] = "send-email"
    template: str


class Notify(_Action):
    """A4b: an internal notification to a user, a team, or the ticket's owner."""

    kind: Literal["notify"] = "notify"
    user: str | None = None
    team: str | None = None
    owner: bool = False
    message: str = ""

    @model_validator(mode="after")
    def _one_recipient(self) -> Notify:
        if (self.user is not None) + (self.team is not None) + self.owner != 1:
            raise ValueError("a notify action names one of user, team or owner = true")
        return self


class Delay(_Action):
    kind: Literal["delay"] = "delay"
    duration: str

    @model_validator(mode="after")
    def _readable(self) -> Delay:
        parse_duration(self.duration)
        return self


Operator = Literal["equals", "not-equals", "is-empty", "is-not-empty",
                   "greater-than", "less-than", "contains"]
OPERATORS: tuple[Operator, ...] = ("equals", "not-equals", "is-empty", "is-not-empty",
                                   "greater-than", "less-than", "contains")


class Branch(_Action):
    """A4c: if the condition holds run `then`, else `else`."""

    kind: Literal["branch"] = "branch"
    property: str
    op: Operator = "equals"
    value: str = ""
    then: list[Action] = Field(default_factory=list)
    otherwise: list[Action] = Field(default_factory=list, alias="else")


class SetProperty(_Action):
    """A4c: set a property (an empty value clears it; `stage` moves the ticket)."""

    kind: Literal["set-property"] = "set-property"
    property: str
    value: str = ""


class AssignOwner(_Action):
    """A4c: a named user, or round-robin over a team's members."""

    kind: Literal["assign-owner"] = "assign-owner"
    user: str | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _one_owner(self) -> AssignOwner:
        if (self.user is None) == (self.team is None):
            raise ValueError("an assign-owner action names a user or a team (round-robin)")
        return self


class Webhook(_Action):
    """A4c: POST the ticket as JSON to `url`."""

    kind: Literal["webhook"] = "webhook"
    url: str = Field(pattern=r"^https?://\S+$")


Action = Annotated[
    SendEmail | Notify | Delay | Branch | SetProperty | AssignOwner | Webhook,
    Field(discriminator="kind"),
]
ACTION_KINDS = ("send-email", "notify", "delay", "branch", "set-property",
                "assign-owner", "webhook")

Branch.model_rebuild()

ACTIONS = TypeAdapter(list[Action])
_ONE_ACTION: TypeAdapter[Action] = TypeAdapter(Action)


def make_action(fields: Mapping[str, Any]) -> Action:
    """An action from its fields (`kind` and the rest), as a screen or the
    command line gathered them; a DeskError says what is wrong."""
    try:
        return _ONE_ACTION.validate_python(dict(fields))
    except ValidationError as err:
        first = err.errors()[0]
        if first["type"] == "string_pattern_mismatch":
            raise DeskError("Give a URL that starts with http:// or https://.") from None
        if first["type"] in ("missing", "string_too_short"):
            raise DeskError(f"Fill in {first['loc'][-1]}.") from None
        problem = str(first["msg"]).removeprefix("Value error, ")
        raise DeskError(problem[0].upper() + problem[1:] + ".") from None

# -- paths ----------------------------------------------------------------------

Path = tuple[int | str, ...]


def arm_at(actions: list[Action], outer: Path) -> list[Action]:
    """The sequence `outer` names: () the stage's own, (2, "then") the
    *then* arm of the third action."""
    seq = actions
    for i in range(0, len(outer), 2):
        branch = seq[int(outer[i])]
        if not isinstance(branch, Branch) or outer[i + 1] not in ("then", "else"):
            raise IndexError(outer)
        seq = branch.then if outer[i + 1] == "then" else branch.otherwise
    return seq


def sequence_at(actions: list[Action], path: Path,
                insert: bool = False) -> tuple[list[Action], int]:
    """The list holding the action at `path`, and its index there; with
    `insert`, the index may also be one past the end."""
    if not path:
        raise IndexError(path)
    seq = arm_at(actions, path[:-1])
    index = int(path[-1])
    if not 0 <= index < len(seq) + insert:
        raise IndexError(path)
    return seq, index


def walk(actions: list[Action], base: Path = ()) -> list[tuple[Path, Action]]:
    """Every action with its path, in reading order (a branch before its arms)."""
    out: list[tuple[Path, Action]] = []
    for n, action in enumerate(actions):
        path = (*base, n)
        out.append((path, action))
        if isinstance(action, Branch):
            out += walk(action.then, (*path, "then"))
            out += walk(action.otherwise, (*path, "else"))
    return out


@cache
def path_text(path: Path) -> str:
    """`(2, "then", 0)` → "3.then.1": positions count from 1, as people do."""
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path)


# How the log marks an action that ran once a delay before it came due:
# "3 (after the delay)".
AFTER_THE_DELAY = " (after the delay)"


def run_position(label: str) -> tuple[str, bool]:
    """A logged action's position in its stage's sequence and whether it ran
    after a delay, from what the log holds. Logs written before positions
    were kept for delays say "2 +1" (the first action after the delay at
    2): read as position 3 where that is certain (a delay at the top of the
    sequence), kept as it is otherwise."""
    if label.endswith(AFTER_THE_DELAY):
        return label.removesuffix(AFTER_THE_DELAY), True
    delay, plus, after = label.partition(" +")
    if not plus:
        return label, False
    head, dot, tail = after.partition(".")
    if delay.isdigit() and head.isdigit():
        return f"{int(delay) + int(head)}{dot}{tail}", True
    return label, True


def parse_path(text: str) -> Path:
    parts: list[int | str] = []
    for n, part in enumerate(text.strip().split(".")):
        if n % 2:
            if part not in ("then", "else"):
                raise ValueError(text)
            parts.append(part)
        else:
            if not part.isdigit() or int(part) < 1:
                raise ValueError(text)
            parts.append(int(part) - 1)
    if len(parts) % 2 == 0:
        raise ValueError(text)
    return tuple(parts)


# -- durations -----------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
# The longest delay: far more than a helpdesk waits, and far from the ends of
# what a date can hold, so that now + delay is always a date.
_LONGEST = 520 * _UNITS["w"]


def parse_duration(text: str, what: str = "a delay") -> timedelta:
    """"30m", "2h", "1d 4h", "1w": a delay (or an SLA target, `what`)
    people can read in desk.toml."""
    shown = text if len(text) <= 24 else text[:24] + "…"
    squeezed = text.strip().lower()
    parts = _PART.findall(squeezed)
    if not parts or _PART.sub("", squeezed).strip():
        raise ValueError(f"{shown!r} is not a duration; write it like 30m, 2h, 1d 4h or 1w")
    # A digit count first: int() of thousands of digits is refused (or slow).
    seconds = sum(int(n) * _UNITS[u] if len(n) <= 12 else _LONGEST + 1 for n, u in parts)
    if seconds <= 0:
        nothing = "does not wait" if what == "a delay" else "is no time at all"
        raise ValueError(f"{what} of {shown!r} {nothing}; give a duration above zero")
    if seconds > _LONGEST:
        raise ValueError(f"{what} of {shown!r} is longer than any desk waits; give at most "
                         "520w (ten years)")
    return timedelta(seconds=seconds)
