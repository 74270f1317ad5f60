"""`pipedesk serve` as a person starts it (issue 15 items 1, 3, 7): on a
new data dir it makes a desk in SQLite there, the command line on the same
data dir works on that desk (a token made there is taken by the server),
and it says so when it listens beyond loopback; a server killed with SIGKILL
under load loses no acknowledged write; two servers on one PostgreSQL
follow each other's commits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from server_fixtures import ApiClient, assert_error_shape

from core import LOCAL_ADMIN, open_desk

PIPEDESK = str(Path(sys.executable).with_name("pipedesk"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(*args: str, port: int | None = None) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`pipedesk ARGS serve --port P` until it answers; stopped at the end."""
    port = port or free_port()
    process = subprocess.Popen([PIPEDESK, *args, "serve", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "pipedesk serve did not answer"
            try:
                httpx.get(f"{base}/pipedesk/v1/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def token_for(data_dir: Path, user: str = "admin") -> str:
    made = subprocess.run([PIPEDESK, "--data-dir", str(data_dir), "token", "create", "--user",
                           user], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip()


def test_serve_on_a_new_data_dir_makes_a_desk_the_command_line_shares(tmp_path: Path) -> None:
    data_dir = tmp_path / "served"
    with serving("--data-dir", str(data_dir)) as (base, _process):
        assert (data_dir / "desk.sqlite3").is_file()
        assert not (data_dir / "desk.toml").exists()  # no second desk beside it
        secret = token_for(data_dir)  # made by the command line, in the server's database
        with ApiClient(base, secret) as client:
            me = client.get("/pipedesk/v1/me")
        assert me.status_code == 200, me.text
        assert me.json()["id"] == "admin" and me.json()["role"] == "administrator"
        revoked = subprocess.run([PIPEDESK, "--data-dir", str(data_dir), "token", "revoke",
                                  "t1"], capture_output=True, text=True, timeout=60)
        assert revoked.returncode == 0, revoked.stderr
        with ApiClient(base, secret) as client:  # U3: at once, in the running server
            assert_error_shape(client.get("/pipedesk/v1/me"), 401, "revoked")


def test_serve_does_not_take_over_a_data_dir_of_local_files(tmp_path: Path) -> None:
    open_desk(tmp_path / "local").create_ticket(LOCAL_ADMIN, "0", "New", "Printer on fire")
    done = subprocess.run([PIPEDESK, "--data-dir", str(tmp_path / "local"), "serve", "--port",
                           str(free_port())], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "holds a desk in local files" in done.stderr and "--database" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "local" / "desk.sqlite3").exists()


def test_serve_beyond_loopback_says_tls_belongs_in_front(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen([PIPEDESK, "--data-dir", str(tmp_path / "d"), "serve", "--host",
                                "0.0.0.0", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        said = ""
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while "Ctrl+C" not in said and time.monotonic() < deadline:
            said += process.stderr.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)
    assert "without TLS" in said and "in clear" in said


def test_a_database_url_pipedesk_does_not_know_is_said(tmp_path: Path) -> None:
    done = subprocess.run([PIPEDESK, "--data-dir", str(tmp_path), "serve", "--database",
                           "mysql://db/desk"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "Not a database pipedesk knows" in done.stderr
    assert "Traceback" not in done.stderr
def test_a_server_killed_with_sigkill_under_load_loses_no_acknowledged_write(
        tmp_path: Path) -> None:
    data_dir = tmp_path / "served"
    acknowledged: list[str] = []
    with serving("--data-dir", str(data_dir)) as (base, process):
        secret = token_for(data_dir)
        stop = threading.Event()

        def writer(n: int) -> None:
            with ApiClient(base, secret) as client:
                turn = 0
                while not stop.is_set():
                    subject = f"Load {n}-{turn}"
                    try:
                        answer = client.post("/crm/v3/objects/tickets", json={"properties": {
                            "subject": subject, "hs_pipeline": "0", "hs_pipeline_stage": "1"}})
                    except httpx.TransportError:
                        return  # the server is gone: this one was not acknowledged
                    if answer.status_code == 201:
                        acknowledged.append(subject)
                    turn += 1

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for thread in writers:
            thread.start()
        time.sleep(1.5)
        os.kill(process.pid, signal.SIGKILL)
        stop.set()
        for thread in writers:
            thread.join(timeout=10)
    assert len(acknowledged) > 10, "the load never got going"
    kept = {t.subject for t in open_desk(data_dir).tickets(LOCAL_ADMIN)}
    assert set(acknowledged) <= kept


def test_two_servers_on_one_postgresql_a_move_through_one_is_in_the_others_feed(
        tmp_path: Path, pg_url: str) -> None:
    """Item 1 and 6: each process follows the others' commits."""
    data_dir = tmp_path / "host"
    args = ("--data-dir", str(data_dir), "--database", pg_url)
    with serving(*args) as (first, _one), serving(*args) as (second, _two):
        made = subprocess.run([PIPEDESK, *args, "token", "create", "--user", "admin"],
                              capture_output=True, text=True, timeout=60)
        assert made.returncode == 0, made.stderr
        secret = made.stdout.strip()
        with ApiClient(first, secret) as one, ApiClient(second, secret) as two:
            start = two.get("/pipedesk/v1/changes", params={"after": 0, "wait": 0}).json()
            created = one.post("/crm/v3/objects/tickets",
                               json={"properties": {"subject": "Printer on fire",
                                                   "hs_pipeline": "0", "hs_pipeline_stage": "1"}})
            assert created.status_code == 201, created.text
            ticket = created.json()["id"]
            moved = one.patch(f"/crm/v3/objects/tickets/{ticket}",
                              json={"properties": {"hs_pipeline_stage": "3"}})
            assert moved.status_code == 200, moved.text
            started = time.monotonic()
            after, seen = start["seq"], dict[str, Any]()
            while time.monotonic() - started < 5 and seen.get("stage") != "3":
                answer = two.get("/pipedesk/v1/changes",
                                 params={"after": after, "wait": 2}).json()
                after = answer["seq"]
                seen = next((t for t in answer["tickets"] if t["id"] == ticket), seen)
            assert seen.get("stage") == "3", "the other server's feed never had the move"
            assert time.monotonic() - started < 2


def test_serve_on_a_new_data_dir_answers_the_crm_client(tmp_path: Path) -> None:
    """Issue 15's "done when": `pipedesk serve` on a new data dir, a token
    from the command line, and the CRM's own Python client works a ticket
    through its life (T3 sets the close date on the move to Closed)."""
    import hubspot  # type: ignore[import-untyped]
    from hubspot.crm.tickets import (  # type: ignore[import-untyped]
        SimplePublicObjectInput,
        SimplePublicObjectInputForCreate,
    )

    data_dir = tmp_path / "served"
    with serving("--data-dir", str(data_dir)) as (base, _process):
        client = hubspot.Client.create(access_token=token_for(data_dir), host=base)
        [support] = client.crm.pipelines.pipelines_api.get_all(object_type="tickets").results
        closed = next(s for s in support.stages if s.metadata["ticketState"] == "CLOSED")
        made = client.crm.tickets.basic_api.create(SimplePublicObjectInputForCreate(
            properties={"subject": "Printer on fire", "hs_pipeline": support.id,
                        "hs_pipeline_stage": support.stages[0].id}))
        client.crm.tickets.basic_api.update(made.id, SimplePublicObjectInput(
            properties={"hs_pipeline_stage": closed.id}))
        read = client.crm.tickets.basic_api.get_by_id(made.id, properties=["closed_date"])
        assert read.properties["closed_date"] is not None
        client.crm.tickets.basic_api.archive(made.id)
        assert client.crm.tickets.basic_api.get_page().results == []
