"""`pipedesk export`: the tickets a user may see, for a spreadsheet or a
script (issue 17 item 5, hand-over; docs/search.md). The same query and
views as `ticket list`, through `Desk.find_tickets` (U2, P6); written to a
file whole or not at all."""

from __future__ import annotations

import io
import json
from pathlib import Path

import click

from cli.common import Session, command, json_option, pass_session
from cli.tickets import saved_view, ticket_data, write_csv
from core import DeskError
from core.present import counted
from core.store.files import atomic_write


@command("export")
@click.option("--query", "-q", metavar="Q", default="",
              help="Only tickets that fit Q (docs/search.md); default: every one you see.")
@click.option("--view", metavar="NAME", help="A saved view of your config's [views].")
@click.option("--sort", metavar="FIELD",
              help="id, age, updated, priority, subject or urgency; -FIELD the other way.")
@click.option("--format", "shape", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Write FILE (whole, or not at all) instead of printing.")
@json_option
@pass_session
def export(session: Session, query: str, view: str | None, sort: str | None, shape: str,
           output: Path | None, as_json: bool) -> None:
    """Write the tickets you may see (that fit --query or --view) as CSV or JSON."""
    shape = "json" if as_json else shape
    if view is not None:
        query = " ".join(q for q in (saved_view(view), query) if q)
    desk = session.reading
    tickets = desk.find_tickets(query, session.actor, sort=sort)
    out = io.StringIO()
    if shape == "csv":
        write_csv(desk, session.actor, tickets, out)
    else:
        json.dump([ticket_data(desk, session.actor, t) for t in tickets], out, indent=2,
                  ensure_ascii=False, default=str)
        out.write("\n")
    if output is None:
        click.echo(out.getvalue(), nl=False)
        return
    try:
        atomic_write(output, out.getvalue().encode("utf-8"))
    except OSError as err:
        raise DeskError(f"{output}: {err.strerror or err}; nothing was written.") from None
    click.echo(f"Wrote {counted(len(tickets), 'ticket')} to {output}.",
               err=True)
