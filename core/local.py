"""A desk in local files: the entry point of the command line, the TUI and
the benches (`open_desk`), and the data dir of a desk opened so."""

from __future__ import annotations

from pathlib import Path

from core.clock import Clock
from core.desk import Desk
from core.store.local import LocalStore

# The file `pipedesk serve` keeps a data dir's desk in (docs/server.md).
SQLITE_FILE = "desk.sqlite3"


def open_desk(data_dir: Path, clock: Clock | None = None, create: bool = True) -> Desk:
    """The desk in `data_dir`. Where there is none, a new one is made (P1,
    and C4 on first start), or with `create=False` NoDesk is raised and
    nothing is written: a command that only reads does not turn a mistyped
    path into a new desk. A new desk's administrator is the account that
    makes it (core/signing_in.py). A data dir `pipedesk serve` made holds
    its desk in SQLite (`SQLITE_FILE`, no desk.toml): that desk is opened,
    so the command line works on the desk the server serves."""
    from core.signing_in import current_login

    served = data_dir.expanduser() / SQLITE_FILE
    if served.is_file() and not (data_dir.expanduser() / "desk.toml").exists():
        from core.sql import open_sql_desk

        return open_sql_desk(sqlite_url(data_dir), clock)
    return Desk(LocalStore(data_dir, create=create, founder=current_login()), clock)


def sqlite_url(data_dir: Path) -> str:
    """The database of a data dir `pipedesk serve` keeps its desk in."""
    return f"sqlite:///{data_dir.expanduser() / SQLITE_FILE}"


def data_dir_of(desk: Desk) -> Path | None:
    """The data dir `desk` lives in; None for a desk kept elsewhere (in
    memory, say), which has no folder to name or keep things beside."""
    store = desk.store
    if isinstance(store, LocalStore):
        return store.root
    from core.store.sql import SqlStore

    return store.data_dir if isinstance(store, SqlStore) else None


def server_of(desk: Desk) -> str | None:
    """The server a desk is the replica of (core/remote/replica.py), else
    None. Asked without importing the client (and httpx) for local desks."""
    api = getattr(desk.store, "api", None)
    url = getattr(api, "url", None)
    return url if isinstance(url, str) else None


def place_of(desk: Desk) -> str:
    """Where `desk` lives, as a message names it: its data dir, its
    database, or memory."""
    from core.store.sql import SqlStore, describe

    if isinstance(desk.store, SqlStore):
        return describe(desk.store.url)
    server = server_of(desk)
    if server is not None:
        return f"the server {server}"
    data_dir = data_dir_of(desk)
    return str(data_dir) if data_dir is not None else "memory"
