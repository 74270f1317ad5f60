"""Starting the server: `pipedesk serve` calls `serve`.

With `--workers N` uvicorn starts N processes, each importing the app by
name (`app_from_environment`) and opening its own desk over the one
database: the settings reach them through the environment, as uvicorn
passes nothing else to its workers.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from core import Desk
from core.store.sql import describe
from server.app import make_app
from server.hosting import DeskHost

log = logging.getLogger("pipedesk.server")

_DATABASE = "PIPEDESK_SERVE_DATABASE"


def open_served_desk(database: str) -> Desk:
    """The desk the server serves: the database `database` names."""
    from core.sql import open_sql_desk

    desk: Desk = open_sql_desk(database)
    return desk


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn's factory)."""
    return make_app(DeskHost(open_served_desk(os.environ[_DATABASE])))


def loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """What is said at start on an address other machines reach: tokens and
    tickets travel in clear unless TLS is in front (docs/server.md)."""
    if loopback(host):
        return None
    return (f"pipedesk serve: warning: listening on {host} without TLS; tokens and tickets "
            "cross the network in clear. Put a TLS proxy in front (docs/server.md).")


def serve(database: str, host: str, port: int, workers: int) -> None:
    """Serve the desk in `database` until interrupted (opened first, so a
    database that cannot be used is said before anything listens)."""
    open_served_desk(database)  # the schema made or migrated once, before the workers
    warning = exposure_warning(host)
    if warning is not None:
        print(warning, file=sys.stderr)
    os.environ[_DATABASE] = database
    print(f"pipedesk serve: http://{host}:{port} on {describe(database)}; Ctrl+C stops.",
          file=sys.stderr)
    uvicorn.run("server.run:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", proxy_headers=True)


def default_database(data_dir: Path) -> str:
    """SQLite in the data dir, where `--database` names none."""
    return f"sqlite:///{data_dir / 'desk.sqlite3'}"
