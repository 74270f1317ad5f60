"""Connected channels (A1) and the email triggers (A3a, A3b): where
customers' mail comes in, into which pipeline, and what it moves."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from core.addresses import normalise_email
from core.errors import DeskError
from core.finding import find_pipeline, find_stage
from core.model import Channel, DeskConfig, EmailTrigger, ImapSource, Pipeline, Stage
from core.settings.mail import check_variable
from core.text import check_line

TriggerName = Literal["email-sent", "customer-replied"]
TRIGGERS: dict[str, tuple[str, str]] = {
    # name -> (the field of PipelineAutomation, what people read)
    "email-sent": ("email_sent", "An email is sent to a customer (A3a)"),
    "customer-replied": ("customer_replied", "A customer replies to an email (A3b)"),
}
IMAP_SECURITIES = ("tls", "starttls", "none")


def find_channel(config: DeskConfig, ref: str) -> Channel:
    found = config.channel(ref)
    if found is None:
        known = ", ".join(c.address for c in config.channels) or "none yet"
        raise DeskError(f"No channel {ref.strip()!r}. Channels: {known}.")
    return found


def add(config: DeskConfig, address: str, pipeline_ref: str, stage_ref: str | None = None,
        maildir: str | None = None, imap: ImapSource | None = None,
        create_tickets: bool = True) -> Channel:
    """A1: a new email channel into `pipeline_ref` (at `stage_ref`, else its
    first Open stage)."""
    address = normalise_email(address)
    if config.channel(address) is not None:
        raise DeskError(f"A channel for {address} exists already.")
    pipeline = find_pipeline(config, pipeline_ref)
    stage = _open_stage(config, pipeline, stage_ref)
    if maildir is not None:
        maildir = check_line(maildir.strip(), "The Maildir folder")
        if not maildir:
            raise DeskError("Name the Maildir folder the channel takes mail from.")
        maildir = str(Path(maildir).expanduser().absolute())
    if imap is not None:
        imap = check_imap(imap)
    channel = Channel(address=address, pipeline=pipeline.id, stage=stage, maildir=maildir,
                      imap=imap, create_tickets=create_tickets)
    config.channels.append(channel)
    return channel


def check_imap(imap: ImapSource) -> ImapSource:
    host = check_line(imap.host.strip(), "The IMAP server")
    if not host or any(c.isspace() for c in host):
        raise DeskError(f"The IMAP server is a host name or address, like imap.example.com; "
                        f"got {host!r}.")
    user = check_line(imap.user.strip(), "The IMAP user")
    if not user:
        raise DeskError("The IMAP account needs a user to log in as (--imap-user).")
    password_env = check_variable(imap.password_env.strip(), "IMAP")
    if not password_env:
        raise DeskError(f"The IMAP user {user!r} needs the environment variable that holds "
                        "the password (--imap-password-env); the password itself is never "
                        "stored.")
    folder = check_line(imap.folder.strip(), "The IMAP folder") or "INBOX"
    ca_file = imap.ca_file
    if ca_file is not None:
        ca_file = str(Path(check_line(ca_file.strip(), "The IMAP CA file")).expanduser()
                      .absolute())
    return ImapSource(host=host, port=imap.port, security=imap.security, user=user,
                      password_env=password_env, folder=folder, ca_file=ca_file)


def set_create_tickets(config: DeskConfig, ref: str, on: bool) -> Channel:
    """A1: whether a new message to the channel makes a ticket."""
    channel = find_channel(config, ref)
    channel.create_tickets = on
    return channel


def remove(config: DeskConfig, ref: str) -> Channel:
    """The channel goes; its tickets and their conversations stay."""
    channel = find_channel(config, ref)
    config.channels.remove(channel)
    return channel


def set_trigger(config: DeskConfig, pipeline_ref: str, name: str, on: bool | None = None,
                stage_ref: str | None = None) -> EmailTrigger:
    """A3a / A3b: switch a pipeline's trigger and/or choose its target stage."""
    if name not in TRIGGERS:
        raise DeskError(f"No email trigger {name!r}; the triggers are "
                        f"{', '.join(TRIGGERS)}.")
    pipeline = find_pipeline(config, pipeline_ref)
    field = TRIGGERS[name][0]
    trigger: EmailTrigger = getattr(pipeline.automation, field).model_copy()
    if on is not None:
        trigger.on = on
    if stage_ref is not None:
        trigger.stage = find_stage(config, stage_ref, pipeline)[1].id
    if on is None and stage_ref is None:
        raise DeskError("Say on or off, or give the stage (--stage) the trigger moves to.")
    pipeline.automation = pipeline.automation.model_copy(update={field: trigger})
    return trigger


def triggers_moving_into(config: DeskConfig, stage_id: str) -> list[tuple[Pipeline, str]]:
    """S6: the email triggers (pipeline, what people read) whose target is
    `stage_id`, and the channels that put new tickets there."""
    found = []
    for pipeline in config.pipelines:
        for field, said in TRIGGERS.values():
            if getattr(pipeline.automation, field).stage == stage_id:
                found.append((pipeline, f"the email trigger '{said}'"))
    for channel in config.channels:
        if channel.stage == stage_id:
            owner = next((p for p in config.pipelines if p.id == channel.pipeline), None)
            if owner is not None:
                found.append((owner, f"the channel {channel.address}"))
    return found


def channel_home(config: DeskConfig, channel: Channel) -> tuple[Pipeline, Stage] | None:
    """A1: where the channel puts new tickets: its pipeline and its stage,
    else the pipeline's first Open stage; None when the pipeline is gone."""
    pipeline = next((p for p in config.pipelines if p.id == channel.pipeline), None)
    if pipeline is None:
        return None
    stage = pipeline.stage(channel.stage) if channel.stage is not None else None
    return pipeline, stage or pipeline.first_open_stage()


def _open_stage(config: DeskConfig, pipeline: Pipeline, stage_ref: str | None) -> str | None:
    if stage_ref is None:
        return None
    return find_stage(config, stage_ref, pipeline)[1].id
