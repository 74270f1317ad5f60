"""Writing a whole file so that a crash leaves the old one or the new one."""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterable
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


def temp_path(path: Path) -> Path:
    """Where `atomic_write` writes `path` before renaming it into place."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def atomic_write(path: Path, data: bytes) -> None:
    """Write a temp file beside `path`, sync it, rename it over `path`."""
    tmp = temp_path(path)
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


def remove_stale_temps(directory: Path, names: Iterable[str]) -> list[Path]:
    """Delete the temp files `atomic_write` left for `names` in `directory`
    (a process killed between writing one and renaming it), and return them.

    Call only while holding the writer lock, and only for files that are
    written under it (desk.toml, tickets.json): then no other process is
    writing one right now, and every temp file there is a dead one's. Only
    names of atomic_write's own pattern are touched."""
    pattern = re.compile("|".join(rf"\.{re.escape(n)}\.tmp-\d+" for n in names))
    removed = []
    try:
        found = [p for p in directory.iterdir() if pattern.fullmatch(p.name)]
    except FileNotFoundError:
        return []
    for path in found:
        try:
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


def set_aside(path: Path) -> Path:
    """Rename a file that cannot be used to `NAME.corrupt` beside it, or
    `NAME.corrupt-2`, `-3` … when an earlier one is there: it is kept for a
    person to look at, never overwritten. Call while holding the writer lock."""
    target = path.with_name(path.name + ".corrupt")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{n}")
    os.rename(path, target)
    sync_dir(path.parent)
    return target


def read_or_make_key(path: Path) -> bytes:
    """The secret in `path` (32 random bytes), made there first if there is
    none: written aside and linked into place, so a process reading it
    never sees a half-written key, and two making it at once agree on the
    one that got there first. Readable by its owner only."""
    try:
        return _key_of(path)
    except FileNotFoundError:
        pass
    import secrets

    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    # Owner and group (the desk's agents on a shared host, who sign and
    # check the desk's Message-IDs too); never others.
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o660)
    try:
        os.write(fd, secrets.token_bytes(32))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(aside, path)
    except FileExistsError:
        pass  # another process made it first: theirs is the key
    finally:
        os.unlink(aside)
    return _key_of(path)


def _key_of(path: Path) -> bytes:
    from core.errors import DataFileError

    data = path.read_bytes()
    if len(data) < 16:
        raise DataFileError(path.name, "it is too short to be the desk's mail key; delete it "
                            "and a new one is made (replies to mail sent before then will "
                            "thread by subject tag only)")
    return data


def share_with_group(directory: Path) -> None:
    """On a shared host the agents are a group, and the data dir is theirs
    to write (docs/people.md): when `directory` is group-writable, what
    this process creates there is too, whatever the person's umask, so the
    next agent can append to the journal this one made."""
    try:
        mode = directory.stat().st_mode
    except OSError:
        return
    if mode & stat.S_IWGRP:
        mask = os.umask(0)
        os.umask(mask & ~0o060)
