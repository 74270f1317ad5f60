"""Writing a whole file so that a crash leaves the old one or the new one."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def sync(fd: int) -> None:
    # fdatasync skips the inode's times; on macOS plain fsync is what exists.
    if sys.platform.startswith("linux"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def sync_dir(directory: Path) -> None:
    """Make a rename or a new file in `directory` durable."""
    if os.name == "nt":  # Windows cannot open a directory; its renames are durable.
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write a temp file beside `path`, sync it, rename it over `path`."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            sync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    sync_dir(path.parent)
