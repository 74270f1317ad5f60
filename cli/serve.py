"""`pipedesk serve`: the desk over HTTP for a team (docs/server.md)."""

from __future__ import annotations

import click

from cli.common import Session, command, pass_session


@command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on; anything but loopback needs TLS in front.")
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option("--database", metavar="URL",
              help="sqlite:///PATH or postgresql://…; default: SQLite in the data dir.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes on this host, all on the one database.")
@pass_session
def serve(session: Session, host: str, port: int, database: str | None, workers: int) -> None:
    """Serve the desk over HTTP: the CRM v3 tickets API and pipedesk's own."""
    # Imported here: only this command needs the web framework, and the
    # others start without it (tests/test_import_hygiene.py).
    from core.store.location import data_dir_for
    from server.run import default_database
    from server.run import serve as run_server

    data_dir = data_dir_for(session.data_dir)
    database = database or session.database
    # A desk in SQLite keeps its mail in beside its file, in the data dir; one
    # in PostgreSQL in this host's data dir (outgoing work is rows of either).
    run_server(database or default_database(data_dir), host, port, workers,
               spools=data_dir if database and not database.startswith("sqlite:") else None)
