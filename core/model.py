"""The desk's settings: pipelines, stages, property definitions, users, teams.

These live in `desk.toml` and are few, so they are pydantic models: a file a
person edited by hand is validated with messages that name the field. Tickets
and contacts are many and live in `core.records`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Model(BaseModel):
    # A typo in desk.toml ("lable = ...") is refused, not silently dropped.
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class StageState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class PropertyType(StrEnum):
    TEXT = "text"
    LONG_TEXT = "long-text"
    NUMBER = "number"
    CHOICE = "choice"
    DATE = "date"
    DATETIME = "date-time"
    YES_NO = "yes-no"
    USER = "user"
    TEAM = "team"


class StageProperty(Model):
    """A conditional stage property (S7): asked for when a ticket enters."""

    name: str
    required: bool = False


class Stage(Model):
    id: str
    label: str
    state: StageState
    properties: list[StageProperty] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state is StageState.OPEN


class PipelineAutomation(Model):
    # T3 / A2: moving into a Closed stage sets the close date.
    close_date: bool = True
    # A5: chat and messenger tickets are left out of automation by default.
    include_chat: bool = False


DEFAULT_CARD_PROPERTIES = ["subject", "priority", "owner", "age"]


class Pipeline(Model):
    id: str
    label: str
    stages: list[Stage]
    card_properties: list[str] = Field(default_factory=lambda: list(DEFAULT_CARD_PROPERTIES))
    automation: PipelineAutomation = Field(default_factory=PipelineAutomation)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def first_open_stage(self) -> Stage:
        return next(s for s in self.stages if s.is_open)


class PropertyDef(Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: PropertyType
    options: list[str] = Field(default_factory=list)
    # Set by the program (create date, close date …); a user never types it.
    read_only: bool = False
    builtin: bool = False
    archived: bool = False


class User(Model):
    id: str
    name: str
    email: str = ""
    role: Literal["administrator", "agent"] = "agent"


class Team(Model):
    id: str
    name: str
    members: list[str] = Field(default_factory=list)


class DeskConfig(Model):
    """Everything in desk.toml."""

    schema_version: int = SCHEMA_VERSION
    # Pipelines and stages draw their internal ids from this one counter, so
    # a stage id names one stage in the whole desk (P8).
    next_id: int = 5
    pipelines: list[Pipeline] = Field(default_factory=list)
    properties: list[PropertyDef] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)


LOCAL_ADMIN_ID = "admin"

DEFAULT_STAGES: list[tuple[str, StageState]] = [
    ("New", StageState.OPEN),
    ("Waiting on contact", StageState.OPEN),
    ("Waiting on us", StageState.OPEN),
    ("Closed", StageState.CLOSED),
]


def new_desk_config() -> DeskConfig:
    """P1: a new desk has *Support pipeline* with its four stages."""
    support = Pipeline(
        id="0",
        label="Support pipeline",
        stages=[
            Stage(id=str(n), label=label, state=state)
            for n, (label, state) in enumerate(DEFAULT_STAGES, start=1)
        ],
    )
    admin = User(id=LOCAL_ADMIN_ID, name="Administrator", role="administrator")
    return DeskConfig(next_id=len(DEFAULT_STAGES) + 1, pipelines=[support], users=[admin])
