"""`pipedesk ticket …`: create, list, show, move, set and delete tickets
(T1–T5, T7)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import click
import msgspec

from cli.common import (
    Session,
    emit_json,
    group,
    json_option,
    parse_assignments,
    pass_session,
    set_option,
    table,
)
from core import Actor, Desk, DeskError
from core.present import counted, say, say_value, when
from core.records import Ticket
from core.text import plain_line, show_line

if TYPE_CHECKING:
    from core.conversation import ConversationItem


@group()
def ticket() -> None:
    """Tickets: create, list, show, move, set, delete."""


def ticket_data(desk: Desk, actor: Actor, t: Ticket) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(t)
    pipe, stage_ = desk.stage(t.stage, actor)
    data["pipeline_label"] = pipe.label
    data["stage_label"] = stage_.label
    data["stage_state"] = stage_.state.value
    # Issue 17: the SLA clock an open ticket shows; null where none runs.
    clock = desk.sla_clocks()(t)
    data["sla"] = clock.as_data() if clock is not None else None
    for kept in ("entered", "stage_seconds"):  # what the clock is read from
        data.pop(kept, None)
    return data


@ticket.command("create")
@click.option("--pipeline", "pipeline_ref", required=True, metavar="P")
@click.option("--stage", "stage_ref", required=True, metavar="S")
@click.option("--subject", required=True)
@click.option("--contact", "contact_email", metavar="EMAIL")
@set_option
@pass_session
def ticket_create(session: Session, pipeline_ref: str, stage_ref: str, subject: str,
                  contact_email: str | None, assignments: Sequence[str]) -> None:
    """Create a ticket (T1)."""
    desk = session.desk
    t = desk.create_ticket(session.actor, pipeline_ref, stage_ref, subject, contact=contact_email,
                           values=parse_assignments(assignments))
    pipe, stage_ = desk.stage(t.stage, session.actor)
    click.echo(f"Created ticket #{t.id} in {pipe.label} / {stage_.label}.")


@ticket.command("list")
@click.option("--pipeline", "pipeline_ref", metavar="P")
@click.option("--stage", "stage_ref", metavar="S")
@click.option("--query", "-q", metavar="Q",
              help='Only tickets that fit Q, e.g. "priority:urgent owner:none" '
                   "(docs/search.md).")
@click.option("--view", metavar="NAME",
              help="A saved view of your config's [views] (docs/search.md); with --query, "
                   "both must hold.")
@click.option("--sort", metavar="FIELD",
              help="id, age, updated, priority, subject or urgency; -FIELD the other way.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N tickets.")
@click.option("--format", "shape", type=click.Choice(["table", "json", "csv"]),
              help="How to print them (default: table).")
@json_option
@pass_session
def ticket_list(session: Session, pipeline_ref: str | None, stage_ref: str | None,
                query: str | None, view: str | None, sort: str | None, limit: int | None,
                shape: str | None, as_json: bool) -> None:
    """Tickets, oldest first; narrowed to a pipeline and/or a stage, or to
    those that fit a query or a saved view."""
    if view is not None:
        query = " ".join(q for q in (saved_view(view), query) if q)
    desk = session.reading
    tickets = desk.tickets(session.actor, pipeline=pipeline_ref, stage=stage_ref)
    if query is not None or sort is not None or limit is not None:
        narrowed = {t.id for t in tickets} if pipeline_ref or stage_ref else None
        tickets = [t for t in desk.find_tickets(query or "", session.actor, sort=sort)
                   if narrowed is None or t.id in narrowed][:limit]
    shape = "json" if as_json else shape or "table"
    if shape == "json":
        emit_json([ticket_data(desk, session.actor, t) for t in tickets])
        return
    if shape == "csv":
        write_csv(desk, session.actor, tickets)
        return
    pipelines = desk.pipelines(session.actor)
    labels = {s.id: s.label for p in pipelines for s in p.stages}
    rows = [[f"#{t.id}", labels.get(t.stage, t.stage),
             say_value(desk.config, "priority", t.priority), t.owner or "", t.subject]
            for t in tickets]
    # Across pipelines, a stage label ("New") does not say which one.
    if pipeline_ref is None and stage_ref is None and len(pipelines) > 1:
        names = {p.id: p.label for p in pipelines}
        table(["ID", "PIPELINE", "STAGE", "PRIORITY", "OWNER", "SUBJECT"],
              [[row[0], names.get(t.pipeline, t.pipeline), *row[1:]]
               for row, t in zip(rows, tickets, strict=True)])
        return
    table(["ID", "STAGE", "PRIORITY", "OWNER", "SUBJECT"], rows)


def saved_view(name: str) -> str:
    """The query of the person's saved view `name` (any case)."""
    from core.user_config import load_user_config

    mine = load_user_config()
    for problem in mine.problems:
        click.echo(f"pipedesk: warning: {problem}", err=True)
    views = mine.config.views
    found = next((q for n, q in views.items() if n.casefold() == name.strip().casefold()), None)
    if found is None:
        known = ", ".join(repr(n) for n in views) or "none yet"
        raise DeskError(f"No view {name!r} in {mine.path or 'your config'} (views: {known}); "
                        'add one under [views]: "Name" = "priority:urgent owner:none".')
    return found


