"""The `pipedesk` command: the TUI with no sub-command, and a command line
onto the same `Desk` for scripts and quick changes.

Exit codes: 0 done, 1 a rule refused or a file could not be read (the
message on stderr, never a traceback), 2 the command was not written right.
Textual is imported only when the TUI opens, so commands start fast.

The root group is here, with the mapping of errors to exit codes; each
topic's commands are in their own module (cli/pipelines.py, cli/tickets.py
…), which imports `cli.common` and never this package, and are added below.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from cli.automation import automation
from cli.channels import channel
from cli.common import Session, TextGroup, shown_output
from cli.conflicts import conflicts
from cli.contacts import contact
from cli.demo import demo
from cli.export import export
from cli.login import login
from cli.mail import mail
from cli.notifications import notifications
from cli.people import team, user
from cli.pipelines import pipeline
from cli.properties import property_group
from cli.serve import serve
from cli.stages import stage
from cli.tickets import ticket
from cli.tokens import token
from cli.web import web
from cli.webhooks import webhooks
from cli.worker import worker
from core import DeskError


@click.group("pipedesk", cls=TextGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the desk keeps its files (default: $PIPEDESK_HOME, "
                   "else the user data dir).")
@click.option("--database", metavar="URL", envvar="PIPEDESK_DATABASE",
              help="Work on the desk in this database, as pipedesk serve does "
                   "(sqlite:///PATH or postgresql://…; default: $PIPEDESK_DATABASE).")
@click.option("--server", metavar="URL", envvar="PIPEDESK_SERVER",
              help="Work on the desk of a team's server (default: $PIPEDESK_SERVER, else "
                   "the server `pipedesk login` remembered; docs/sync.md).")
@click.version_option(package_name="pipedesk")
@click.pass_context
def root(ctx: click.Context, data_dir: Path | None, database: str | None,
         server: str | None) -> None:
    """pipedesk: a keyboard-driven terminal helpdesk.

    With no command, opens the board.
    """
    session = ctx.ensure_object(Session)
    session.data_dir = data_dir
    session.database = database or None
    session.server = server or None
    ctx.call_on_close(session.hand_on)
    if ctx.invoked_subcommand is None:
        # Imported here, not at the top: only the app needs Textual, and a
        # command that does not open it starts without loading it
        # (tests/test_import_hygiene.py).
        from tui.app import run

        run(session.desk)


# Each topic's group or command; `pipedesk --help` lists them by name.
for topic in (demo, pipeline, stage, property_group, contact, ticket, automation, channel,
              mail, webhooks, notifications, worker, serve, web, user, team, token, login,
              conflicts, export):
    root.add_command(topic)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: map every refusal to exit 1 with its message."""
    with shown_output():
        _main(argv)


def _main(argv: Sequence[str] | None) -> None:
    try:
        code = root.main(args=argv, prog_name="pipedesk", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted; nothing changed.", err=True)
        sys.exit(1)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except DeskError as err:
        click.echo(f"pipedesk: {err.message}", err=True)
        sys.exit(1)
    except OSError as err:
        where = f" {err.filename}" if err.filename else ""
        click.echo(f"pipedesk: cannot use{where}: {err.strerror or err}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)

