"""The SQL store's queues of outgoing work: drafts, webhook calls and
finished mail, as rows of `pipedesk_jobs` (docs/storage.md, "The SQL store").

Every server process sharing a database claims from the same rows, so each
due job is sent by one of them. A claim marks the rows it takes with its
holder in one short transaction, choosing them `FOR UPDATE SKIP LOCKED` on
PostgreSQL (a claimer passes over rows another is claiming at that moment
instead of waiting for it) and under SQLite's single writer there
(`BEGIN IMMEDIATE`). The mark is not a lock held while sending, which is
slow: the holder renews it (`hold`) before each slow step, and a mark not
renewed for `STALE_CLAIM` is taken over by the next claimer, as a folder's
stale claim is (core/spool.py). A job leaves the table only once done.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from core.clock import parse_instant
from core.spool import STALE_CLAIM, Claim, Job, Spool, next_try_after, unique_key
from core.store.base import QueueName


class JobsDatabase(Protocol):
    """What the jobs need of a database (core/store/sql.py's are these)."""

    skip_locked: str  # what a claim's query ends with to pass over rows being claimed

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]: ...
    def write(self, statements: list[tuple[str, tuple[Any, ...]]],
              expect_last: int | None = None) -> int: ...
    def write_returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]: ...
    def forget(self) -> None: ...


# Every column a claim hands back, in `Claim`'s order.
_CLAIMED = "key, data, envelope, attempts, last_error"
# A folder's jobs taken in when a desk moves to rows: due whatever the time.
_WHENEVER = datetime(9999, 1, 1, tzinfo=UTC)