CSV_COLUMNS = ["id", "pipeline", "stage", "state", "priority", "owner", "team", "contact",
               "source", "subject", "created", "updated", "closed"]


def write_csv(desk: Desk, actor: Actor, tickets: Sequence[Ticket],
              to: TextIO | None = None) -> None:
    """One row per ticket, the labels as people read them; each cell one
    line of plain text (a spreadsheet is no terminal either way)."""
    import csv

    out = csv.writer(to or sys.stdout, lineterminator="\n")
    out.writerow(CSV_COLUMNS)
    for t in tickets:
        data = ticket_data(desk, actor, t)
        out.writerow([plain_line(str(c)) for c in (
            t.id, data["pipeline_label"], data["stage_label"], data["stage_state"],
            say_value(desk.config, "priority", t.priority) if t.priority else "",
            t.owner or "", t.team or "", t.contact or "", t.source, t.subject,
            t.create_date.isoformat(), t.last_activity.isoformat(),
            t.close_date.isoformat() if t.close_date else "")])


@ticket.command("show")
@click.argument("ticket_id", metavar="ID")
@json_option
@pass_session
def ticket_show(session: Session, ticket_id: str, as_json: bool) -> None:
    """A ticket's properties and its timeline (T7)."""
    desk = session.reading
    t = desk.ticket(ticket_id, session.actor)
    timeline = desk.timeline(t.id, session.actor)
    conversation = desk.conversation(t.id, session.actor)
    if as_json:
        emit_json({"ticket": ticket_data(desk, session.actor, t),
                   "conversation": [i.as_dict() for i in conversation],
                   "timeline": [i.as_dict() for i in timeline]})
        return
    data = ticket_data(desk, session.actor, t)
    click.echo(f"#{t.id} {show_line(t.subject)}")
    now = desk.now()
    shown = [("Pipeline", data["pipeline_label"]),
             ("Stage", f"{data['stage_label']} ({data['stage_state']})")]
    clock = desk.sla_clocks()(t)
    if clock is not None:
        shown.append(("SLA", f"{clock.said()} (due {when(clock.due)})"))
    shown += [(p.label, say(desk.config, t, p.name, now)) for p in desk.properties(session.actor)
              if p.name not in ("subject", "content", "pipeline", "stage")]
    width = max(len(k) for k, _ in shown)
    for key, value in shown:
        click.echo(f"  {show_line(key):<{width}}  {show_line(value)}")
    if t.content:
        click.echo("\n" + t.content)
    if conversation:
        click.echo("\nConversation")
    for n, message in enumerate(conversation, 1):
        click.echo(show_line(f"  {n}. {when(message.date or message.at)}  "
                             f"{said_item(message)}"))
        for line in message.text.splitlines() or [""]:
            click.echo(show_line(f"      {line}"))
        for k, attached in enumerate(message.attachments, 1):
            click.echo(show_line(f"      [{n}.{k}] {attached.name} ({attached.size:,} bytes, "
                                 f"{attached.type}): pipedesk ticket attachment {t.id} {n}.{k}"))
    click.echo("\nTimeline")
    for item in timeline:
        click.echo(show_line(f"  {when(item.at)}  {item.who}  {item.what}"))
        for prop, before, after in item.changes:
            click.echo(show_line(f"      {prop}: {before} -> {after}"))


query_option = click.option(
    "--query", "-q", metavar="Q",
    help="Every ticket you may see that fits Q (docs/search.md), in one change: all or none.")
