"""`pipedesk mail …`: where the desk's mail goes (A4a): SMTP delivery, or
none (mail stays in the outbox), and the sender."""

from __future__ import annotations

from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session
from core.model import MailSettings, SmtpSettings
from core.settings.mail import DEFAULT_PORTS, SECURITIES


@group()
def mail() -> None:
    """Where the desk's mail goes (A4a): SMTP delivery and the sender."""


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
