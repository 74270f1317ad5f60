"""Which data dir a desk lives in: --data-dir, else $PIPEDESK_HOME, else the
platform's user data dir (~/.local/share/pipedesk on Linux)."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir_for(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit.expanduser()
    home = os.environ.get("PIPEDESK_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("pipedesk", appauthor=False))
