"""`pipedesk webhooks …`: the non-public addresses a webhook may call (A4c);
public ones it may always call."""

from __future__ import annotations

from collections.abc import Sequence

import click

from cli.common import Session, emit_json, group, json_option, pass_session


@group()
def webhooks() -> None:
    """Where webhooks may call besides public addresses (A4c)."""


@webhooks.command("allow")
@click.argument("addresses", nargs=-1, metavar="ADDRESS...")
@click.option("--none", "none_", is_flag=True,
              help="Allow no non-public address: webhooks call public ones only.")
@pass_session
def webhooks_allow(session: Session, addresses: Sequence[str], none_: bool) -> None:
    """Let webhooks call these addresses or networks (127.0.0.1, 10.20.0.0/16)
    although they are not public; the list replaces the one before."""
    if none_ == bool(addresses):
        raise click.UsageError("Give the ADDRESS... webhooks may call, or --none (not both).")
    allowed = session.desk.allow_webhook_hosts(addresses, session.actor)
    click.echo(_said(allowed))


@webhooks.command("show")
@json_option
@pass_session
def webhooks_show(session: Session, as_json: bool) -> None:
    """The non-public addresses and networks webhooks may call."""
    allowed = session.reading.webhook_allow_list(session.actor)
    if as_json:
        emit_json({"allow": allowed})
        return
    click.echo(_said(allowed))


def _said(allowed: Sequence[str]) -> str:
    if not allowed:
        return "Webhooks call public addresses only."
    return f"Webhooks may call public addresses and {', '.join(allowed)}."
