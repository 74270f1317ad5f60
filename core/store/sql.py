"""`SqlStore`: a desk in SQLite or PostgreSQL, for `pipedesk serve`.

The same contract as the local files (core/store/base.py), over tables
(docs/storage.md, "The SQL store"):

- `pipedesk_entries`: every entry, encoded as the journal encodes it, by
  its `seq`; `pipedesk_entry_tickets` says which tickets each mentions, so
  a timeline is an index lookup.
- `pipedesk_state`: one row, the last `seq` written and the version of the
  settings, both counted up inside the writing transaction. Entries are
  numbered from this counter, not from a PostgreSQL sequence: sequences
  hand out numbers that commit out of order, and a follower that read 11
  must never miss 10. Settings (`DeskConfig` as JSON) are in the same row,
  written in the same transaction as the entries: one unit.
- `pipedesk_mail_key`: the key that signs the desk's Message-IDs.
- `pipedesk_jobs`: the queues of outgoing work (drafts, webhook calls,
  finished mail), claimed row by row (core/store/sql_jobs.py). Mail in
  waits in the spools folder, taken in by the process that fetched it.
- `pipedesk_schema`: the schema's version; an older one is migrated in
  place, never dropped; a newer one is refused.

The writer lock is held from the catch-up to the end of a command, across
the commits a command makes before and after its automation, so it cannot
be a database transaction: PostgreSQL's session advisory lock (released
by the server if the connection dies), SQLite's a file lock beside the
database (one host, like the local data dir). Each `commit` is one database
transaction. Catching up is one small query when nothing changed.

The database going away fails the command with a message naming the
database, nothing of it written; the next command connects again.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec
from filelock import FileLock

from core.errors import DatabaseUnavailable, DeskError
from core.events import Entry, Event, ticket_ids
from core.mail.ids import new_key
from core.model import DeskConfig, new_desk_config
from core.state import DeskState
from core.store.base import CatchUp, MailSpools, committed_or_dropped
from core.store.files import share_with_group
from core.store.journal import encode

if TYPE_CHECKING:
    from core.spool import JobQueue
    from core.store.base import QueueName
    from core.store.sql_jobs import SqlJobs

_decode = msgspec.json.Decoder(Entry).decode

# The schema's versions, each the statements that bring the one before to
# it. Version 2 added the index that finds entries of one kind newest first.
SCHEMA: dict[int, list[str]] = {
    1: [
        "CREATE TABLE pipedesk_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "seq BIGINT NOT NULL, settings_version BIGINT NOT NULL, settings TEXT NOT NULL)",
        "CREATE TABLE pipedesk_entries (seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, "
        "body TEXT NOT NULL)",
        "CREATE TABLE pipedesk_entry_tickets (ticket TEXT NOT NULL, seq BIGINT NOT NULL, "
        "PRIMARY KEY (ticket, seq))",
        "CREATE TABLE pipedesk_mail_key (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "mail_key TEXT NOT NULL)",
    ],
    2: ["CREATE INDEX pipedesk_entries_kind ON pipedesk_entries (kind, seq)"],
    # The queues of outgoing work, which were folders before.
    3: ["CREATE TABLE pipedesk_jobs (key TEXT PRIMARY KEY, queue TEXT NOT NULL, "
        "data {blob} NOT NULL, envelope {blob}, attempts INTEGER NOT NULL DEFAULT 0, "
        "next_at DOUBLE PRECISION, next_try TEXT, last_error TEXT NOT NULL DEFAULT '', "
        "holder TEXT, held_at DOUBLE PRECISION, damaged INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX pipedesk_jobs_queue ON pipedesk_jobs (queue, damaged, key)"],
}
SCHEMA_VERSION = max(SCHEMA)

# PostgreSQL's advisory lock key of a desk's writer lock ("pipedesk").
_LOCK_KEY = 0x7069706564657363


def describe(url: str) -> str:
    """The database as a message names it: without a password."""
    parts = urlsplit(url)
    if parts.password:
        return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@",
                                                          ":***@")).geturl()
    return url


class SqlStore:
    """The `core.store.base.Store` of a database: `sqlite:///PATH` or
    `postgresql://…`. `spools`: the folder of mail in (default: beside an
    SQLite file; for PostgreSQL it must be given); the queues of outgoing
    work are rows (`pipedesk_jobs`, core/store/sql_jobs.py)."""

    def __init__(self, url: str, founder: str = "", spools: Path | None = None) -> None:
        self.url = url
        self.founder = founder
        self.created = False
        self.warnings: list[str] = []
        if url.startswith("sqlite:///"):
            self._db: _Database = _Sqlite(Path(url.removeprefix("sqlite:///")))
        elif url.startswith(("postgresql://", "postgres://")):
            self._db = _Postgres(url)
        else:
            raise DeskError(f"Not a database pipedesk knows: {describe(url)!r}; give "
                            "sqlite:///PATH or postgresql://USER@HOST/DATABASE.")
        if spools is None:
            if not isinstance(self._db, _Sqlite):
                raise DeskError("A desk in PostgreSQL needs a folder for its mail in.")
            spools = self._db.path.parent
        self.spools = spools
        self._settings_version = -1
        self._txn: _SqlTransaction | None = None
        self._mail_key: bytes | None = None
        self._jobs: SqlJobs | None = None
        self._jobs_made = threading.Lock()

    @property
    def data_dir(self) -> Path | None:
        """The folder of an SQLite desk, where its spools are too (the data
        dir of `pipedesk serve`); None for PostgreSQL."""
        return self._db.path.parent if isinstance(self._db, _Sqlite) else None

    # -- the Store protocol ----------------------------------------------------

    def open(self) -> tuple[DeskConfig, DeskState]:
        with self._failing("open the desk"), self._db.locked():
            self._settle_schema()
            row = self._db.one("SELECT seq, settings_version, settings FROM pipedesk_state")
            if row is None:
                config = new_desk_config(self.founder)
                self._db.write([("INSERT INTO pipedesk_state (id, seq, settings_version, "
                                 "settings) VALUES (1, 0, 1, ?)", (config.model_dump_json(),))])
                self.created = True
                self._settings_version = 1
                return config, DeskState()
            state = DeskState()
            self._read_entries(state)
            self._settings_version = int(row[1])
            return DeskConfig.model_validate_json(row[2]), state

    def catch_up(self, state: DeskState, config: DeskConfig) -> CatchUp:
        with self._failing("catch up"):
            row = self._db.one("SELECT seq, settings_version FROM pipedesk_state")
            if row is None:
                raise DeskError(f"The desk in {describe(self.url)} is gone: its state row "
                                "was deleted.")
            seq, version = int(row[0]), int(row[1])
            if seq < state.seq:
                raise DeskError(f"The database {describe(self.url)} holds less than this "
                                f"process has seen (entry {seq}, not {state.seq}); was it "
                                "restored from a backup? Restart pipedesk.")
            entries = self._read_entries(state) if seq > state.seq else []
            settings = None
            if version != self._settings_version:
                body = self._db.one("SELECT settings_version, settings FROM pipedesk_state")
                assert body is not None
                self._settings_version = int(body[0])
                settings = DeskConfig.model_validate_json(body[1])
            return CatchUp(entries, settings)

    @contextmanager
    def transaction(self, state: DeskState, config: DeskConfig) -> Iterator[_SqlTransaction]:
        if self._txn is not None:
            yield self._txn
            return
        with self._failing("take the writer lock"):
            hold = self._db.locked()
            hold.__enter__()
        try:
            txn = _SqlTransaction(self, state, self.catch_up(state, config))
            self._txn = txn
            try:
                with committed_or_dropped(txn):
                    yield txn
            finally:
                self._txn = None
        finally:
            with self._failing("let go of the writer lock"):
                hold.__exit__(None, None, None)

    def compact(self, state: DeskState) -> None:
        """Nothing to do: the entries are rows, read by index."""

    def newest_entries(self, ticket: str | None = None,
                       kind: type[Event] | None = None) -> Iterator[Entry]:
        if ticket is not None:
            query = ("SELECT e.body FROM pipedesk_entry_tickets t JOIN pipedesk_entries e "
                     "ON e.seq = t.seq WHERE t.ticket = ? ORDER BY t.seq DESC")
            params: tuple[Any, ...] = (ticket,)
        elif kind is not None:
            query = "SELECT body FROM pipedesk_entries WHERE kind = ? ORDER BY seq DESC"
            params = (kind.__struct_config__.tag,)
        else:
            query, params = "SELECT body FROM pipedesk_entries ORDER BY seq DESC", ()
        with self._failing("read the history"):
            rows = self._db.rows(query, params)
        for row in rows:
            entry = _decode(row[0])
            if kind is not None and not isinstance(entry.event, kind):
                continue
            yield entry

    def mail_spools(self) -> MailSpools:
        """Mail in waits in the spools folder; outgoing work in rows."""
        root = self.spools
        return MailSpools(drafts=root / "drafts", webhooks=root / "webhooks",
                          outbox=root / "outbox", inbox=root / "inbox",
                          quarantine=root / "quarantine", rows=self._queue)

    def _queue(self, name: QueueName) -> JobQueue:
        with self._jobs_made:
            if self._jobs is None:
                from core.spool import Spool
                from core.store.sql_jobs import SqlJobs

                twin = self._db.twin()
                jobs = SqlJobs(twin, lambda doing: _failing(twin, self.url, doing))
                # Jobs a folder of an earlier pipedesk still holds (before
                # schema 3 the queues were folders beside the database).
                for queue in ("drafts", "webhooks", "outbox"):
                    folder = self.spools / queue
                    if (folder / "new").is_dir():
                        jobs.take_in(queue, Spool(folder))
                self._jobs = jobs
            return self._jobs.queue(name)

    def close(self) -> None:
        """Let go of the database's connections (a desk given up for a fresh
        one, `server.hosting.DeskHost`)."""
        self._db.forget()
        self._db.forget_listener()
        if self._jobs is not None:
            self._jobs.close()

    def await_commits(self, timeout: float) -> bool:
        """`core.store.base.Announcing`: PostgreSQL tells of every commit
        (NOTIFY in the writing transaction, LISTEN on a connection of its
        own); SQLite cannot, and is polled: this waits a twentieth of a
        second at most."""
        try:
            return self._db.await_commits(timeout)
        except self._db.errors:
            self._db.forget_listener()
            time.sleep(min(timeout, 0.5))  # the database away: the next poll says so
            return False

    def mail_key(self) -> bytes:
        """Made on first use; two processes making it at once agree on one
        (the first insert wins, the other reads it)."""
        if self._mail_key is None:
            with self._failing("read the mail key"):
                self._db.write([("INSERT INTO pipedesk_mail_key (id, mail_key) VALUES (1, ?) "
                                 "ON CONFLICT (id) DO NOTHING", (new_key().hex(),))])
                row = self._db.one("SELECT mail_key FROM pipedesk_mail_key")
                assert row is not None
                self._mail_key = bytes.fromhex(row[0])
        return self._mail_key

    # -- the schema and the rows ---------------------------------------------------

    def _settle_schema(self) -> None:
        """Make the tables, or bring an older schema up to date (with the
        writer lock held, so two processes starting at once do it once)."""
        self._db.write([("CREATE TABLE IF NOT EXISTS pipedesk_schema "
                         "(version INTEGER NOT NULL)", ())])
        row = self._db.one("SELECT max(version) FROM pipedesk_schema")
        version = int(row[0]) if row is not None and row[0] is not None else 0
        if version > SCHEMA_VERSION:
            raise DeskError(f"The database {describe(self.url)} was written by a newer "
                            f"pipedesk (schema {version}; this one knows {SCHEMA_VERSION}): "
                            "upgrade pipedesk; nothing was changed.")
        for step in range(version + 1, SCHEMA_VERSION + 1):
            self._db.write([*((sql.format(blob=self._db.blob), ()) for sql in SCHEMA[step]),
                            ("INSERT INTO pipedesk_schema (version) VALUES (?)", (step,))])

    def _read_entries(self, state: DeskState) -> list[Entry]:
        entries = [_decode(row[0]) for row in self._db.rows(
            "SELECT body FROM pipedesk_entries WHERE seq > ? ORDER BY seq", (state.seq,))]
        for entry in entries:
            state.apply(entry)
        return entries

    def _failing(self, doing: str) -> AbstractContextManager[None]:
        return _failing(self._db, self.url, doing)


@contextmanager
def _failing(db: _Database, url: str, doing: str) -> Iterator[None]:
    """A database error as a message for a person; the connection is made
    again at the next use."""
    try:
        yield
    except db.errors as err:
        db.forget()
        problem = " ".join(str(err).split()) or type(err).__name__
        raise DatabaseUnavailable(f"Could not {doing} in the database {describe(url)}: "
                                  f"{problem}. Nothing of this command was written; try "
                                  "again when the database answers.") from None


class _SqlTransaction:
    """One command's hold of a `SqlStore`: entries numbered after the last
    the desk read (the writer lock keeps that the store's last), written
    with the settings in one database transaction by `commit`."""

    def __init__(self, store: SqlStore, state: DeskState, caught: CatchUp) -> None:
        self._store = store
        self.state = state
        self.caught = caught
        self._written = state.seq  # the store's last entry, as this hold knows it
        self._entries: list[Entry] = []
        self._settings: DeskConfig | None = None

    def record(self, actor: str, at: datetime, events: Sequence[Event],
               command: str = "") -> list[Entry]:
        seq = self._written + len(self._entries)
        entries = [Entry(seq + n, at, actor, event, command)
                   for n, event in enumerate(events, start=1)]
        self._entries.extend(entries)
        return entries

    def save_settings(self, config: DeskConfig) -> None:
        self._settings = config

    def commit(self) -> None:
        entries, settings = self._entries, self._settings
        if not entries and settings is None:
            return
        last = entries[-1].seq if entries else self._written
        statements: list[tuple[str, tuple[Any, ...]]] = []
        for entry in entries:
            statements.append(("INSERT INTO pipedesk_entries (seq, kind, body) VALUES (?, ?, ?)",
                               (entry.seq, entry.event.__struct_config__.tag,
                                encode(entry).decode("utf-8").rstrip("\n"))))
            statements += [("INSERT INTO pipedesk_entry_tickets (ticket, seq) VALUES (?, ?) "
                            "ON CONFLICT DO NOTHING", (ticket, entry.seq))
                           for ticket in dict.fromkeys(ticket_ids(entry.event))]
        if settings is None:
            statements.append(("UPDATE pipedesk_state SET seq = ? WHERE seq = ?",
                               (last, self._written)))
        else:
            statements.append(("UPDATE pipedesk_state SET seq = ?, settings_version = "
                               "settings_version + 1, settings = ? WHERE seq = ?",
                               (last, settings.model_dump_json(), self._written)))
        store = self._store
        # First: the last statement's row count tells whether the counter moved.
        statements[:0] = store._db.announcement()
        with store._failing("write the command"):
            if store._db.write(statements, expect_last=1) != 1:
                raise DeskError(f"Another writer changed {describe(store.url)} while this "
                                "one held the lock; nothing of this command was written.")
            if settings is not None:
                store._settings_version += 1
        self._written = last
        self._entries, self._settings = [], None

    def drop(self) -> None:
        self._entries, self._settings = [], None


# -- the two databases ------------------------------------------------------------


class _Database:
    """What `SqlStore` needs of a database: statements with `?` parameters,
    a writer lock, and which errors mean the database failed."""

    errors: tuple[type[BaseException], ...] = ()
    blob = "BLOB"  # the column type of bytes
    skip_locked = ""  # how a claim passes over rows another is claiming

    def twin(self) -> _Database:
        """The same database over a connection of its own."""
        raise NotImplementedError

    def write_returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Run one statement that changes rows in a transaction of its own,
        and hand back the rows its RETURNING names."""
        raise NotImplementedError

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def write(self, statements: list[tuple[str, tuple[Any, ...]]],
              expect_last: int | None = None) -> int:
        """Run `statements` in one transaction; the rows the last changed."""
        raise NotImplementedError

    def locked(self) -> AbstractContextManager[object]:
        raise NotImplementedError

    def forget(self) -> None:
        """Drop the connection after a failure; the next use makes another."""

    def announcement(self) -> list[tuple[str, tuple[Any, ...]]]:
        """What a writing transaction adds to tell the others it committed."""
        return []

    def await_commits(self, timeout: float) -> bool:
        time.sleep(min(timeout, 0.05))
        return False

    def forget_listener(self) -> None:
        """Drop the connection that listens for commits."""


class _Sqlite(_Database):
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()
        if not self.path.parent.is_dir():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            share_with_group(self.path.parent)
        self._lock = FileLock(self.path.with_name(self.path.name + ".lock"),
                              thread_local=False, mode=0o660)
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None,
                                         check_same_thread=False, timeout=30)
            connection.execute("PRAGMA journal_mode=WAL")
            # Every commit durable when it returns, not only at a checkpoint:
            # an acknowledged write outlives a crash of the machine too.
            connection.execute("PRAGMA synchronous=FULL")
            self._connection = connection
        return self._connection

    def twin(self) -> _Sqlite:
        return _Sqlite(self.path)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self._connect().execute(sql, params).fetchall()

    def write_returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")  # the one writer: claims do not overlap
        try:
            found = connection.execute(sql, params).fetchall()
            connection.execute("COMMIT")
            return found
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def write(self, statements: list[tuple[str, tuple[Any, ...]]],
              expect_last: int | None = None) -> int:
        connection = self._connect()
        connection.execute("BEGIN IMMEDIATE")
        try:
            changed = 0
            for sql, params in statements:
                changed = connection.execute(sql, params).rowcount
            if expect_last is not None and changed != expect_last:
                connection.execute("ROLLBACK")
                return changed
            connection.execute("COMMIT")
            return changed
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    def locked(self) -> AbstractContextManager[object]:
        return self._lock

    def forget(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _Postgres(_Database):
    blob = "BYTEA"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, url: str) -> None:
        import psycopg

        self.url = url
        self.errors = (psycopg.Error,)
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None
        self._listener: psycopg.Connection[tuple[Any, ...]] | None = None
        self._held = 0

    def announcement(self) -> list[tuple[str, tuple[Any, ...]]]:
        # Delivered to the listeners when the transaction commits, not before.
        return [("NOTIFY pipedesk_commits", ())]

    def await_commits(self, timeout: float) -> bool:
        import psycopg

        if self._listener is None or self._listener.closed:
            self._listener = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            self._listener.execute("LISTEN pipedesk_commits")
        heard = False
        for _ in self._listener.notifies(timeout=timeout, stop_after=1):
            heard = True
        return heard

    def forget_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                self._listener.close()
            self._listener = None

    def _connect(self) -> Any:
        import psycopg

        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        return self._connection

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def twin(self) -> _Postgres:
        return _Postgres(self.url)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._connect().cursor() as cursor:
            cursor.execute(self._sql(sql), params)
            return list(cursor.fetchall()) if cursor.description else []

    def write_returning(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        connection = self._connect()
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute(self._sql(sql), params)
            return list(cursor.fetchall())

    def write(self, statements: list[tuple[str, tuple[Any, ...]]],
              expect_last: int | None = None) -> int:
        connection = self._connect()
        changed = 0
        try:
            with connection.transaction(), connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(self._sql(sql), params)
                    changed = cursor.rowcount
                if expect_last is not None and changed != expect_last:
                    raise _Rollback  # leaving the block so rolls the transaction back
        except _Rollback:
            pass
        return changed

    @contextmanager
    def _advisory(self) -> Iterator[None]:
        # Re-entrant within this store, as the writer lock of the others is.
        if self._held == 0:
            self.rows("SELECT pg_advisory_lock(?)", (_LOCK_KEY,))
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if self._held == 0 and self._connection is not None \
                    and not self._connection.closed:
                self.rows("SELECT pg_advisory_unlock(?)", (_LOCK_KEY,))

    def locked(self) -> AbstractContextManager[object]:
        return self._advisory()

    def forget(self) -> None:
        self._held = 0
        if self._connection is not None:
            try:
                self._connection.close()
            finally:
                self._connection = None


class _Rollback(Exception):
    pass
