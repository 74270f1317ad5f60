"""What only the SQL store has (issue 15 item 2; docs/storage.md): its
schema migrated, never dropped, and a newer one refused; a delayed step
run once among several processes; the database going away and coming
back. The rest of its contract is the core suite, which runs over it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from core_fixtures import ADMIN, MutableClock
from mail_fixtures import Hooks, allow_loopback_webhooks
from pg_fixtures import PgCluster

from core import Desk, DeskError
from core.automation.actions import Delay, SetProperty, Webhook
from core.automation.rounds import work_round
from core.store.sql import SCHEMA, SCHEMA_VERSION, SqlStore


def sqlite_desk(path: Path, clock: MutableClock | None = None) -> Desk:
    return Desk(SqlStore(f"sqlite:///{path}"), clock=clock)


def test_an_older_schema_is_migrated_and_keeps_its_tickets(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    desk = sqlite_desk(path)
    desk.create_ticket(ADMIN, "0", "New", "Printer on fire")
    with sqlite3.connect(path) as db:  # as a pipedesk of schema 1 left it
        db.execute("DROP INDEX pipedesk_entries_kind")
        db.execute("DROP TABLE pipedesk_jobs")
        db.execute("DELETE FROM pipedesk_schema WHERE version > 1")
    again = sqlite_desk(path)
    assert [t.subject for t in again.tickets(ADMIN)] == ["Printer on fire"]
    with sqlite3.connect(path) as db:
        versions = [v for (v,) in db.execute("SELECT version FROM pipedesk_schema")]
        indexes = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert versions == list(range(1, SCHEMA_VERSION + 1)) and SCHEMA_VERSION in SCHEMA
    assert "pipedesk_entries_kind" in indexes and "pipedesk_jobs" in tables


def test_a_schema_of_a_newer_pipedesk_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "desk.sqlite3"
    sqlite_desk(path).create_ticket(ADMIN, "0", "New", "Printer on fire")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO pipedesk_schema (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    before = path.read_bytes()
    with pytest.raises(DeskError, match="written by a newer pipedesk"):
        sqlite_desk(path)
    assert path.read_bytes() == before


def test_a4c_a_due_step_runs_once_among_two_processes(tmp_path: Path) -> None:
    clock = MutableClock()
    path = tmp_path / "desk.sqlite3"
    first = sqlite_desk(path, clock)
    first.add_action("0", "Waiting on contact", Delay(duration="1h"), ADMIN)
    first.add_action("0", "Waiting on contact", SetProperty(property="stage", value="Closed"),
                     ADMIN)
    ticket = first.create_ticket(ADMIN, "0", "Waiting on contact", "Printer on fire")
    second = sqlite_desk(path, clock)  # another server process on the same database
    clock.advance(hours=1)
    assert first.run_due_steps() + second.run_due_steps() == 1
    assert second.ticket(ticket.id, ADMIN).stage == "4"


def test_a4c_a_webhook_queued_through_one_host_is_called_by_another(
        tmp_path: Path, pg_url: str, hook_server: str) -> None:
    """Outgoing work is rows (item 2): a server on another host, with a
    data dir of its own, delivers what this one queued."""
    here = Desk(SqlStore(pg_url, spools=tmp_path / "host-a"))
    allow_loopback_webhooks(here)
    here.add_action("0", "Closed", Webhook(url=hook_server), ADMIN)
    ticket = here.create_ticket(ADMIN, "0", "New", "Printer on fire")
    here.move_ticket(ticket.id, "Closed", ADMIN)
    there = Desk(SqlStore(pg_url, spools=tmp_path / "host-b"))
    assert work_round(there) == [f"Ticket #{ticket.id}: webhook delivered: POST to "
                                 f"{hook_server}: 204"]
    assert [call["id"] for call in Hooks.received] == [ticket.id]
    assert work_round(here) == []  # gone from the queue: not called twice


def test_a4c_servers_delivering_at_once_call_each_webhook_once(
        tmp_path: Path, pg_url: str, hook_server: str) -> None:
    """Three server processes run their delivery rounds at the same time
    over 30 queued calls: each call is made once (FOR UPDATE SKIP LOCKED)."""
    first = Desk(SqlStore(pg_url, spools=tmp_path / "host-a"))
    allow_loopback_webhooks(first)
    first.add_action("0", "Closed", Webhook(url=hook_server), ADMIN)
    ids = [first.create_ticket(ADMIN, "0", "New", f"Printer {n}").id for n in range(30)]
    for ticket in ids:
        first.move_ticket(ticket, "Closed", ADMIN)
    servers = [first, *(Desk(SqlStore(pg_url, spools=tmp_path / f"host-{n}"))
                        for n in "bc")]
    start = threading.Barrier(len(servers))

    def deliver(desk: Desk) -> None:
        start.wait()
        work_round(desk)

    rounds = [threading.Thread(target=deliver, args=(desk,)) for desk in servers]
    for thread in rounds:
        thread.start()
    for thread in rounds:
        thread.join(60)
    assert sorted(int(call["id"]) for call in Hooks.received) == sorted(
        int(i) for i in ids)
    delivered = [run for run in servers[0].automation_log(ADMIN) if run.kind == "webhook"
                 and run.result == "delivered"]
    assert len(delivered) == 30  # the log says so once for each, whoever called it


def test_an_unknown_kind_of_database_is_said() -> None:
    with pytest.raises(DeskError, match="Not a database pipedesk knows"):
        SqlStore("mysql://db/desk")


def test_the_database_going_away_fails_the_command_clearly_and_it_recovers(
        tmp_path: Path) -> None:
    cluster = PgCluster()  # a cluster of this test's own: it is stopped mid-way
    cluster.start()
    try:
        url = cluster.new_database()
        desk = Desk(SqlStore(url, spools=tmp_path / "spools"))
        desk.create_ticket(ADMIN, "0", "New", "Before")
        cluster.stop()
        with pytest.raises(DeskError) as info:
            desk.create_ticket(ADMIN, "0", "New", "While away")
        assert "postgresql://" in info.value.message and "Nothing of this command" in (
            info.value.message)
        cluster.start()
        desk.create_ticket(ADMIN, "0", "New", "After")
        fresh = Desk(SqlStore(url, spools=tmp_path / "spools"))
        assert sorted(t.subject for t in fresh.tickets(ADMIN)) == ["After", "Before"]
    finally:
        cluster.remove()


def test_postgresql_tells_a_waiting_process_of_another_ones_commit(
        tmp_path: Path, pg_url: str) -> None:
    """Item 1: LISTEN/NOTIFY, so a server follows the others without polling."""
    follower = SqlStore(pg_url, spools=tmp_path / "a")
    Desk(follower)
    assert follower.await_commits(0.2) is False  # nothing yet: it waited and said so
    writer = Desk(SqlStore(pg_url, spools=tmp_path / "b"))
    heard: list[bool] = []
    waiting = threading.Thread(target=lambda: heard.append(follower.await_commits(10)))
    started = time.monotonic()
    waiting.start()
    time.sleep(0.3)  # the follower is listening
    writer.create_ticket(ADMIN, "0", "New", "Printer on fire")
    waiting.join(10)
    assert heard == [True]
    assert time.monotonic() - started < 5


def test_over_http_the_database_away_is_a_503_and_the_server_recovers(tmp_path: Path) -> None:
    """Item 7: the request fails clearly, in the error shape; nothing is
    half-written; the server answers again when the database is back."""
    from server_fixtures import ApiClient, assert_error_shape, served

    cluster = PgCluster()
    cluster.start()
    try:
        desk = Desk(SqlStore(cluster.new_database(), spools=tmp_path / "spools"))
        _token, secret = desk.create_token("admin", ADMIN)
        new = {"properties": {"subject": "While away", "hs_pipeline": "0",
                              "hs_pipeline_stage": "1"}}
        with served(desk, follow=False) as base, ApiClient(base, secret) as client:
            cluster.stop()
            away = client.post("/crm/v3/objects/tickets", json=new)
            body = assert_error_shape(away, 503, "Could not", "Nothing of this command")
            assert body["category"] == "SERVICE_UNAVAILABLE"
            cluster.start()
            back = client.post("/crm/v3/objects/tickets",
                               json={"properties": {**new["properties"], "subject": "Back"}})
            assert back.status_code == 201, back.text
            listed = client.get("/crm/v3/objects/tickets", params={"properties": "subject"})
            assert [t["properties"]["subject"] for t in listed.json()["results"]] == ["Back"]
    finally:
        cluster.remove()



def refusing_writes(url: str, on: bool) -> None:
    """The database refuses every new entry (a trigger that raises, as a
    full disk or a constraint would) or, with `on` False, takes them again:
    a failure at the command's commit, after the desk began to apply it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as db:
        if on:
            db.execute("CREATE FUNCTION pipedesk_refuse() RETURNS trigger LANGUAGE plpgsql"
                       " AS $$ BEGIN RAISE EXCEPTION 'no room left'; END $$")
            db.execute("CREATE TRIGGER refuse BEFORE INSERT ON pipedesk_entries"
                       " FOR EACH ROW EXECUTE FUNCTION pipedesk_refuse()")
        else:
            db.execute("DROP TRIGGER refuse ON pipedesk_entries")
            db.execute("DROP FUNCTION pipedesk_refuse()")


