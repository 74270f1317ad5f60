"""Opening a server's desk for the command line and the app: the token
from the environment variable the person's config names, or the keyring
(core/remote/tokens.py; docs/sync.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from core.errors import DeskError, Unauthorized
from core.remote.api import ServerApi
from core.remote.desk import RemoteDesk
from core.remote.tokens import token_for


def open_remote_desk(url: str, token_env: str,
                     environ: Mapping[str, str] = os.environ) -> RemoteDesk:
    token, where = token_for(url, token_env, environ)
    if not token:
        raise DeskError(f"${token_env} holds no token for {url}, nor does a keyring here: set "
                        "it to your token (an administrator makes one with pipedesk token "
                        "create), or work on local files with --data-dir.")
    api = ServerApi(url, token)
    try:
        return RemoteDesk(api)
    except Unauthorized as err:
        api.close()
        raise DeskError(f"{url} refused the token in {where}: {err.message}") from None
    except BaseException:
        api.close()
        raise
