"""Starting the server: `pipedesk serve` calls `serve`.

With `--workers N` uvicorn starts N processes, each importing the app by
name (`app_from_environment`) and opening its own desk over the one
database: the settings reach them through the environment, as uvicorn
passes nothing else to its workers.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from core import Desk
from core.hosts import is_loopback
from core.store.sql import describe
from server.app import make_app
from server.hosting import DeskHost

log = logging.getLogger("pipedesk.server")

_DATABASE = "PIPEDESK_SERVE_DATABASE"
_SPOOLS = "PIPEDESK_SERVE_SPOOLS"


def open_served_desk(database: str, spools: Path | None = None) -> Desk:
    """The desk the server serves: the database `database` names; mail in
    waits in `spools` (for SQLite, beside the file unless given)."""
    from core.sql import open_sql_desk

    return open_sql_desk(database, spools=spools)


def app_from_environment() -> FastAPI:
    """The app of one worker process (uvicorn's factory)."""
    spools = os.environ.get(_SPOOLS)

    def reopen() -> Desk:
        return open_served_desk(os.environ[_DATABASE], Path(spools) if spools else None)

    return make_app(DeskHost(reopen(), reopen=reopen))


def exposure_warning(host: str) -> str | None:
    """What is said at start on an address other machines reach: tokens and
    tickets travel in clear unless TLS is in front (docs/server.md)."""
    if is_loopback(host):
        return None
    return (f"pipedesk serve: warning: listening on {host} without TLS; tokens and tickets "
            "cross the network in clear. Put a TLS proxy in front (docs/server.md).")


def serve(database: str, host: str, port: int, workers: int, spools: Path | None = None
          ) -> None:
    """Serve the desk in `database` until interrupted (opened first, so a
    database that cannot be used is said before anything listens)."""
    desk = open_served_desk(database, spools)  # the schema made or migrated, once
    if desk.created:
        print(f"pipedesk serve: created a new desk in {describe(database)}.", file=sys.stderr)
    warning = exposure_warning(host)
    if warning is not None:
        print(warning, file=sys.stderr)
    os.environ[_DATABASE] = database
    if spools is not None:
        os.environ[_SPOOLS] = str(spools)
    print(f"pipedesk serve: http://{host}:{port} on {describe(database)}; Ctrl+C stops.",
          file=sys.stderr)
    uvicorn.run("server.run:app_from_environment", factory=True, host=host, port=port,
                workers=workers, log_level="warning", proxy_headers=True,
                # Clients long-polling the feed do not hold up a stop: they
                # come back when the server does.
                timeout_graceful_shutdown=3)


def default_database(data_dir: Path) -> str:
    """SQLite in the data dir, where `--database` names none. A data dir
    holding a desk in local files is not taken over: its desk.toml and
    journal would go on beside a second desk no terminal sees."""
    from core.errors import DeskError
    from core.local import SQLITE_FILE, sqlite_url

    if (data_dir / "desk.toml").exists() and not (data_dir / SQLITE_FILE).exists():
        raise DeskError(f"{data_dir} holds a desk in local files (desk.toml); pipedesk serve "
                        "keeps its desk in a database. Serve a new data dir (--data-dir), "
                        "or give --database.")
    return sqlite_url(data_dir)
