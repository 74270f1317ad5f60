"""`pipedesk property …`: the ticket properties, built-in and custom."""

from __future__ import annotations

from collections.abc import Sequence

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.properties import say_option


@group("property")
def property_group() -> None:
    """Ticket properties: list, create, edit, archive."""


@property_group.command("list")
@click.option("--archived", is_flag=True, help="Include archived properties.")
@json_option
@pass_session
def property_list(session: Session, archived: bool, as_json: bool) -> None:
    """Built-in and custom properties with their types."""
    props = session.reading.properties(session.actor, archived=archived)
    rows = [p.model_dump(mode="json") for p in props]
    if as_json:
        emit_json(rows)
        return
    table(["NAME", "LABEL", "TYPE", "KIND", "OPTIONS"],
          [[p.name, p.label, p.type.value,
            "built-in" + (", read-only" if p.read_only else "") if p.builtin
            else ("archived" if p.archived else "custom"),
            ", ".join(say_option(p.name, o) for o in p.options)] for p in props])


@property_group.command("create")
@click.argument("name")
@click.option("--type", "type_", required=True, metavar="T",
              help="text, long-text, number, choice, date, date-time, yes-no, user, team.")
@click.option("--label", help="What people read (default: from NAME).")
@click.option("--option", "options", multiple=True, metavar="O",
              help="An option of a choice property (repeatable).")
@pass_session
def property_create(session: Session, name: str, type_: str, label: str | None,
                    options: Sequence[str]) -> None:
    """Create a custom ticket property."""
    p = session.desk.create_property(name, type_, session.actor, label=label, options=options)
    click.echo(f"Created property {p.name} '{p.label}' ({p.type.value}).")


@property_group.command("edit")
@click.argument("name")
@click.option("--label", help="A new label.")
@click.option("--option", "options", multiple=True, metavar="O",
              help="The options of a choice property, all of them (repeatable).")
@pass_session
def property_edit(session: Session, name: str, label: str | None,
                  options: Sequence[str]) -> None:
    """Change a custom property's label or a choice property's options."""
    if label is None and not options:
        raise click.UsageError("Give --label, --option, or both.")
    p = session.desk.edit_property(name, session.actor, label=label, options=options or None)
    said = f" options: {', '.join(p.options)}" if options else ""
    click.echo(f"Changed property {p.name} '{p.label}'{said}.")


@property_group.command("archive")
@click.argument("name")
@pass_session
def property_archive(session: Session, name: str) -> None:
    """Archive a custom property (its values stay on tickets)."""
    p = session.desk.archive_property(name, session.actor)
    click.echo(f"Archived property {p.name}.")
