"""The desk's settings: pipelines, stages, property definitions, users, teams.

These live in `desk.toml` and are few, so they are pydantic models: a file a
person edited by hand is validated with messages that name the field. Tickets
and contacts are many and live in `core.records`.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from core.automation.actions import Action, parse_duration
from core.automation.templates import Template, builtin_templates
from core.model_base import Model

SCHEMA_VERSION = 1
# Above every id the counter may give (`DeskConfig.next_id`).
MAX_NEXT_ID = 10**15


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
    # A4: run in order whenever a ticket enters the stage.
    actions: list[Action] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.state is StageState.OPEN


class EmailTrigger(Model):
    """A3a / A3b: a ticket moves to `stage` when an agent replies from it
    (email_sent) or its contact replies on its thread (customer_replied).
    On by default, as the help articles have it ("uncheck to turn off")."""

    on: bool = True
    # The target stage's id; None: not chosen (the trigger then moves nothing).
    stage: str | None = None


# The stage each trigger moves to on a new pipeline (P1, P2), by label.
EMAIL_SENT_STAGE = "Waiting on contact"
CUSTOMER_REPLIED_STAGE = "Waiting on us"


class PipelineAutomation(Model):
    # T3 / A2: moving into a Closed stage sets the close date.
    close_date: bool = True
    # A5: chat and messenger tickets are left out of automation by default.
    include_chat: bool = False
    # A3a: an agent's reply sent from the ticket.
    email_sent: EmailTrigger = Field(default_factory=EmailTrigger)
    # A3b: the contact replies on the ticket's thread.
    customer_replied: EmailTrigger = Field(default_factory=EmailTrigger)


DEFAULT_CARD_PROPERTIES = ["subject", "priority", "owner", "age"]

# The stage whose time does not count on a new pipeline's SLA clocks, by
# label: the one an agent's reply moves tickets to (A3a).
SLA_WAITING_STAGE = EMAIL_SENT_STAGE
SlaPriority = Literal["low", "medium", "high", "urgent"]


class SlaTarget(Model):
    """Issue 17: how long a ticket of one priority may wait for its first
    reply (`respond`) and to be closed (`resolve`), as durations people
    write ("30m", "4h", "1d 4h"); either may be left out."""

    respond: str | None = None
    resolve: str | None = None

    @field_validator("respond", "resolve")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parse_duration(value, "a target")  # says what is wrong with it
        return value.strip()


class PipelineSla(Model):
    """Issue 17: a pipeline's service-level targets, by priority, and the
    stages in which the clocks stop (waiting on the customer). A breach
    runs `actions`, as a stage's arrival runs its own (A4)."""

    targets: dict[SlaPriority, SlaTarget] = Field(default_factory=dict)
    # Stage ids; None: not chosen yet (the default label's stage, if any).
    waiting: list[str] | None = None
    actions: list[Action] = Field(default_factory=list)

    # The Automate tab and the command line name the breach's sequence as
    # if it were a stage: this is its label and the word for it.
    label: ClassVar[str] = "SLA breach"


class PipelineAccess(Model):
    """P6: who may view and who may edit a pipeline's tickets. None is
    everyone (the default); a list names users and teams as "user:ID" and
    "team:ID", so that a user and a team may share an id. Editing needs
    viewing too (core/access.py)."""

    view: list[str] | None = None
    edit: list[str] | None = None


