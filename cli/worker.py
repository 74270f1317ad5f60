"""`pipedesk worker`: the rounds of delayed steps, mail and webhooks, for
hosts where no terminal stays open."""

from __future__ import annotations

import math

import click

from cli.common import Session, command, pass_session
from cli.mail import said_intake
from core import Desk
from core.automation.rounds import work_round
from core.local import place_of
from core.text import show_line


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
    from core.mail.watching import MailWatch

    desk = session.desk
    if not once:
        click.echo(f"pipedesk worker on {place_of(desk)}; Ctrl+C stops.", err=True)
    # A1: the channels' mail, fetched when an IMAP server says it came
    # (IDLE), or on a poll; between rounds the worker waits for that news.
    watch = MailWatch(lambda: desk.config.channels)
    wait = 0.0
    try:
        while True:
            # Waiting here is the pause between rounds: news from a server ends it.
            if watch.due(wait=wait):
                for line in fetch_round(desk):
                    click.echo(line)
            for line in work_round(desk):
                click.echo(line)
            if once:
                return
            wait = interval
    finally:
        watch.stop()


def fetch_round(desk: Desk) -> list[str]:
    """Take the channels' waiting mail; a line for each message, and for
    each source that could not be reached."""
    from core.mail.sources import fetch_once

    if not any(c.maildir or c.imap for c in desk.config.channels):
        return []
    fetched = fetch_once(desk)
    lines = [show_line(said_intake(i)) for i in fetched.intakes]
    return lines + [f"mail: {problem}" for problem in fetched.problems]
