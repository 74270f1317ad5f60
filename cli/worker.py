"""`pipedesk worker`: the rounds of delayed steps, mail and webhooks, for
hosts where no terminal stays open."""

from __future__ import annotations

import math
import time

import click

from cli.common import Session, command, pass_session
from core.automation.rounds import work_round
from core.local import place_of


def _finite(seconds: float) -> float:
    # FloatRange lets nan through: it is neither below nor above a bound.
    if math.isnan(seconds):
        raise click.BadParameter("nan is not a number of seconds.")
    return seconds


@command()
@click.option("--once", is_flag=True, help="One round, then exit.")
@click.option("--interval", type=click.FloatRange(0.1, 86400), default=1.0, show_default=True,
              callback=lambda _ctx, _param, value: _finite(value),
              help="Seconds between rounds.")
@pass_session
def worker(session: Session, once: bool, interval: float) -> None:
    """Run delayed steps when due and deliver mail and webhooks, for hosts
    where no terminal stays open. Several may run on one data dir."""
    desk = session.desk
    if not once:
        click.echo(f"pipedesk worker on {place_of(desk)}; Ctrl+C stops.", err=True)
    while True:
        done = work_round(desk)
        for line in done:
            click.echo(line)
        if once:
            return
        time.sleep(interval)
