"""What the terminal remembers between runs: the last pipeline used.

Kept in the data dir, one small file per OS user (agents who share a desk
each come back to their own board). Losing it costs nothing, so a file that
cannot be read or written is ignored, and a desk with no data dir (in
memory) remembers nothing.
"""

from __future__ import annotations

import contextlib
import getpass
import json
from pathlib import Path

from core import Desk, data_dir_of
from core.store.files import atomic_write


def _path(data_dir: Path) -> Path:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "default"
    safe = "".join(c if c.isalnum() else "_" for c in user)
    return data_dir / f".last-board-{safe}.json"


def last_pipeline(desk: Desk) -> str | None:
    data_dir = data_dir_of(desk)
    if data_dir is None:
        return None
    try:
        value = json.loads(_path(data_dir).read_text()).get("pipeline")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def remember_pipeline(desk: Desk, pipeline_id: str) -> None:
    data_dir = data_dir_of(desk)
    if data_dir is None:
        return
    with contextlib.suppress(OSError):
        atomic_write(_path(data_dir), json.dumps({"pipeline": pipeline_id}).encode())
