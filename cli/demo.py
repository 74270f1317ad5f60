"""`pipedesk demo`: sample tickets, contacts and agents to try the desk on."""

from __future__ import annotations

import click

from cli.common import Session, command, pass_session
from core.present import counted


@command()
@click.option("--tickets", "tickets", type=click.IntRange(1, 1_000_000), default=200,
              show_default=True, help="How many sample tickets.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed gives the same tickets.")
@click.option("--pipeline", help="Pipeline to fill (default: the first).")
@pass_session
def demo(session: Session, tickets: int, seed: int, pipeline: str | None) -> None:
    """Add sample tickets, contacts and agents."""
    from core.demo import add_demo_tickets

    add_demo_tickets(session.desk, session.actor, tickets, seed, pipeline)
    click.echo(f"Added {counted(tickets, 'sample ticket')}.")
