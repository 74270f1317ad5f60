"""The queues of outgoing work (mail, webhook calls, drafts), one contract
over each kind: a folder of the data dir (core/spool.py), and rows of the
SQL store on SQLite and on PostgreSQL (core/store/sql_jobs.py), where the
server processes sharing a database claim them (issue 15: rows claimed
with FOR UPDATE SKIP LOCKED, so among N processes each job runs once).

Each "process" here is a queue of its own over the same folder or
database, as a second pipedesk process would open it."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from pg_fixtures import PgCluster

from core.errors import DeskError
from core.spool import Claim, JobQueue, Spool
from core.store.sql import SqlStore

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
KINDS = ("folder", "sqlite", "postgres")


class Queues:
    """Opens "processes" on one queue, and does to it what only a crash does."""

    def __init__(self, kind: str, tmp_path: Path, url: str = "") -> None:
        self.kind, self.tmp_path = kind, tmp_path
        self.url = url or f"sqlite:///{tmp_path / 'desk.sqlite3'}"
        self._stores: list[SqlStore] = []

    def open(self) -> JobQueue:
        if self.kind == "folder":
            return Spool(self.tmp_path / "webhooks")
        store = SqlStore(self.url, spools=self.tmp_path / "spools")
        store.open()  # the schema, as `pipedesk serve` makes it at start
        self._stores.append(store)
        return store.mail_spools().queue("webhooks")

    def age_claims(self, seconds: float) -> None:
        """Make every claim `seconds` older, as if its process had died then."""
        if self.kind == "folder":
            for path in (self.tmp_path / "webhooks" / ".sending").iterdir():
                then = path.stat().st_mtime - seconds
                os.utime(path, (then, then))
        else:
            self._sql("UPDATE pipedesk_jobs SET held_at = held_at - ?", (seconds,))

    def set_aside_data(self, key: str) -> bytes:
        """What a person finds where a job was set aside."""
        if self.kind == "folder":
            return (self.tmp_path / "webhooks" / ".damaged" / key).read_bytes()
        [(data,)] = self._sql("SELECT data FROM pipedesk_jobs WHERE key = ? AND damaged = 1",
                              (key,))
        assert isinstance(data, bytes)
        return data

    def _sql(self, sql: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        if self.kind == "sqlite":
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///")) as connection:
                return connection.execute(sql, params).fetchall()
        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []

    def close(self) -> None:
        for store in self._stores:
            store.close()


@pytest.fixture(params=KINDS)
def queues(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queues]:
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else ""
    opened = Queues(request.param, tmp_path, url)
    yield opened
    opened.close()


def test_a4a_a_job_is_there_whole_when_put_and_gone_only_when_done(queues: Queues) -> None:
    one, two = queues.open(), queues.open()
    key = one.put(b'{"url": "https://hooks.example/a"}', ".json",
                  envelope=b'{"to": ["ada@example.com"]}')
    assert two.has_jobs() and [job.key for job in two.pending()] == [key]
    assert two.read(key) == b'{"url": "https://hooks.example/a"}'
    [claim] = two.claim_due(NOW)
    assert (claim.key, claim.envelope) == (key, b'{"to": ["ada@example.com"]}')
    two.done(claim)
    assert not one.has_jobs() and one.pending() == [] and one.read(key) is None
    assert one.envelope_of(key) is None  # the envelope goes with its job


def test_a4a_a_job_being_sent_is_not_taken_by_another_process(queues: Queues) -> None:
    one, two = queues.open(), queues.open()
    one.put(b"hello")
    [claim] = one.claim_due(NOW)
    assert two.claim_due(NOW) == []
    assert [job.key for job in two.pending()] == [claim.key]  # still shown as waiting
    one.done(claim)
    assert two.pending() == [] and two.claim_due(NOW) == []


def test_a4a_a_claim_left_by_a_crashed_process_comes_back_after_ten_minutes(
        queues: Queues) -> None:
    crashed, other = queues.open(), queues.open()
    crashed.put(b"hello")
    [claim] = crashed.claim_due(NOW)  # ... and the process dies here
    queues.age_claims(9 * 60)
    assert other.claim_due(NOW) == []  # nine minutes: it may still be sending
    queues.age_claims(2 * 60)
    [again] = other.claim_due(NOW)
    assert (again.key, again.data) == (claim.key, b"hello")
    assert not crashed.hold(claim) or queues.kind == "folder"  # rows know who holds them
    other.done(again)
    assert other.pending() == []


def test_a4a_a_live_claim_renewed_before_a_slow_step_is_kept(queues: Queues) -> None:
    one, two = queues.open(), queues.open()
    one.put(b"slow")
    [claim] = one.claim_due(NOW)
    queues.age_claims(9 * 60)
    assert one.hold(claim)  # renewed: ten minutes from now again
    queues.age_claims(2 * 60)
    assert two.claim_due(NOW) == []


def test_a4a_the_back_off_doubles_up_to_an_hour_and_the_job_is_never_dropped(
        queues: Queues) -> None:
    queue = queues.open()
    queue.put(b"{}", ".json")
    now, waits = NOW, []
    for _ in range(10):
        [claim] = queue.claim_due(now)
        next_try = queue.failed(claim, "503 from the hook", now)
        assert queue.claim_due(now) == []  # not due again yet
        waits.append(int((next_try - now).total_seconds()))
        now = next_try
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    [job] = queue.pending()
    assert (job.attempts, job.last_error, job.next_try, job.key.endswith(".json")) == (
        10, "503 from the hook", now, True)


def test_a4a_staged_jobs_appear_together_at_commit(queues: Queues) -> None:
    writer, reader = queues.open(), queues.open()
    keys = [writer.stage(f"call {n}".encode(), ".json") for n in range(3)]
    assert reader.pending() == [] and not reader.has_jobs()
    writer.commit()
    assert [job.key for job in reader.pending()] == sorted(keys)
    assert sorted(c.data for c in reader.claim_due(NOW)) == [b"call 0", b"call 1", b"call 2"]


def test_a4a_a_job_put_back_untried_is_due_at_once(queues: Queues) -> None:
    one, two = queues.open(), queues.open()
    one.put(b"hello")
    [claim] = one.claim_due(NOW)
    one.release(claim)  # this process stops before sending it
    [again] = two.claim_due(NOW)
    assert (again.key, again.attempts) == (claim.key, 0)


def test_a4a_a_job_that_cannot_be_read_is_set_aside_not_lost(queues: Queues) -> None:
    queue = queues.open()
    queue.put(b"\x00not json")
    [claim] = queue.claim_due(NOW)
    queue.set_aside(claim)
    assert queue.claim_due(NOW) == [] and queue.pending() == [] and not queue.has_jobs()
    assert queues.set_aside_data(claim.key) == b"\x00not json"
    assert claim.key in queue.where(claim.key) and queue.where()  # what the log names


def test_a4a_processes_claiming_at_once_send_each_job_once(queues: Queues) -> None:
    """Four processes claim 200 jobs as fast as they can: every job is
    claimed by exactly one (on PostgreSQL the claims pass each other with
    SKIP LOCKED; on SQLite they take turns; folders rename)."""
    writer = queues.open()
    for n in range(200):
        writer.stage(json.dumps({"n": n}).encode(), ".json")
    writer.commit()
    claimed: list[list[Claim]] = [[] for _ in range(4)]
    start = threading.Barrier(4)

    def claim_all(mine: list[Claim], queue: JobQueue) -> None:
        start.wait()
        while True:
            taken = queue.claim_due(NOW)
            if not taken and not queue.has_jobs():
                return
            mine += taken
            queue.done_all(taken)

    workers = [threading.Thread(target=claim_all, args=(mine, queues.open()))
               for mine in claimed]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    numbers = sorted(json.loads(c.data)["n"] for mine in claimed for c in mine)
    assert numbers == list(range(200))  # none lost, none twice
    assert writer.pending() == []


# -- rows only -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a4a_jobs_an_earlier_pipedesk_left_in_folders_move_into_rows(
        kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A server upgraded from a pipedesk whose queues were folders beside
    the database: the jobs waiting there are taken in, tries and all, and
    sent from the rows; the folders are left empty."""
    url = request.getfixturevalue("pg_url") if kind == "postgres" else ""
    queues = Queues(kind, tmp_path, url)
    folder = Spool(tmp_path / "spools" / "webhooks")
    folder.put(b'{"url": "https://hooks.example/old"}', ".json")
    [claim] = folder.claim_due(NOW)
    folder.failed(claim, "502 from the hook", NOW)
    try:
        rows = queues.open()
        [job] = rows.pending()
        assert (job.key, job.attempts, job.last_error) == (claim.key, 1, "502 from the hook")
        assert folder.pending() == []
        [taken] = rows.claim_due(NOW)
        assert taken.data == b'{"url": "https://hooks.example/old"}'
    finally:
        queues.close()


def test_a4a_the_database_away_fails_a_claim_clearly_and_it_works_when_back(
        tmp_path: Path) -> None:
    cluster = PgCluster()  # a cluster of this test's own: it is stopped mid-way
    cluster.start()
    try:
        queues = Queues("postgres", tmp_path, cluster.new_database())
        queue = queues.open()
        queue.put(b"hello")
        cluster.stop()
        with pytest.raises(DeskError, match=r"Could not claim webhook calls in the database "
                                            r"postgresql://.*try again when the database "
                                            r"answers"):
            queue.claim_due(NOW)
        cluster.start()
        [claim] = queue.claim_due(NOW)
        assert claim.data == b"hello"
        queues.close()
    finally:
        cluster.remove()
