"""`pipedesk mail …`: where the desk's mail goes (A4a): SMTP delivery, or
none (mail stays in the outbox), and the sender."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core import DeskError
from core.model import MailSettings, SmtpSettings
from core.present import when
from core.settings.mail import DEFAULT_PORTS, SECURITIES
from core.text import show_line

if TYPE_CHECKING:
    from core.mail.taking import Intake


@group()
def mail() -> None:
    """Mail out (A4a: SMTP, the sender) and mail in (A1: ingest, fetch, the quarantine)."""


@mail.command("smtp")
@click.argument("host", required=False)
@click.option("--port", type=int, metavar="N",
              help="The server's port (default: "
                   + ", ".join(f"{p} with {s}" for s, p in DEFAULT_PORTS.items()) + ").")
@click.option("--security", type=click.Choice(SECURITIES), default="starttls",
              show_default=True,
              help="starttls: upgrade the connection; tls: TLS from the first byte; "
                   "none: no encryption (a relay on this host).")
@click.option("--user", default="", metavar="NAME", help="Log in as NAME.")
@click.option("--password-env", default="", metavar="VAR",
              help="The environment variable holding the login's password (the "
                   "password itself is never stored).")
@click.option("--off", is_flag=True, help="No SMTP: mail stays in the outbox.")
@pass_session
def mail_smtp(session: Session, host: str | None, port: int | None, security: str,
              user: str, password_env: str, off: bool) -> None:
    """Deliver the desk's mail over SMTP to HOST, or (--off) keep it in the outbox."""
    if off == (host is not None):
        raise click.UsageError("Give the SMTP server HOST, or --off (not both).")
    desk = session.desk
    if off:
        stopped = desk.stop_mail_delivery(session.actor)
        was = f"No longer delivered to {_server(stopped)}: " if stopped else ""
        click.echo(f"{was}mail stays in the outbox (outbox/ in the data dir).")
        return
    assert host is not None
    smtp = desk.set_mail_delivery(host, session.actor, port=port, security=security,
                                  user=user, password_env=password_env)
    sender = desk.mail_settings(session.actor).sender
    click.echo(f"Mail is delivered to {_server(smtp)}{_login(smtp)}, from {sender}.")


@mail.command("from")
@click.argument("address")
@pass_session
def mail_from(session: Session, address: str) -> None:
    """The address the desk's mail is from ('Support <support@example.com>')."""
    sender = session.desk.set_sender(address, session.actor)
    click.echo(f"Mail is from {sender}.")


@mail.command("show")
@json_option
@pass_session
def mail_show(session: Session, as_json: bool) -> None:
    """The sender, and where mail is delivered."""
    settings = session.reading.mail_settings(session.actor)
    if as_json:
        emit_json(mail_data(settings))
        return
    click.echo(f"From:      {settings.sender}")
    if settings.smtp is None:
        click.echo("Delivery:  none; mail stays in the outbox (outbox/ in the data dir)")
    else:
        click.echo(f"Delivery:  SMTP to {_server(settings.smtp)}{_login(settings.smtp)}")


def mail_data(settings: MailSettings) -> dict[str, Any]:
    smtp = settings.smtp
    return {"from": settings.sender,
            "smtp": None if smtp is None else
            {"host": smtp.host, "port": smtp.port, "security": smtp.security,
             "user": smtp.user, "password_env": smtp.password_env}}


def _server(smtp: SmtpSettings) -> str:
    return f"{smtp.host}:{smtp.port} ({smtp.security})"


def _login(smtp: SmtpSettings) -> str:
    if not smtp.user:
        return ""
    return f", logging in as {smtp.user} with the password in ${smtp.password_env}"


# -- mail in (A1): ingest, fetch, the quarantine ---------------------------------

# sysexits.h EX_TEMPFAIL: an MTA piping mail in keeps it and tries again.
TEMPORARY_FAILURE = 75


@mail.command("ingest")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--channel", "channel_ref", metavar="C",
              help="The channel it came in through (default: by its recipients).")
@json_option
@pass_session
def mail_ingest(session: Session, files: tuple[Path, ...], channel_ref: str | None,
                as_json: bool) -> None:
    """Take RFC 5322 messages from FILES, or one from standard input (an
    MTA's pipe). Exit 75 when a message could not be stored: try again."""
    from core.mail.intake import take_in_many

    desk = session.desk
    intakes = []
    try:
        intakes = take_in_many(desk, list(_messages(files)), channel_ref)
    except (DeskError, OSError) as err:
        _said(intakes, as_json)
        why = err.message if isinstance(err, DeskError) else \
            f"Cannot use {err.filename}: {err.strerror}."
        click.echo(f"pipedesk: {why} The message was not stored; try again.", err=True)
        sys.exit(TEMPORARY_FAILURE)
    _said(intakes, as_json)


def _messages(files: tuple[Path, ...]) -> Iterator[bytes]:
    if not files:
        yield sys.stdin.buffer.read()
        return
    for path in files:
        try:
            yield path.read_bytes()
        except OSError as err:
            # Not a temporary failure of ours: the file named is not there.
            raise click.UsageError(f"Cannot read {path}: {err.strerror}.") from None


def _said(intakes: Sequence[Intake], as_json: bool) -> None:
    if as_json:
        emit_json([i.as_dict() for i in intakes])
        return
    for i in intakes:
        click.echo(show_line(said_intake(i)))


def said_intake(i: Intake) -> str:
    where = f"ticket #{i.ticket}" if i.ticket else "no ticket"
    why = f": {i.reason}" if i.reason else ""
    return f"{i.outcome} <{i.message_id}>, {where}{why}"


@mail.command("fetch")
@click.option("--channel", "channel_ref", metavar="C", help="Only this channel.")
@json_option
@pass_session
def mail_fetch(session: Session, channel_ref: str | None, as_json: bool) -> None:
    """Take what waits in the channels' Maildir folders and IMAP accounts, once."""
    from core.mail.sources import fetch_once

    fetched = fetch_once(session.desk, channel_ref)
    _said(fetched.intakes, as_json)
    if not fetched.intakes and not as_json:
        click.echo("No new mail.")
    for problem in fetched.problems:
        click.echo(f"pipedesk: {problem}", err=True)
    if fetched.problems:
        sys.exit(TEMPORARY_FAILURE)


@mail.group("quarantine")
def mail_quarantine() -> None:
    """Mail that could not be taken (will not parse, no channel), with why."""


@mail_quarantine.command("list")
@json_option
@pass_session
def quarantine_list(session: Session, as_json: bool) -> None:
    """Every message in the quarantine you may see, with its reason."""
    items = session.reading.quarantine(session.actor)
    if as_json:
        emit_json([{"id": q.key, "reason": q.reason, "at": q.at.isoformat(),
                    "channel": q.channel, "size": q.size} for q in items])
        return
    if not items:
        click.echo("The quarantine is empty.")
        return
    table(["ID", "WHEN", "SIZE", "REASON"],
          [[q.key, when(q.at), str(q.size), q.reason] for q in items])


@mail_quarantine.command("retry")
@click.argument("key", metavar="ID")
@json_option
@pass_session
def quarantine_retry(session: Session, key: str, as_json: bool) -> None:
    """Take a quarantined message again (after adding its channel, say)."""
    _said([session.desk.retry_quarantined(key, session.actor)], as_json)
