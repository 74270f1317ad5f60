"""A folder of jobs waiting to leave: mail for SMTP, calls for webhooks.

Several pipedesk processes may share one data dir, so every step is a rename
within the folder, which is atomic: a job is written in `tmp/` and renamed
into the pending folder whole; a process takes a job by renaming it into
`.sending/` (only one rename can win); a job that failed goes back with a
retry record and a back-off, and is never dropped; only a job that was
delivered is deleted.

A job may carry an *envelope*: what it needs beside its data (for mail, the
addresses the server is told, which are not to be read back from the
message's headers). It lives in `.envelope/` under the job's key, is
written before the job joins the pending ones, and goes with it.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Protocol

from core.clock import parse_instant
from core.errors import DeskError
from core.store.files import atomic_write, sync, sync_dir

# A claim not renewed for this long was left by a process that died while
# sending; a live one renews it (`hold`) before each slow step.
STALE_CLAIM = timedelta(minutes=10)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)
# Maildir's rule: a file in tmp/ this old was left by a crash while writing.
STALE_TMP = timedelta(hours=36)

_counter = count(1)


@dataclass(frozen=True)
class Job:
    key: str
    attempts: int = 0
    next_try: datetime | None = None
    last_error: str = ""


@dataclass(frozen=True)
class Claim:
    key: str
    data: bytes
    attempts: int
    last_error: str
    envelope: bytes | None = None
    holder: str = ""  # who holds it, where the queue keeps that (rows do)


class JobQueue(Protocol):
    """What the courier, the outbox and the inbox need of a queue of jobs:
    a folder here (`Spool`), rows of a database for the SQL store
    (core/store/sql_jobs.py). Every job is claimed by one process at a time,
    comes back after a failure with a back-off, and is gone only once done."""

    def stage(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str: ...
    def commit(self) -> None: ...
    def put(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str: ...
    def has_jobs(self) -> bool: ...
    def pending(self) -> list[Job]: ...
    def read(self, key: str) -> bytes | None: ...
    def envelope_of(self, key: str) -> bytes | None: ...
    def claim_due(self, now: datetime) -> list[Claim]: ...
    def hold(self, claim: Claim) -> bool: ...
    def done(self, claim: Claim) -> None: ...
    def done_all(self, claims: list[Claim]) -> None: ...
    def failed(self, claim: Claim, error: str, now: datetime) -> datetime: ...
    def set_aside(self, claim: Claim) -> None: ...
    def release(self, claim: Claim) -> None: ...
    def where(self, key: str = "") -> str:
        """Where a job (or, without a key, the jobs set aside) can be
        found, as a message to a person names it."""
        ...


def next_try_after(attempts: int, now: datetime) -> datetime:
    """The back-off after the `attempts`-th failure: 30 s, doubling, at
    most an hour (one rule for every queue)."""
    return now + min(FIRST_RETRY * (1 << min(attempts - 1, 7)), LAST_RETRY)


def unique_key(suffix: str) -> str:
    """Maildir's unique name: time, process, counter, randomness, host."""
    host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
    return (f"{int(time.time())}.P{os.getpid()}Q{next(_counter)}"
            f"R{secrets.token_hex(8)}.{host}{suffix}")