class SqlJobs:
    """The jobs table over a connection of its own: the TUI's courier
    delivers from a thread while commands write on the store's connection.
    One statement (or one transaction) at a time, under a lock."""

    def __init__(self, db: JobsDatabase,
                 failing: Callable[[str], AbstractContextManager[None]]) -> None:
        self._db = db
        self._failing = failing
        self._lock = threading.Lock()

    def queue(self, name: QueueName) -> SqlQueue:
        return SqlQueue(self, name)

    def take_in(self, name: QueueName, folder: Spool) -> int:
        """Move the jobs of a folder spool (a desk's queue before its jobs
        were rows) into the queue `name`, keeping their keys, tries and
        last errors; returns how many. Each row is written before its file
        goes, so a crash in between leaves the job twice, never lost."""
        claims = folder.claim_due(_WHENEVER)
        if not claims:
            return 0
        self.write("take in queued jobs", [
            ("INSERT INTO pipedesk_jobs (key, queue, data, envelope, attempts, last_error) "
             "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING",
             (claim.key, name, claim.data, claim.envelope, claim.attempts, claim.last_error))
            for claim in claims])
        folder.done_all(claims)
        return len(claims)

    # -- the statements, each in one transaction -----------------------------------

    def rows(self, doing: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock, self._failing(doing):
            return self._db.rows(sql, params)

    def write(self, doing: str, statements: list[tuple[str, tuple[Any, ...]]]) -> int:
        with self._lock, self._failing(doing):
            return self._db.write(statements)

    def claim(self, doing: str, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock, self._failing(doing):
            return self._db.write_returning(sql.format(skip_locked=self._db.skip_locked),
                                            params)

    def close(self) -> None:
        with self._lock:
            self._db.forget()


class SqlQueue:
    """One queue of `pipedesk_jobs` (`core.spool.JobQueue`)."""

    def __init__(self, jobs: SqlJobs, name: QueueName) -> None:
        self._jobs = jobs
        self.name = name
        self._staged: list[tuple[str, bytes, bytes | None]] = []

    def stage(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str:
        """A job written at `commit`, with the others staged, in one transaction."""
        key = unique_key(suffix)
        self._staged.append((key, data, envelope))
        return key

    def commit(self) -> None:
        staged, self._staged = self._staged, []
        if staged:
            self._insert(staged)

    def put(self, data: bytes, suffix: str = "", envelope: bytes | None = None) -> str:
        key = unique_key(suffix)
        self._insert([(key, data, envelope)])
        return key

    def _insert(self, jobs: list[tuple[str, bytes, bytes | None]]) -> None:
        self._jobs.write(f"queue {self._what(len(jobs))}", [
            ("INSERT INTO pipedesk_jobs (key, queue, data, envelope) VALUES (?, ?, ?, ?)",
             (key, self.name, data, envelope)) for key, data, envelope in jobs])

    def has_jobs(self) -> bool:
        return bool(self._jobs.rows(
            f"look for {self._what(2)}", "SELECT 1 FROM pipedesk_jobs WHERE queue = ? AND "
            "damaged = 0 LIMIT 1", (self.name,)))

    def pending(self) -> list[Job]:
        """Every job not done yet (being sent included), oldest first."""
        return [Job(key, int(attempts), parse_instant(next_try) if next_try else None,
                    last_error)
                for key, attempts, next_try, last_error in self._jobs.rows(
                    f"list {self._what(2)}", "SELECT key, attempts, next_try, last_error "
                    "FROM pipedesk_jobs WHERE queue = ? AND damaged = 0 ORDER BY key",
                    (self.name,))]

    def read(self, key: str) -> bytes | None:
        return self._column("data", key)

    def envelope_of(self, key: str) -> bytes | None:
        return self._column("envelope", key)

    def _column(self, column: str, key: str) -> bytes | None:
        found = self._jobs.rows(f"read {self._what(1)}",
                                f"SELECT {column} FROM pipedesk_jobs WHERE key = ? AND "
                                "queue = ?", (key, self.name))
        return bytes(found[0][0]) if found and found[0][0] is not None else None

    def claim_due(self, now: datetime) -> list[Claim]:
        """Take every due job that no live holder has: in one transaction,
        so two processes claiming at once get different jobs."""
        holder = _holder()
        taken = self._jobs.claim(
            f"claim {self._what(2)}",
            "UPDATE pipedesk_jobs SET holder = ?, held_at = ? WHERE key IN ("
            "SELECT key FROM pipedesk_jobs WHERE queue = ? AND damaged = 0 "
            "AND (holder IS NULL OR held_at < ?) AND (next_at IS NULL OR next_at <= ?) "
            f"ORDER BY key{{skip_locked}}) RETURNING {_CLAIMED}",
            (holder, time.time(), self.name, time.time() - STALE_CLAIM.total_seconds(),
             now.timestamp()))
        return sorted((Claim(key, bytes(data), int(attempts), last_error,
                             bytes(envelope) if envelope is not None else None, holder)
                       for key, data, envelope, attempts, last_error in taken),
                      key=lambda claim: claim.key)

    def hold(self, claim: Claim) -> bool:
        """Renew the claim; False if it went stale and another took it."""
        return self._jobs.write(f"hold {self._what(1)}", [(
            "UPDATE pipedesk_jobs SET held_at = ? WHERE key = ? AND holder = ?",
            (time.time(), claim.key, claim.holder))]) == 1

    def done(self, claim: Claim) -> None:
        self.done_all([claim])

    def done_all(self, claims: list[Claim]) -> None:
        if claims:
            self._jobs.write(f"remove {self._what(len(claims))} done", [
                ("DELETE FROM pipedesk_jobs WHERE key = ?", (claim.key,)) for claim in claims])

    def failed(self, claim: Claim, error: str, now: datetime) -> datetime:
        attempts = claim.attempts + 1
        next_try = next_try_after(attempts, now)
        self._jobs.write(f"put back {self._what(1)}", [(
            "UPDATE pipedesk_jobs SET attempts = ?, next_at = ?, next_try = ?, "
            "last_error = ?, holder = NULL, held_at = NULL WHERE key = ?",
            (attempts, next_try.timestamp(), next_try.isoformat(), error, claim.key))])
        return next_try

    def set_aside(self, claim: Claim) -> None:
        """Keep a job that cannot be read, marked damaged, for a person to
        look at: not tried again, and not lost."""
        self._jobs.write(f"set aside {self._what(1)}", [(
            "UPDATE pipedesk_jobs SET damaged = 1, holder = NULL, held_at = NULL "
            "WHERE key = ?", (claim.key,))])

    def release(self, claim: Claim) -> None:
        self._jobs.write(f"put back {self._what(1)}", [(
            "UPDATE pipedesk_jobs SET holder = NULL, held_at = NULL WHERE key = ? "
            "AND holder = ?", (claim.key, claim.holder))])

    def where(self, key: str = "") -> str:
        if key:
            return f"the database's {self.name} queue (job {key})"
        return f"the database's jobs table, marked damaged ({self.name} queue)"

    def _what(self, count: int) -> str:
        """The jobs as a message names them: "a webhook call", "mail"."""
        one, many = _NAMES[self.name]
        return one if count == 1 else many


_NAMES: dict[str, tuple[str, str]] = {
    "drafts": ("a draft", "drafts"), "webhooks": ("a webhook call", "webhook calls"),
    "outbox": ("a message of the outbox", "the outbox's messages")}


def _holder() -> str:
    """Who holds a claim: this host and process, and this claim alone."""
    return f"{socket.gethostname()}.{os.getpid()}.{secrets.token_hex(6)}"
