"""Where a client's token is (issue 16 item 1; docs/sync.md): the
environment variable the person's config names, else the platform's
keyring when this host has one (the `keyring` library, installed with
`pip install 'pipedesk[keyring]'`, and a keyring it can use: the desktop's
Secret Service, macOS's Keychain, Windows' Credential Manager). A server's
token is kept there under the service "pipedesk" and the server's address.
pipedesk never writes a token anywhere else."""

from __future__ import annotations

import os
from collections.abc import Mapping

from core.errors import DeskError

SERVICE = "pipedesk"


def token_for(url: str, token_env: str, environ: Mapping[str, str] = os.environ
              ) -> tuple[str, str]:
    """The token for `url` and where it was found, for messages
    ("$PIPEDESK_TOKEN", "the keyring"); ("", "") when neither holds one."""
    token = environ.get(token_env, "").strip()
    if token:
        return token, f"${token_env}"
    kept = _from_keyring(url)
    return (kept, "the keyring") if kept else ("", "")


def _from_keyring(url: str) -> str:
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        return ""  # no keyring library here: the environment alone
    try:
        return (keyring.get_password(SERVICE, url) or "").strip()
    except KeyringError:
        return ""  # a host with no keyring (an SSH session, a server)


def keep_in_keyring(url: str, token: str) -> None:
    """Keep `token` for `url` in the platform's keyring; a DeskError saying
    why when this host has none."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise DeskError("The keyring library is not installed (pip install "
                        "'pipedesk[keyring]'); keep the token in $PIPEDESK_TOKEN instead. "
                        "Nothing was written.") from None
    try:
        keyring.set_password(SERVICE, url, token)
    except KeyringError as err:
        raise DeskError(f"This host has no keyring pipedesk can use ({err}); keep the "
                        "token in $PIPEDESK_TOKEN instead. Nothing was written.") from None
