"""`pipedesk login URL`: sign in to the team's server (issue 16 item 1;
docs/sync.md). Checks the token against the server, then writes the
server's address and the token's environment variable into the person's
own config; the token itself stays in the environment."""

from __future__ import annotations

import click

from cli.common import command
from core.user_config import DEFAULT_TOKEN_ENV


@command()
@click.argument("url")
@click.option("--token-env", default=DEFAULT_TOKEN_ENV, show_default=True, metavar="NAME",
              help="The environment variable that holds your token.")
@click.option("--keyring", "keep_in_keyring", is_flag=True,
              help="Also keep the token in this host's keyring, so the variable may go "
                   "(pip install 'pipedesk[keyring]').")
def login(url: str, token_env: str, keep_in_keyring: bool) -> None:
    """Sign in to the team's server at URL with the token in $PIPEDESK_TOKEN
    (or --token-env, or the keyring), and remember the server in your config."""
    from core.remote.login import log_in

    signed = log_in(url, token_env, keep_in_keyring=keep_in_keyring)
    click.echo(f"Signed in to {signed.remote.url} as {signed.user}.")
    click.echo(f"Written to {signed.config}: the server and ${signed.remote.token_env}, "
               "never the token.")
    if keep_in_keyring:
        click.echo("The token is kept in this host's keyring; $"
                   f"{signed.remote.token_env} may go.")
    if signed.warning:
        click.echo(f"pipedesk: {signed.warning}", err=True)
