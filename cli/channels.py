"""`pipedesk channel …`: connected channels (A1) — the email addresses
whose mail becomes tickets, into which pipeline, from where."""

from __future__ import annotations

from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.model import Channel, DeskConfig, ImapSource
from core.present import source_of
from core.settings.channels import IMAP_SECURITIES, channel_home


@group()
def channel() -> None:
    """Connected channels (A1): email addresses whose mail becomes tickets."""


def channel_data(config: DeskConfig, c: Channel) -> dict[str, Any]:
    pipeline, stage = channel_home(config, c) or (None, None)
    return {
        "address": c.address, "kind": c.kind, "pipeline": c.pipeline,
        "pipeline_label": pipeline.label if pipeline else None,
        "stage": stage.id if stage else None, "stage_label": stage.label if stage else None,
        "create_tickets": c.create_tickets, "source": source_of(c),
        "maildir": c.maildir,
        "imap": c.imap.model_dump(mode="json") if c.imap is not None else None,
    }


@channel.command("list")
@json_option
@pass_session
def channel_list(session: Session, as_json: bool) -> None:
    """Every channel: its address, pipeline and stage, switch and source."""
    desk = session.reading
    found = desk.channels(session.actor)
    data = [channel_data(desk.config, c) for c in found]
    if as_json:
        emit_json(data)
        return
    if not data:
        click.echo("No channels yet: pipedesk channel add email ADDRESS --pipeline P")
        return
    table(["ADDRESS", "PIPELINE", "STAGE", "CREATE TICKETS", "SOURCE"],
          [[d["address"], d["pipeline_label"] or d["pipeline"], d["stage_label"] or "",
            "on" if d["create_tickets"] else "off", d["source"]] for d in data])


@channel.command("add")
@click.argument("kind", type=click.Choice(["email"]))
@click.argument("address")
@click.option("--pipeline", "pipeline_ref", required=True, metavar="P")
@click.option("--stage", "stage_ref", metavar="S",
              help="Where new tickets go (default: the pipeline's first Open stage).")
@click.option("--maildir", metavar="DIR", help="Take mail from this Maildir folder.")
@click.option("--imap-host", metavar="HOST", help="Take mail from this IMAP server.")
@click.option("--imap-port", type=click.IntRange(1, 65535), metavar="N",
              help="Its port (default 993 with tls, 143 otherwise).")
@click.option("--imap-security", type=click.Choice(IMAP_SECURITIES), default="tls",
              show_default=True)
@click.option("--imap-user", default="", metavar="NAME")
@click.option("--imap-password-env", default="", metavar="VAR",
              help="The environment variable holding the password (never stored).")
@click.option("--imap-folder", default="INBOX", show_default=True, metavar="FOLDER")
@click.option("--imap-ca-file", metavar="FILE",
              help="Also trust the certificates in FILE (a server with its own authority).")
@click.option("--no-tickets", is_flag=True, help="Create tickets: off (replies still land).")
@pass_session
def channel_add(session: Session, kind: str, address: str, pipeline_ref: str,
                stage_ref: str | None, maildir: str | None, imap_host: str | None,
                imap_port: int | None, imap_security: str, imap_user: str,
                imap_password_env: str, imap_folder: str, imap_ca_file: str | None,
                no_tickets: bool) -> None:
    """Connect the email ADDRESS to pipeline P (A1)."""
    del kind  # email is the one kind so far
    if maildir is not None and imap_host is not None:
        raise click.UsageError("Give --maildir or --imap-host, not both.")
    imap = None
    if imap_host is not None:
        imap = ImapSource(host=imap_host, port=imap_port,
                          security=imap_security,
                          user=imap_user, password_env=imap_password_env, folder=imap_folder,
                          ca_file=imap_ca_file)
    elif imap_user or imap_password_env or imap_port is not None or imap_ca_file:
        raise click.UsageError("The --imap-... options need --imap-host.")
    desk = session.desk
    added = desk.add_channel(address, pipeline_ref, session.actor, stage=stage_ref,
                             maildir=maildir, imap=imap, create_tickets=not no_tickets)
    data = channel_data(desk.config, added)
    click.echo(f"Mail to {added.address} comes into {data['pipeline_label']} / "
               f"{data['stage_label']}; source: {data['source']}.")


@channel.command("set")
@click.argument("ref", metavar="C")
@click.argument("switch", type=click.Choice(["create-tickets"]))
@click.argument("value", type=click.Choice(["on", "off"]))
@pass_session
def channel_set(session: Session, ref: str, switch: str, value: str) -> None:
    """A1: whether new mail to channel C creates tickets."""
    changed = session.desk.set_channel_create_tickets(ref, value == "on", session.actor)
    click.echo(f"{changed.address}: {switch} {value}.")


@channel.command("remove")
@click.argument("ref", metavar="C")
@pass_session
def channel_remove(session: Session, ref: str) -> None:
    """Disconnect channel C; its tickets and conversations stay."""
    gone = session.desk.remove_channel(ref, session.actor)
    click.echo(f"Removed the channel {gone.address}; its tickets stay.")
