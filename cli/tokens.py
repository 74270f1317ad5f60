"""`pipedesk token …`: the API tokens scripts and server clients act with
(issue 15; docs/server.md). Administrators only: the desk refuses anyone
else, saying whom to ask."""

from __future__ import annotations

from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.model import ApiToken
from core.text import show_line


@group()
def token() -> None:
    """API tokens: create, list, revoke. A token acts as its user over the
    server's API; only administrators manage them."""


def token_data(t: ApiToken) -> dict[str, Any]:
    """A token as --json shows it: never its secret nor its digest."""
    return {"id": t.id, "user": t.user, "name": t.name, "created": t.created.isoformat(),
            "revoked": t.revoked.isoformat() if t.revoked else None}


@token.command("create")
@click.option("--user", "user_ref", required=True, metavar="U",
              help="The user the token acts as (id, login or email).")
@click.option("--name", default="", help="What the token is for (a script, an integration).")
@json_option
@pass_session
def token_create(session: Session, user_ref: str, name: str, as_json: bool) -> None:
    """Make a token; its secret is printed this once."""
    made, secret = session.desk.create_token(user_ref, session.actor, name=name)
    if as_json:
        emit_json({**token_data(made), "token": secret})
        return
    click.echo(secret)
    click.echo(f"Token {made.id} acts as {made.user}. Keep it now: pipedesk keeps only a "
               "digest of it and cannot show it again.", err=True)


@token.command("list")
@json_option
@pass_session
def token_list(session: Session, as_json: bool) -> None:
    """Every token, revoked ones too (never a secret)."""
    tokens = session.reading.api_tokens(session.actor)
    if as_json:
        emit_json([token_data(t) for t in tokens])
        return
    table(["ID", "USER", "NAME", "CREATED", "REVOKED"],
          [[t.id, t.user, show_line(t.name), f"{t.created:%Y-%m-%d %H:%M}",
            f"{t.revoked:%Y-%m-%d %H:%M}" if t.revoked else ""] for t in tokens])


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@pass_session
def token_revoke(session: Session, token_id: str) -> None:
    """End a token at once, for every process of the desk."""
    ended = session.desk.revoke_token(token_id, session.actor)
    click.echo(f"Revoked token {ended.id} of {ended.user}; requests with it are refused now.")
