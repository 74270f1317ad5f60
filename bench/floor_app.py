"""The floor of bench/server.py: a bare endpoint of the server's own stack.

FastAPI under uvicorn, one POST that inserts one row into the database
`$PIPEDESK_FLOOR_DATABASE` names (sqlite:///PATH or postgresql://…) in its
own transaction, through one connection per process held by a lock — what
a ticket move through pipedesk costs beyond this is pipedesk's own.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from typing import Any

from fastapi import FastAPI


def app() -> FastAPI:
    url = os.environ["PIPEDESK_FLOOR_DATABASE"]
    lock = threading.Lock()
    connection: Any
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False,
                                     isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE IF NOT EXISTS floor (id INTEGER PRIMARY KEY, "
                           "body TEXT NOT NULL)")
        insert = "INSERT INTO floor (body) VALUES (?)"

        def write(body: str) -> None:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(insert, (body,))
            connection.execute("COMMIT")
    else:
        import psycopg

        connection = psycopg.connect(url, autocommit=False)
        with connection.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS floor (id BIGSERIAL PRIMARY KEY, "
                        "body TEXT NOT NULL)")
        connection.commit()

        def write(body: str) -> None:
            with connection.cursor() as cur:
                cur.execute("INSERT INTO floor (body) VALUES (%s)", (body,))
            connection.commit()

    floor = FastAPI()

    @floor.post("/floor")
    def one_insert(payload: dict[str, Any]) -> dict[str, str]:
        with lock:
            write(str(payload))
        return {"status": "ok"}

    return floor
