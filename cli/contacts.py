"""`pipedesk contact …`: the customers tickets are about."""

from __future__ import annotations

import click
import msgspec

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.present import count, say_contact_change


@group()
def contact() -> None:
    """Contacts: the customers tickets are about."""


@contact.command("list")
@json_option
@pass_session
def contact_list(session: Session, as_json: bool) -> None:
    """All contacts, by email, with how many tickets name each."""
    contacts = session.reading.contacts(session.actor)
    counts = session.reading.tickets_per_contact(session.actor)
    if as_json:
        emit_json([{**msgspec.to_builtins(c), "tickets": counts.get(c.email.casefold(), 0)}
                   for c in contacts])
        return
    table(["EMAIL", "NAME", "MARKETING", "TICKETS"],
          [[c.email, c.name, "yes" if c.marketing else "no",
            count(counts.get(c.email.casefold(), 0))] for c in contacts])


@contact.command("add")
@click.argument("email")
@click.option("--name", default="", help="The contact's name.")
@click.option("--marketing", is_flag=True, help="A marketing contact (A4a).")
@pass_session
def contact_add(session: Session, email: str, name: str, marketing: bool) -> None:
    """Add a contact."""
    c = session.desk.add_contact(email, session.actor, name=name, marketing=marketing)
    click.echo(f"Added contact {c.email}.")


@contact.command("edit")
@click.argument("email")
@click.option("--name", default=None, help="The contact's new name (\"\" clears it).")
@click.option("--marketing/--no-marketing", default=None,
              help="Mark or unmark as a marketing contact (A4a).")
@pass_session
def contact_edit(session: Session, email: str, name: str | None,
                 marketing: bool | None) -> None:
    """Change a contact's name or marketing flag (the email stays: it is
    the contact's identity)."""
    desk = session.desk
    before = desk.contact(email, session.actor)
    after = desk.edit_contact(email, session.actor, name=name, marketing=marketing)
    click.echo(say_contact_change(before, after))