class Pipeline(Model):
    id: str
    label: str
    stages: list[Stage]
    card_properties: list[str] = Field(default_factory=lambda: list(DEFAULT_CARD_PROPERTIES))
    automation: PipelineAutomation = Field(default_factory=PipelineAutomation)
    access: PipelineAccess = Field(default_factory=PipelineAccess)
    sla: PipelineSla = Field(default_factory=PipelineSla)

    def stage(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)

    def first_open_stage(self) -> Stage:
        return next(s for s in self.stages if s.is_open)

    @model_validator(mode="after")
    def _trigger_stages(self) -> Pipeline:
        # A pipeline without a target for a trigger (a new one, or desk.toml
        # from before A3) gets the stage of the default label, if it has one.
        for trigger, label in ((self.automation.email_sent, EMAIL_SENT_STAGE),
                               (self.automation.customer_replied, CUSTOMER_REPLIED_STAGE)):
            if trigger.stage is None:
                found = next((s for s in self.stages if s.label.casefold() == label.casefold()),
                             None)
                trigger.stage = found.id if found is not None else None
        if self.sla.waiting is None:
            found = next((s for s in self.stages
                          if s.label.casefold() == SLA_WAITING_STAGE.casefold()), None)
            self.sla.waiting = [found.id] if found is not None else []
        else:
            # A stage deleted by hand in desk.toml stops no clock any more:
            # harmless, so not a reason to refuse the file.
            ids = {s.id for s in self.stages}
            self.sla.waiting = [s for s in self.sla.waiting if s in ids]
        return self


class PropertyDef(Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: PropertyType
    options: list[str] = Field(default_factory=list)
    # Set by the program (create date, close date …); a user never types it.
    read_only: bool = False
    builtin: bool = False
    archived: bool = False


Role = Literal["administrator", "agent"]
# U2: all tickets; tickets owned by the user, a member of one of the user's
# teams, or given to one of those teams; the user's own tickets.
Visibility = Literal["all", "team", "own"]
ROLES: tuple[Role, ...] = ("administrator", "agent")
VISIBILITIES: tuple[Visibility, ...] = ("all", "team", "own")


class User(Model):
    """U1. A user who left is deactivated (`active` false), never deleted:
    the name stays on timelines, and the id is never given to another."""

    id: str
    name: str
    email: str = ""
    role: Role = "agent"
    # The operating-system account this user works under on a local desk
    # (who is acting, docs/people.md); "" for none.
    login: str = ""
    visibility: Visibility = "all"
    # U2's switch: with "team" or "own", whether tickets with no owner are
    # seen too.
    unassigned: bool = True
    active: bool = True


class Team(Model):
    id: str
    name: str
    members: list[str] = Field(default_factory=list)


class ApiToken(Model):
    """A token a script or a server client acts with, as `user` (issue 15).
    Only a digest of the secret is kept: whoever reads desk.toml or the
    database cannot act with it."""

    id: str
    user: str
    name: str = ""
    hash: str  # sha256 of the secret, hex
    created: datetime
    revoked: datetime | None = None


class SmtpSettings(Model):
    """`[mail.smtp]`: deliver the outbox to this server (docs/automation.md)."""

    host: str
    port: int = Field(587, ge=1, le=65535)
    # "starttls": plain connection upgraded with STARTTLS (port 587);
    # "tls": TLS from the first byte (port 465); "none": no encryption
    # (a relay on the same host, or tests).
    security: Literal["starttls", "tls", "none"] = "starttls"
    user: str = ""
    # The name of an environment variable holding the password, so that
    # desk.toml can be shared and versioned without a secret in it.
    password_env: str = ""
    from_: str = Field("", alias="from")


class MailSettings(Model):
    """`[mail]`: without `smtp`, mail stays in the Maildir outbox."""

    from_: str = Field("helpdesk@localhost", alias="from")
    smtp: SmtpSettings | None = None

    @property
    def sender(self) -> str:
        return (self.smtp.from_ if self.smtp and self.smtp.from_ else "") or self.from_


class ImapSource(Model):
    """`[channels.imap]`: the IMAP account a channel's mail is fetched from."""

    host: str
    # None: 993 with "tls", 143 with "starttls" or "none".
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] = "tls"
    user: str
    # The name of the environment variable holding the password (as SMTP's).
    password_env: str = ""
    folder: str = "INBOX"
    # Certificates to trust beside the system's (a server with its own
    # authority); the host name is checked always.
    ca_file: str | None = None

    @property
    def port_or_default(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)