dry_run_option = click.option("--dry-run", is_flag=True,
                              help="With --query: list what would change, and change nothing.")


def _one_or_query(args: Sequence[str], query: str | None, wanted: str) -> tuple[str | None,
                                                                                list[str]]:
    """`ID REST...`, or with --query just `REST...` (T6)."""
    if query is not None:
        return None, list(args)
    if not args:
        raise click.UsageError(f"Give the ticket's ID, then {wanted} (or --query Q for many).")
    return args[0], list(args[1:])


def _chosen(session: Session, query: str) -> list[Ticket]:
    return session.reading.find_tickets(query, session.actor)


def _listed(tickets: Sequence[Ticket], doing: str, how: str = "") -> None:
    """--dry-run: which tickets the change would make, and nothing made."""
    click.echo(f"Would {doing} {counted(len(tickets), 'ticket')}"
               f"{' ' + how if how else ''} (nothing was changed):")
    table(["ID", "SUBJECT"], [[f"#{t.id}", t.subject] for t in tickets])


@ticket.command("move")
@click.argument("args", nargs=-1, required=True, metavar="[ID] S")
@click.option("--pipeline", "pipeline_ref", metavar="P",
              help="Move into another pipeline (S is then one of its stages).")
@set_option
@query_option
@dry_run_option
@pass_session
def ticket_move(session: Session, args: Sequence[str], pipeline_ref: str | None,
                assignments: Sequence[str], query: str | None, dry_run: bool) -> None:
    """Move a ticket to stage S (T2), setting properties on the way (S7);
    with --query, every ticket that fits (T6)."""
    ticket_id, rest = _one_or_query(args, query, "the stage")
    if len(rest) != 1:
        raise click.UsageError("Give one stage to move to.")
    stage_ref, values = rest[0], parse_assignments(assignments)
    desk = session.desk
    if ticket_id is not None:
        t = desk.move_ticket(ticket_id, stage_ref, session.actor, pipeline=pipeline_ref,
                             values=values)
        pipe, stage_ = desk.stage(t.stage, session.actor)
        click.echo(f"Ticket #{t.id} is in {pipe.label} / {stage_.label}.")
        return
    chosen = _chosen(session, query or "")
    if dry_run:
        _listed(chosen, "move", f"to {stage_ref}")
        return
    moved = desk.bulk_move([t.id for t in chosen], stage_ref, session.actor,
                           pipeline=pipeline_ref, values=values)
    click.echo(f"Moved {counted(len(moved), 'ticket')} to {stage_ref}.")


@ticket.command("set")
@click.argument("args", nargs=-1, required=True, metavar="[ID] NAME=VALUE...")
@query_option
@dry_run_option
@pass_session
def ticket_set(session: Session, args: Sequence[str], query: str | None,
               dry_run: bool) -> None:
    """Set properties of a ticket (T4); NAME= clears one. With --query, of
    every ticket that fits (T6)."""
    ticket_id, assignments = _one_or_query(args, query, "NAME=VALUE")
    if not assignments:
        raise click.UsageError("Give at least one NAME=VALUE.")
    values = parse_assignments(assignments)
    if ticket_id is not None:
        t = session.desk.edit_ticket(ticket_id, values, session.actor)
        click.echo(f"Ticket #{t.id} updated.")
        return
    chosen = _chosen(session, query or "")
    if dry_run:
        _listed(chosen, f"set {', '.join(values)} on")
        return
    done = session.desk.bulk_edit([t.id for t in chosen], values, session.actor)
    click.echo(f"Updated {counted(len(done), 'ticket')}.")


@ticket.command("delete")
@click.argument("ticket_id", metavar="[ID]", required=False)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@query_option
@dry_run_option
@pass_session
def ticket_delete(session: Session, ticket_id: str | None, yes: bool, query: str | None,
                  dry_run: bool) -> None:
    """Delete a ticket, after confirmation (T5); with --query, every ticket
    that fits, after one confirmation that says how many (T6)."""
    if (ticket_id is None) == (query is None):
        raise click.UsageError("Give the ticket's ID, or --query Q for many (one of them).")
    desk = session.desk
    if ticket_id is not None:
        t = desk.ticket(ticket_id, session.actor)
        if not yes:
            if not sys.stdin.isatty():
                raise click.UsageError("Deleting asks for confirmation: add --yes.")
            click.confirm(f"Delete ticket #{t.id} '{show_line(t.subject)}'?", abort=True)
        desk.delete_ticket(t.id, session.actor)
        click.echo(f"Deleted ticket #{t.id}.")
        return
    chosen = _chosen(session, query or "")
    if dry_run:
        _listed(chosen, "delete")
        return
    many = counted(len(chosen), "ticket")
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError(f"Deleting {many} asks for confirmation: add --yes.")
        click.confirm(f"Delete {many}?", abort=True)
    desk.bulk_delete([t.id for t in chosen], session.actor)
    click.echo(f"Deleted {many}.")


