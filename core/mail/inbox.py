"""The data dir's two Maildirs of mail in (docs/storage.md): `inbox/`, every
message as it came (`new/` not taken yet, `cur/` taken), and
`quarantine/`, what could not be taken, each with its reason beside it."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from core.errors import DeskError
from core.spool import Spool
from core.store.files import atomic_write, sync_dir
from core.text import plain_line

# The Maildir "info" of a message that was taken: seen (Maildir's `S`).
_TAKEN = ":2,S"


class Inbox:
    """A Maildir of raw messages: `new/` not yet taken, `cur/` taken."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._spool = Spool(root, pending="new", tmp="tmp")

    def keep(self, raw: bytes) -> str:
        """Make `raw` durable; returns its key."""
        return self._spool.put(raw, ".eml")

    def keep_all(self, raws: Sequence[bytes]) -> list[str]:
        """Make every one of `raws` durable, with one sync for the lot."""
        if len(raws) == 1:
            return [self.keep(raws[0])]
        keys = [self._spool.stage(raw, ".eml") for raw in raws]
        self._spool.commit()
        return keys

    def taken(self, key: str) -> None:
        cur = self.root / "cur"
        try:
            cur.mkdir(exist_ok=True)
            os.rename(self.root / "new" / key, cur / (key + _TAKEN))
        except FileNotFoundError:
            return  # taken meanwhile, by another process
        except OSError as err:
            raise DeskError(f"Could not file a message in {cur}: {err.strerror}.") from None

    def raw(self, key: str) -> bytes:
        for path in (self.root / "cur" / (key + _TAKEN), self.root / "new" / key):
            try:
                return path.read_bytes()
            except FileNotFoundError:
                continue
        raise DeskError(f"The message {key!r} is not in {self.root} any more.")

    def pending(self) -> list[str]:
        try:
            return sorted(p.name for p in (self.root / "new").iterdir()
                          if not p.name.startswith("."))
        except FileNotFoundError:
            return []


@dataclass(frozen=True)
class Quarantined:
    key: str
    reason: str
    at: datetime
    channel: str | None
    size: int


class Quarantine:
    """Messages that could not be taken, each with the reason beside it
    (`.reasons/KEY.json`); the raw bytes stay as they came."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_from(self, inbox: Inbox, key: str, reason: str, channel: str | None,
                 now: datetime) -> None:
        reasons = self.root / ".reasons"
        for folder in (self.root / "new", self.root / "cur", self.root / "tmp", reasons):
            folder.mkdir(parents=True, exist_ok=True)
        atomic_write(reasons / f"{key}.json", json.dumps(
            {"reason": reason, "at": now.isoformat(), "channel": channel}).encode())
        try:
            os.rename(inbox.root / "new" / key, self.root / "new" / key)
        except FileNotFoundError:
            return
        sync_dir(self.root / "new")

    def items(self) -> list[Quarantined]:
        found = []
        try:
            paths = sorted((self.root / "new").iterdir())
        except FileNotFoundError:
            return []
        for path in paths:
            about = self._about(path.name)
            found.append(Quarantined(
                path.name, plain_line(str(about.get("reason", "no reason kept"))),
                datetime.fromisoformat(str(about["at"])) if about.get("at") else
                datetime.fromtimestamp(path.stat().st_mtime).astimezone(),
                about.get("channel"), path.stat().st_size))
        return found

    def _about(self, key: str) -> dict[str, str]:
        try:
            data = json.loads((self.root / ".reasons" / f"{key}.json").read_bytes())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self, key: str, inbox: Inbox) -> str | None:
        """Move a quarantined message back to the inbox's `new/`; its
        channel, if one was named."""
        key = key.strip()
        path = self.root / "new" / key
        if "/" in key or not key or not path.is_file():
            known = ", ".join(q.key for q in self.items()) or "it is empty"
            raise DeskError(f"No message {key!r} in the quarantine ({known}).")
        channel = self._about(key).get("channel")
        (inbox.root / "new").mkdir(parents=True, exist_ok=True)
        os.rename(path, inbox.root / "new" / key)
        sync_dir(inbox.root / "new")
        (self.root / ".reasons" / f"{key}.json").unlink(missing_ok=True)
        return channel
