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
    """Keep `pipeline_id` as the board to open next time. The board opened
    is usually the one remembered: then nothing is written (two syncs that
    the first board would wait for). A desk without a data dir (the memory
    store) remembers nothing."""
    data_dir = data_dir_of(desk)
    if data_dir is None or last_pipeline(desk) == pipeline_id:
        return
    with contextlib.suppress(OSError):
        atomic_write(_path(data_dir), json.dumps({"pipeline": pipeline_id}).encode())