def said_item(item: ConversationItem) -> str:
    """One message's heading: who to whom, and what."""
    if item.direction == "note":
        return f"note by {item.actor}"
    arrow = "->" if item.direction == "out" else "<-"
    auto = f" [{item.auto_reason or 'automated'}]" if item.auto else ""
    forwarded = " [forwarded]" if item.forwarded else ""
    party = ", ".join(item.to) if item.direction == "out" else item.sender
    return f"{arrow} {party}: {item.subject}{auto}{forwarded}"


def _body(text: str | None, file: BinaryIO | None, what: str) -> str:
    if (text is None) == (file is None):
        raise click.UsageError(f"Give the {what} as --text T or --file F (one of them).")
    if text is not None:
        return text
    assert file is not None
    try:
        return file.read().decode("utf-8")
    except UnicodeDecodeError as err:
        raise click.UsageError(f"{file.name} is not UTF-8 text (byte {err.start}).") from None


@ticket.command("reply")
@click.argument("ticket_id", metavar="ID")
@click.option("--text", help="What to send.")
# click.File opens it (and '-' as standard input), as `template save --body-file` does.
@click.option("--file", type=click.File("rb"),
              help="Send the text of this file ('-': standard input).")
@click.option("--cc", multiple=True, metavar="EMAIL", help="Also to EMAIL (repeatable).")
@pass_session
def ticket_reply(session: Session, ticket_id: str, text: str | None, file: BinaryIO | None,
                 cc: Sequence[str]) -> None:
    """Reply to the ticket's contact by email (C1; A3a moves the ticket)."""
    desk = session.desk
    sent = desk.reply(ticket_id, _body(text, file, "reply"), session.actor, cc=cc)
    t = desk.ticket(sent.ticket, session.actor)
    _, stage_ = desk.stage(t.stage, session.actor)
    click.echo(show_line(f"Reply to {', '.join(sent.to)} queued: '{sent.subject}'. "
                         f"Ticket #{t.id} is in {stage_.label}."))


@ticket.command("note")
@click.argument("ticket_id", metavar="ID")
@click.option("--text", help="The note.")
@click.option("--file", type=click.File("rb"),
              help="The note is this file's text ('-': standard input).")
@pass_session
def ticket_note(session: Session, ticket_id: str, text: str | None,
                file: BinaryIO | None) -> None:
    """Add an internal note to the ticket's conversation (never sent)."""
    note = session.desk.add_note(ticket_id, _body(text, file, "note"), session.actor)
    click.echo(f"Note added to ticket #{note.ticket}.")


@ticket.command("attachment")
@click.argument("ticket_id", metavar="ID")
@click.argument("which", metavar="MESSAGE.N")
@click.option("--to", "target", type=click.Path(path_type=Path), metavar="PATH",
              help="Where to save it (default: its own name, in this folder).")
@pass_session
def ticket_attachment(session: Session, ticket_id: str, which: str,
                      target: Path | None) -> None:
    """Save attachment N of message MESSAGE of the conversation (both counted
    from 1, as `ticket show` lists them: "2.1" is the first file of the
    second message)."""
    message, dot, index = which.partition(".")
    if not dot or not message.isdigit() or not index.isdigit():
        raise click.UsageError(f"Name the attachment as MESSAGE.N, like 2.1; got {which!r}.")
    name, data = session.reading.attachment(ticket_id, int(message), int(index),
                                            session.actor)
    # The name came with the mail: only its last part, never a path it names.
    safe = Path(name.replace("\\", "/")).name.lstrip(".") or "attachment"
    path = target if target is not None else Path(safe)
    if path.is_dir():
        path = path / safe
    if path.exists():
        raise click.UsageError(f"{path} exists already; give another --to.")
    path.write_bytes(data)
    click.echo(show_line(f"Saved {name} ({len(data):,} bytes) as {path}."))
