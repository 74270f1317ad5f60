"""The client's durable queue of changes not yet confirmed by the server,
and its record of conflicts (issue 16 items 4–5; docs/sync.md).

A change is written here, and synced, before the screen or the command
line shows it: a client killed then (kill -9 included) sends it when it
starts again. Each change keeps the key it is sent under
(`Idempotency-Key`), so a change that reached the server before the
answer was lost is not made twice when it is sent again.

Both are JSON-lines files in the client's cache dir, only ever appended
to (a change is marked done, a conflict resolved, by a line of its own),
and emptied once nothing in them is open. A torn last line (a crash while
appending) is set aside with a warning; a change it held was not yet
shown to anyone.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from core.errors import DataFileError
from core.store.files import atomic_write, sync


@dataclass(frozen=True)
class Change:
    """One change as the user made it, as it is sent to the server."""

    key: str  # its Idempotency-Key
    method: str
    path: str
    body: dict[str, Any] | None
    what: str  # for a person: "Move #7 to Closed"
    ticket: str = ""
    at: str = ""  # when it was made (ISO 8601)
    # A ticket created while the server was away: the number the replica
    # shows it under until the server has it (and gives it its own).
    shows: str = ""


@dataclass(frozen=True)
class Conflict:
    """A change the server refused when it was sent again later: why, and
    the change itself, for the person to apply again (edited) or discard."""

    change: Change
    reason: str
    at: str = ""


class _Log:
    """An append-only JSON-lines file of records and their closing marks.

    One user may run the app and commands in other terminals on one server
    and token: they share this folder. So each change to the file is made
    holding the folder's lock, after taking in what another process wrote
    since (the file's size and times say whether it did, so a screen
    asking twice a second reads no file); a file is started afresh only
    when no process has a record open in it."""

    def __init__(self, path: Path, close_mark: str) -> None:
        self.path = path
        self.close_mark = close_mark
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        # Between processes; not per thread: the app's threads share it.
        self._between = FileLock(path.with_name(path.name + ".lock"), thread_local=False)
        self._seen: tuple[int, int, int] | None = None  # the file as last read or written
        self._open: dict[str, dict[str, Any]] = {}  # key -> record, oldest first
        with self._lock, self._held():
            self._take_in(warn=True)

    @property
    def open(self) -> dict[str, dict[str, Any]]:
        """The records still open, another process's too."""
        with self._lock:
            if self._stat() != self._seen:
                with self._held():
                    self._take_in()
            return self._open

    def add(self, record: dict[str, Any]) -> None:
        """Append and sync: the record is on disk when this returns."""
        with self._lock, self._held():
            self._take_in()
            self._append([record])
            self._open[_key_of(record)] = record

    def close(self, keys: list[str]) -> None:
        """Close the records of `keys`, with one write and one sync."""
        with self._lock, self._held():
            self._take_in()
            self._append([{self.close_mark: key} for key in keys])
            for key in keys:
                self._open.pop(key, None)
            if not self._open:
                atomic_write(self.path, b"")  # nothing open: start the file afresh
                self._seen = self._stat()

    def _held(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return self._between

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _take_in(self, warn: bool = False) -> None:
        """Read the file again if it changed since this process last did."""
        seen = self._stat()
        if seen != self._seen:
            self._open = self._read(warn)
            self._seen = seen

    def _read(self, warn: bool) -> dict[str, dict[str, Any]]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        open_: dict[str, dict[str, Any]] = {}
        lines = data.split(b"\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not an object")
            except ValueError:
                if number == len(lines) or (number == len(lines) - 1 and not lines[-1]):
                    if warn:
                        self.warnings.append(DataFileError(
                            str(self.path), "its last line was cut short (pipedesk stopped "
                            "while writing it) and is left out", number).message)
                    continue
                raise DataFileError(str(self.path), "a line is not a record pipedesk wrote; "
                                    "move the file aside to start afresh", number) from None
            if self.close_mark in record:
                open_.pop(str(record[self.close_mark]), None)
            elif "key" in record or "change" in record:
                open_[_key_of(record)] = record
        return open_

    def _append(self, records: list[dict[str, Any]]) -> None:
        with open(self.path, "ab") as f:
            f.write(b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n"
                             for r in records))
            f.flush()
            sync(f.fileno())
        self._seen = self._stat()


def _key_of(record: dict[str, Any]) -> str:
    return str(record["key"] if "key" in record else record["change"]["key"])


def _change_of(record: dict[str, Any]) -> Change:
    return Change(**{k: v for k, v in record.items() if k in _CHANGE_FIELDS})


class ChangeQueue:
    """The changes waiting for the server, oldest first."""

    def __init__(self, folder: Path) -> None:
        self._log = _Log(folder / "pending.jsonl", "done")

    @property
    def warnings(self) -> list[str]:
        return self._log.warnings

    def waiting(self) -> list[Change]:
        return [_change_of(r) for r in self._log.open.values()]

    def __len__(self) -> int:
        return len(self._log.open)

    def add(self, change: Change) -> None:
        self._log.add(asdict(change))

    def done_all(self, changes: list[Change]) -> None:
        """Mark changes done with one write (and one sync)."""
        self._log.close([change.key for change in changes])


class ConflictLog:
    """The changes the server refused on replay, until the person decides."""

    def __init__(self, folder: Path) -> None:
        self._log = _Log(folder / "conflicts.jsonl", "resolved")

    def open(self) -> list[Conflict]:
        return [Conflict(_change_of(r["change"]), str(r.get("reason", "")), str(r.get("at", "")))
                for r in self._log.open.values()]

    def __len__(self) -> int:
        return len(self._log.open)

    def add(self, conflict: Conflict) -> None:
        self._log.add({"change": asdict(conflict.change), "reason": conflict.reason,
                       "at": conflict.at})

    def resolve(self, conflict: Conflict) -> None:
        self._log.close([conflict.change.key])


_CHANGE_FIELDS = set(Change.__dataclass_fields__)


def cache_folder(url: str, token_digest: str) -> Path:
    """The client's folder for one server and token (`ServerApi.token_digest`:
    found with the server away): $PIPEDESK_CACHE, else the user cache dir
    (~/.cache/pipedesk on Linux)."""
    root = os.environ.get("PIPEDESK_CACHE")
    if root:
        base = Path(root).expanduser()
    else:
        from platformdirs import user_cache_dir

        base = Path(user_cache_dir("pipedesk", appauthor=False))
    server = "".join(c if c.isalnum() or c in "-." else "_" for c in url.split("://", 1)[-1])
    return base / "servers" / server[:100] / "".join(c for c in token_digest
                                                     if c.isalnum())[:64]
