"""Where a channel's mail comes from (A1): a Maildir folder or an IMAP
account, fetched once by `fetch_once` (`mail fetch`, a worker round, the
TUI's timer). Every message goes through `take_in`, which makes it durable
in the desk's inbox first; only then is the source told it was taken (the
Maildir file moved to cur/ as seen, the IMAP message flagged \\Seen). A
crash in between fetches it again, and the desk's dedupe makes that a
duplicate: nothing lost, nothing doubled.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import DeskError
from core.mail.intake import BATCH, retake_pending, take_in_many
from core.mail.taking import Intake
from core.model import Channel

if TYPE_CHECKING:
    from core.desk import Desk


@dataclass
class Fetched:
    """What one round of fetching did, per channel, and what went wrong
    (a source that could not be reached is said, the others go on)."""

    intakes: list[Intake] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def fetch_once(desk: Desk, channel: str | None = None,
               environ: Mapping[str, str] = os.environ) -> Fetched:
    """Take what waits in every channel's source (or `channel`'s)."""
    result = Fetched()
    result.intakes += retake_pending(desk)
    for found in _channels(desk, channel):
        try:
            if found.maildir is not None:
                result.intakes += fetch_maildir(desk, found)
            elif found.imap is not None:
                result.intakes += fetch_imap(desk, found, environ)
        except DeskError as err:
            result.problems.append(f"{found.address}: {err.message}")
    return result


def _channels(desk: Desk, ref: str | None) -> list[Channel]:
    if ref is None:
        return list(desk.config.channels)
    from core.settings.channels import find_channel

    return [find_channel(desk.config, ref)]


def fetch_maildir(desk: Desk, channel: Channel) -> list[Intake]:
    """Every message in the Maildir's new/ (and unseen ones in cur/)."""
    assert channel.maildir is not None
    root = Path(channel.maildir)
    if not (root / "new").is_dir():
        raise DeskError(f"The Maildir {root} has no new/ folder; is it a Maildir?")
    taken: list[Intake] = []
    waiting = _waiting(root)
    for start in range(0, len(waiting), BATCH):
        read = []
        for path in waiting[start:start + BATCH]:
            try:
                read.append((path, path.read_bytes()))
            except FileNotFoundError:
                continue  # another process took it
            except OSError as err:
                raise DeskError(f"Could not read {path}: {err.strerror}.") from None
        taken += take_in_many(desk, [raw for _, raw in read], channel.address)
        for path, _ in read:
            _mark_seen(root, path)
    return taken


def _waiting(root: Path) -> list[Path]:
    found = sorted(p for p in (root / "new").iterdir() if not p.name.startswith("."))
    cur = root / "cur"
    if cur.is_dir():
        found += sorted(p for p in cur.iterdir()
                        if not p.name.startswith(".") and "S" not in _flags(p.name))
    return found


def _flags(name: str) -> str:
    return name.partition(":2,")[2] if ":2," in name else ""


def _mark_seen(root: Path, path: Path) -> None:
    """Maildir's way to say "read": in cur/, with the S flag."""
    base, _, flags = path.name.partition(":2,")
    target = root / "cur" / f"{base}:2,{''.join(sorted(set(flags + 'S')))}"
    try:
        (root / "cur").mkdir(exist_ok=True)
        os.rename(path, target)
    except FileNotFoundError:
        pass  # taken meanwhile
    except OSError as err:
        raise DeskError(f"Took {path.name} but could not mark it seen in {root}: "
                        f"{err.strerror}; it will be found a duplicate next time.") from None


def fetch_imap(desk: Desk, channel: Channel, environ: Mapping[str, str]) -> list[Intake]:
    """Every unseen message of the IMAP folder; flagged \\Seen once kept."""
    from core.mail.imap import ImapMailbox, password_from_env

    assert channel.imap is not None
    taken: list[Intake] = []
    password = password_from_env(channel.imap.password_env, environ)
    with ImapMailbox.open(channel.imap, password) as mailbox:
        unseen = mailbox.unseen()
        for start in range(0, len(unseen), BATCH):
            uids = unseen[start:start + BATCH]
            raws = [mailbox.fetch(uid) for uid in uids]
            taken += take_in_many(desk, raws, channel.address)
            # Only now, with every one of them durable in the inbox.
            for uid in uids:
                mailbox.mark_seen(uid)
    return taken