class Channel(Model):
    """`[[channels]]` (A1): where customers' messages come in. Its address
    is its identity: the actor `channel:ADDRESS` on the timeline."""

    kind: Literal["email"] = "email"
    address: str
    pipeline: str
    # None: the pipeline's first Open stage.
    stage: str | None = None
    create_tickets: bool = True
    # Where its mail comes from: a Maildir folder, an IMAP account, or
    # neither (mail is piped in: `pipedesk mail ingest`).
    maildir: str | None = None
    imap: ImapSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Channel:
        if self.maildir is not None and self.imap is not None:
            raise ValueError("a channel takes its mail from a Maildir or from IMAP, not both")
        return self

    @property
    def actor_id(self) -> str:
        return self.address.casefold()


class WebhookSettings(Model):
    """`[webhooks]`: the addresses a webhook may call although they are not
    public (loopback, private, link-local), as addresses or networks:
    `allow = ["127.0.0.1", "10.20.0.0/16"]` (docs/automation.md)."""

    allow: list[str] = Field(default_factory=list)

    @field_validator("allow")
    @classmethod
    def _networks(cls, allowed: list[str]) -> list[str]:
        for text in allowed:
            check_allowed_network(text)
        return allowed


def check_allowed_network(text: str) -> str:
    """`text` if `[webhooks] allow` may hold it (an IP address or network),
    else a ValueError saying how to write it. The one check, for desk.toml
    as read and for the command that sets the list (core/settings/mail.py)."""
    try:
        ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{text!r} is not an IP address or network (write it like "
                         "127.0.0.1 or 10.20.0.0/16)") from None
    return text


class DeskConfig(Model):
    """Everything in desk.toml."""

    schema_version: int = SCHEMA_VERSION
    # Pipelines and stages draw their internal ids from this one counter, so
    # a stage id names one stage in the whole desk (P8).
    # At most 15 digits: ids are text, and a number of thousands of digits
    # cannot even be written out.
    next_id: int = Field(5, ge=0, lt=MAX_NEXT_ID)
    pipelines: list[Pipeline] = Field(default_factory=list)
    properties: list[PropertyDef] = Field(default_factory=list)
    users: list[User] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    mail: MailSettings = Field(default_factory=MailSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    channels: list[Channel] = Field(default_factory=list)
    templates: list[Template] = Field(default_factory=builtin_templates)
    tokens: list[ApiToken] = Field(default_factory=list)

    @model_validator(mode="after")
    def _builtin_templates_present(self) -> DeskConfig:
        # A4a: the two built-in templates are always there (edited, maybe);
        # a file that leaves one out gets it back.
        names = {t.name for t in self.templates}
        missing = [t for t in builtin_templates() if t.name not in names]
        if missing:
            self.templates = [*missing, *self.templates]
        return self

    def channel(self, address: str) -> Channel | None:
        key = address.strip().casefold()
        return next((c for c in self.channels if c.address.casefold() == key), None)

    def template(self, name: str) -> Template | None:
        key = name.strip().casefold()
        return next((t for t in self.templates if t.name.casefold() == key), None)


LOCAL_ADMIN_ID = "admin"

DEFAULT_STAGES: list[tuple[str, StageState]] = [
    ("New", StageState.OPEN),
    ("Waiting on contact", StageState.OPEN),
    ("Waiting on us", StageState.OPEN),
    ("Closed", StageState.CLOSED),
]


def new_desk_config(login: str = "") -> DeskConfig:
    """P1: a new desk has *Support pipeline* with its four stages, and its
    administrator: the operating-system account `login` that made it."""
    support = Pipeline(
        id="0",
        label="Support pipeline",
        stages=[
            Stage(id=str(n), label=label, state=state)
            for n, (label, state) in enumerate(DEFAULT_STAGES, start=1)
        ],
    )
    admin = User(id=LOCAL_ADMIN_ID, name="Administrator", role="administrator", login=login)
    return DeskConfig(next_id=len(DEFAULT_STAGES) + 1, pipelines=[support], users=[admin])
