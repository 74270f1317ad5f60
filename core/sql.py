"""A desk in a database: the entry point of `pipedesk serve` and of the
command line's `--database` (`open_sql_desk`), beside `core.open_desk` for
a data dir."""

from __future__ import annotations

from pathlib import Path

from core.clock import Clock
from core.desk import Desk
from core.store.sql import SqlStore


def open_sql_desk(url: str, clock: Clock | None = None, spools: Path | None = None) -> Desk:
    """The desk in the database `url` (sqlite:///PATH or postgresql://…),
    made there with a new desk's settings (P1) when it holds none. A new
    desk's administrator is the account that makes it (core/signing_in.py).
    `spools`: where its mail in waits (beside an SQLite file unless given;
    a PostgreSQL desk needs it); outgoing work is rows of the database."""
    from core.signing_in import current_login

    return Desk(SqlStore(url, founder=current_login(), spools=spools), clock)