def test_over_http_a_stage_edit_the_database_failed_is_not_shown_after_all(
        tmp_path: Path, pg_url: str) -> None:
    """Item 7, nothing half-written: deleting a stage (S6) is an entry and
    the settings in one transaction; the database fails its commit, and the
    server goes on listing the stage, as the database holds it, not the
    edit this process had begun to apply in memory."""
    from server_fixtures import ApiClient, assert_error_shape, served

    desk = Desk(SqlStore(pg_url, spools=tmp_path / "spools"))
    _token, secret = desk.create_token("admin", ADMIN)
    stages = "/crm/v3/pipelines/tickets/0/stages"
    with served(desk, follow=False,
                reopen=lambda: Desk(SqlStore(pg_url, spools=tmp_path / "spools"))) as base, \
            ApiClient(base, secret) as client:
        spare = client.post(stages, json={"label": "Spare", "displayOrder": 9,
                                          "metadata": {"ticketState": "OPEN"}})
        assert spare.status_code == 201, spare.text
        waiting = spare.json()["id"]
        before = [s["label"] for s in client.get(stages).json()["results"]]
        refusing_writes(pg_url, True)
        refused = client.delete(f"{stages}/{waiting}")
        assert_error_shape(refused, 503, "Could not write the command", "no room left")
        after = client.get(stages)
        assert after.status_code == 200, after.text
        assert [s["label"] for s in after.json()["results"]] == before
        refusing_writes(pg_url, False)
        assert client.delete(f"{stages}/{waiting}").status_code == 204
        assert "Spare" not in [s["label"] for s in client.get(stages).json()["results"]]