class Spool:
    def __init__(self, root: Path, pending: str = "new", tmp: str = "tmp") -> None:
        self.root = root
        self.pending_dir = root / pending
        self.tmp_dir = root / tmp
        self.sending_dir = root / ".sending"
        self.retry_dir = root / ".retry"
        self.envelope_dir = root / ".envelope"
        # Jobs written but not yet in the pending folder (`stage`).
        self._staged: list[str] = []
        self._made = False  # the folders exist (as far as this process knows)

    def stage(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str:
        """Write a job without waiting for the disk; it joins the pending
        jobs at `commit`. Automation stages many at once (a bulk import
        that mails each contact) and commits them with one sync."""
        key = unique_key(suffix)
        try:
            self._folders()
            try:
                self._write_staged(key, data, envelope)
            except FileNotFoundError:
                self._folders(again=True)
                self._write_staged(key, data, envelope)
        except OSError as err:
            raise DeskError(f"Could not queue a job in {self.root}: "
                            f"{err.strerror or err}.") from None
        self._staged.append(key)
        return key

    def _write_staged(self, key: str, data: bytes, envelope: bytes | None) -> None:
        if envelope is not None:
            with open(self.envelope_dir / key, "xb") as f:
                f.write(envelope)
        with open(self.tmp_dir / key, "xb") as f:
            f.write(data)

    def commit(self) -> None:
        """Make the staged jobs durable, then pending, all together."""
        staged, self._staged = self._staged, []
        if not staged:
            return
        try:
            if len(staged) == 1:
                with open(self.tmp_dir / staged[0], "rb") as f:
                    sync(f.fileno())
                if (self.envelope_dir / staged[0]).exists():
                    with open(self.envelope_dir / staged[0], "rb") as f:
                        sync(f.fileno())
                    sync_dir(self.envelope_dir)
            else:
                os.sync()  # one flush for all of them, not one per file
            for key in staged:
                os.rename(self.tmp_dir / key, self.pending_dir / key)
            sync_dir(self.pending_dir)
        except OSError as err:
            raise DeskError(f"Could not queue jobs in {self.root}: "
                            f"{err.strerror or err}.") from None

    def put(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str:
        """Add a job; it is on disk, whole, when this returns."""
        key = unique_key(suffix)
        tmp = self.tmp_dir / key
        try:
            self._folders(again=True)
            if envelope is not None:
                atomic_write(self.envelope_dir / key, envelope)
            with open(tmp, "xb") as f:
                f.write(data)
                f.flush()
                sync(f.fileno())
            os.rename(tmp, self.pending_dir / key)
            sync_dir(self.pending_dir)
        except OSError as err:
            tmp.unlink(missing_ok=True)
            raise DeskError(f"Could not queue a job in {self.root}: "
                            f"{err.strerror or err}.") from None
        return key

    def has_jobs(self) -> bool:
        """Anything waiting (due or backing off)? One look at a folder."""
        try:
            with os.scandir(self.pending_dir) as found:
                return any(not entry.name.startswith(".") for entry in found)
        except FileNotFoundError:
            return False

    def pending(self) -> list[Job]:
        """Every job not delivered yet (being sent included), oldest first."""
        paths = [*_files(self.pending_dir), *_files(self.sending_dir)]
        return sorted((self._job(path.name) for path in paths), key=lambda job: job.key)

    def read(self, key: str) -> bytes | None:
        """A job's data, waiting or being sent; None once it is gone."""
        for folder in (self.pending_dir, self.sending_dir):
            try:
                return (folder / key).read_bytes()
            except FileNotFoundError:
                continue
        return None

    def where(self, key: str = "") -> str:
        name = self.root.name
        return f"{name}/{key}" if key else f"{name}/.damaged/"

    def claim_due(self, now: datetime) -> list[Claim]:
        """Take every job that is due; each is this process's alone."""
        if not self.pending_dir.is_dir():
            return []
        self._folders(again=True)
        self._tidy()
        claims = []
        # One look at each folder rather than a failed open per job: most
        # jobs were never tried, and only mail has envelopes. The records
        # after the jobs: a job's record is written before the job enters
        # the folder, so a job seen has its record seen.
        due = sorted(_files(self.pending_dir))
        retried, enveloped = _names(self.retry_dir), _names(self.envelope_dir)
        for path in due:
            job = self._job(path.name) if f"{path.name}.json" in retried else Job(path.name)
            if job.next_try is not None and job.next_try > now:
                continue
            taken = self.sending_dir / path.name
            try:
                # The claim's time, set before the rename: a claim in
                # .sending never shows the (old) time the job was queued.
                os.utime(path)
                os.rename(path, taken)
                data = taken.read_bytes()
            except FileNotFoundError:
                continue  # another process took it first
            claims.append(Claim(job.key, data, job.attempts, job.last_error,
                                self.envelope_of(job.key) if job.key in enveloped else None))
        return claims

    def hold(self, claim: Claim) -> bool:
        """Renew a claim before a slow step; False if it was given back as
        stale meanwhile (another process may be sending it)."""
        try:
            os.utime(self.sending_dir / claim.key)
        except FileNotFoundError:
            return False
        return True

    def done(self, claim: Claim) -> None:
        self.done_all([claim])

    def done_all(self, claims: list[Claim]) -> None:
        """Delete delivered jobs, with one sync of the folder for them all."""
        for claim in claims:
            (self.sending_dir / claim.key).unlink(missing_ok=True)
            if claim.attempts or claim.last_error:  # only a job tried before has one
                (self.retry_dir / f"{claim.key}.json").unlink(missing_ok=True)
            if claim.envelope is not None:
                (self.envelope_dir / claim.key).unlink(missing_ok=True)
        if claims:
            sync_dir(self.sending_dir)

    def failed(self, claim: Claim, error: str, now: datetime) -> datetime:
        """Put the job back to be tried again later; returns when."""
        attempts = claim.attempts + 1
        next_try = next_try_after(attempts, now)
        record = {"attempts": attempts, "next_try": next_try.isoformat(), "error": error}
        # The record first: a crash before the rename leaves a stale claim,
        # which comes back with the record in place.
        atomic_write(self.retry_dir / f"{claim.key}.json", json.dumps(record).encode())
        self.release(claim)
        return next_try

    def set_aside(self, claim: Claim) -> None:
        """Keep a job that cannot be read out of the way, in `.damaged/`,
        for a person to look at: it is not tried again, and not lost."""
        damaged = self.root / ".damaged"
        damaged.mkdir(exist_ok=True)
        try:
            os.rename(self.sending_dir / claim.key, damaged / claim.key)
        except FileNotFoundError:
            return
        (self.retry_dir / f"{claim.key}.json").unlink(missing_ok=True)
        sync_dir(damaged)

    def release(self, claim: Claim) -> None:
        """Put a job back untried (this process stops before sending it)."""
        try:
            os.rename(self.sending_dir / claim.key, self.pending_dir / claim.key)
        except FileNotFoundError:
            return  # given back as stale already
        sync_dir(self.pending_dir)

    def _folders(self, again: bool = False) -> None:
        # Once per process: a bulk change stages thousands of jobs. A folder
        # removed meanwhile shows as FileNotFoundError, and `again` makes it.
        if self._made and not again:
            return
        for folder in (self.tmp_dir, self.pending_dir, self.sending_dir, self.retry_dir,
                       self.envelope_dir):
            folder.mkdir(parents=True, exist_ok=True)
        self._made = True

    def envelope_of(self, key: str) -> bytes | None:
        try:
            return (self.envelope_dir / key).read_bytes()
        except FileNotFoundError:
            return None

    def _job(self, key: str) -> Job:
        try:
            record = json.loads((self.retry_dir / f"{key}.json").read_bytes())
            return Job(key, int(record["attempts"]), parse_instant(record["next_try"]),
                       str(record["error"]))
        except (OSError, ValueError, KeyError, TypeError):
            return Job(key)  # never tried, or a record we cannot read

    def _tidy(self) -> None:
        """Give back claims of processes that died; drop half-written jobs."""
        for folder, age in ((self.sending_dir, STALE_CLAIM), (self.tmp_dir, STALE_TMP)):
            limit = time.time() - age.total_seconds()
            for path in _files(folder):
                try:
                    if path.stat().st_mtime >= limit:
                        continue
                    if folder is self.sending_dir:
                        os.rename(path, self.pending_dir / path.name)
                    else:
                        path.unlink()
                        (self.envelope_dir / path.name).unlink(missing_ok=True)
                except FileNotFoundError:
                    continue  # another process tidied it


def _files(folder: Path) -> list[Path]:
    # Dot-files are other tools' temporaries (and atomic_write's).
    try:
        return [path for path in folder.iterdir() if not path.name.startswith(".")]
    except FileNotFoundError:
        return []


def _names(folder: Path) -> set[str]:
    try:
        return set(os.listdir(folder))
    except FileNotFoundError:
        return set()


