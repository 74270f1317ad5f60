"""Signing in to a team's server (`pipedesk login URL`): the token is
checked against the server before anything is written, and the person's
config then names the server and the environment variable the token is
in. The token is never written down by pipedesk, but into the platform's
keyring when asked to (core/remote/tokens.py; docs/sync.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from core.errors import DeskError, Unauthorized
from core.hosts import is_loopback
from core.remote import tokens
from core.remote.api import ServerApi
from core.remote.tokens import token_for
from core.text import plain_line
from core.user_config import RemoteConfig, save_remote, server_url


@dataclass(frozen=True)
class SignedIn:
    remote: RemoteConfig
    user: str  # "Ingrid Berg (ingrid), agent"
    config: Path
    warning: str = ""  # what a person should know (a token sent in clear)
    token_in: str = ""  # where the token is kept: "$PIPEDESK_TOKEN", "the keyring"


def log_in(url: str, token_env: str, environ: Mapping[str, str] = os.environ,
           config: Path | None = None, keep_in_keyring: bool = False) -> SignedIn:
    """Check the token (in `token_env`, else the keyring), then remember
    the server; `keep_in_keyring`: also keep the token in the platform's
    keyring, so that the variable may go."""
    try:
        remote = RemoteConfig(url=url, token_env=token_env)
    except ValueError as err:  # pydantic's ValidationError is one
        raise DeskError(_first_problem(err)) from None
    token, where = token_for(remote.url, remote.token_env, environ)
    if not token:
        raise DeskError(f"${remote.token_env} holds no token. Set it to the token an "
                        "administrator made for you (pipedesk token create --user YOU), then "
                        f"run pipedesk login {remote.url} again.")
    with ServerApi(remote.url, token) as api:
        try:
            me = api.me()
        except Unauthorized as err:
            raise DeskError(f"{remote.url} refused the token in {where}: "
                            f"{err.message}") from None
    user = (f"{plain_line(str(me['name']))} ({plain_line(str(me['id']))}), "
            f"{plain_line(str(me['role']))}")
    if keep_in_keyring:
        tokens.keep_in_keyring(remote.url, token)
    written = save_remote(remote, config)
    return SignedIn(remote, user, written, _clear_text_warning(remote.url),
                    "the keyring" if keep_in_keyring else where)


def _clear_text_warning(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or is_loopback(parts.hostname or ""):
        return ""
    return (f"{url} is plain HTTP: the token travels unencrypted. Put TLS in front of the "
            "server (docs/server.md) and log in with https://.")


def _first_problem(err: ValueError) -> str:
    errors = getattr(err, "errors", None)
    if callable(errors):
        first = errors()[0]
        return str(first["msg"]).removeprefix("Value error, ").rstrip(".") + "."
    return str(err)


__all__ = ["SignedIn", "log_in", "server_url"]
