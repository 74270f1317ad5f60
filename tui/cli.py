"""The `pipedesk` command: the TUI with no sub-command, and a command line
onto the same `Desk` for scripts and quick changes.

Exit codes: 0 done, 1 a rule refused or a file could not be read (the
message on stderr, never a traceback), 2 the command was not written right.
Textual is imported only when the TUI opens, so commands start fast.

Text from data never drives the terminal (core/text.py): everything written
to stdout and stderr is shown through `show_text`, a table cell or a row of
`ticket show` through `show_line`, and JSON escapes what a terminal obeys.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

import click
import msgspec

from core import LOCAL_ADMIN, Desk, DeskError, NoDesk, open_desk, place_of
from core.model import Pipeline, StageState
from core.present import count, counted, say, say_contact_change, say_value, when
from core.properties import say_option
from core.records import Ticket
from core.text import json_safe, show_line, show_text

ACTOR = LOCAL_ADMIN  # one local administrator until users arrive (U1)


class Session:
    """Opens the desk on first use, so `--help` never touches the data dir."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self._desk: Desk | None = None

    @property
    def desk(self) -> Desk:
        """The desk, for a command that changes it, or the app: where there
        is none, a new one is made, and that is said."""
        return self._open(create=True)

    @property
    def reading(self) -> Desk:
        """The desk, for a command that only reads: where there is none (a
        mistyped --data-dir), that is an error and nothing is created."""
        return self._open(create=False)

    def _open(self, create: bool) -> Desk:
        if self._desk is None:
            from core.store.location import data_dir_for

            try:
                self._desk = open_desk(data_dir_for(self.data_dir), create=create)
            except NoDesk as err:
                raise DeskError(f"{err.message} {self._how_to_create(err.path)}") from None
            if self._desk.created:
                click.echo(f"pipedesk: Created a new desk in {place_of(self._desk)}.", err=True)
            for warning in self._desk.warnings:
                click.echo(f"pipedesk: warning: {warning}", err=True)
        return self._desk

    def _how_to_create(self, path: str) -> str:
        if self.data_dir is not None:
            where, app = "--data-dir", f"pipedesk --data-dir {path}"
        elif os.environ.get("PIPEDESK_HOME"):
            where, app = "$PIPEDESK_HOME", "pipedesk"
        else:
            where, app = "the path", "pipedesk"
        return (f"Check {where}; to start a new desk there, open the app once ({app}) "
                "or run a command that changes something.")


    def hand_on(self) -> None:
        """After a command: run what came due and send what it queued, so
        mail leaves without a worker running (one try; a failure waits for
        the next round, `pipedesk worker` or the TUI)."""
        if self._desk is None:
            return
        from core.automation.rounds import work_round

        for line in work_round(self._desk):
            click.echo(f"pipedesk: {line}", err=True)


pass_session = click.make_pass_decorator(Session)


def json_option(f: Any) -> Any:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(f)


def emit_json(data: Any) -> None:
    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def parse_assignments(pairs: Iterable[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.UsageError(f"{pair!r} is not NAME=VALUE.")
        values[name.strip()] = value
    return values


set_option = click.option("--set", "assignments", multiple=True, metavar="NAME=VALUE",
                          help="Set a property (repeatable).")


# -- arguments are text -----------------------------------------------------------


def refuse_arguments_not_utf8(ctx: click.Context) -> None:
    """Python hands over bytes that are not UTF-8 (`--subject $'bad \\xff'`)
    as lone surrogates, which no file and no terminal can take: refuse such
    an argument before the command runs, naming it, with the bytes shown."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        for given in value if isinstance(value, tuple | list) else (value,):
            if not isinstance(given, str | Path):
                continue
            text = str(given)
            bad = next((n for n, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF), None)
            if bad is None:
                continue
            name = param.opts[-1] if isinstance(param, click.Option) else \
                param.human_readable_name
            shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            byte = f"byte 0x{ord(text[bad]) - 0xDC00:02X}" if ord(text[bad]) >= 0xDC80 else \
                "a broken character"
            raise DeskError(f"{name} is not UTF-8 text: '{show_line(shown)}' has {byte} at "
                            f"position {bad + 1}; give it in UTF-8.")


class TextCommand(click.Command):
    """A command whose arguments are checked to be text (above)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        refuse_arguments_not_utf8(ctx)
        return rest


class TextGroup(click.Group):
    """A group like `TextCommand`; its commands and sub-groups are too."""

    command_class = TextCommand
    group_class = type

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        refuse_arguments_not_utf8(ctx)
        return rest


@click.group(cls=TextGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the desk keeps its files (default: $PIPEDESK_HOME, "
                   "else the user data dir).")
@click.version_option(package_name="pipedesk")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """pipedesk: a keyboard-driven terminal helpdesk.

    With no command, opens the board.
    """
    session = ctx.ensure_object(Session)
    session.data_dir = data_dir
    ctx.call_on_close(session.hand_on)
    if ctx.invoked_subcommand is None:
        from tui.app import run

        run(session.desk)


@cli.command()
@click.option("--tickets", "tickets", type=click.IntRange(1, 1_000_000), default=200,
              show_default=True, help="How many sample tickets.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="The same seed gives the same tickets.")
@click.option("--pipeline", help="Pipeline to fill (default: the first).")
@pass_session
def demo(session: Session, tickets: int, seed: int, pipeline: str | None) -> None:
    """Add sample tickets, contacts and agents."""
    from core.demo import add_demo_tickets

    add_demo_tickets(session.desk, ACTOR, tickets, seed, pipeline)
    click.echo(f"Added {counted(tickets, 'sample ticket')}.")


# -- pipelines -----------------------------------------------------------------


@cli.group()
def pipeline() -> None:
    """Pipelines: list, create, rename, reorder, delete."""


def pipeline_data(desk: Desk, p: Pipeline, position: int) -> dict[str, Any]:
    counts = desk.stage_counts(p.id, ACTOR)
    open_ids = {s.id for s in p.stages if s.is_open}
    return {
        "id": p.id,
        "label": p.label,
        "position": position,
        "stages": [stage_data(s, n, counts[s.id]) for n, s in enumerate(p.stages, start=1)],
        "card_properties": list(p.card_properties),
        "close_date_rule": p.automation.close_date,
        "open_tickets": sum(n for sid, n in counts.items() if sid in open_ids),
        "closed_tickets": sum(n for sid, n in counts.items() if sid not in open_ids),
    }


def stage_data(s: Any, position: int, tickets: int) -> dict[str, Any]:
    return {"id": s.id, "label": s.label, "state": s.state.value, "position": position,
            "tickets": tickets,
            "properties": [{"name": sp.name, "required": sp.required} for sp in s.properties]}


@pipeline.command("list")
@json_option
@pass_session
def pipeline_list(session: Session, as_json: bool) -> None:
    """Pipelines in their order, with open and closed ticket counts."""
    desk = session.reading
    rows = [pipeline_data(desk, p, n) for n, p in enumerate(desk.pipelines(ACTOR), start=1)]
    if as_json:
        emit_json(rows)
        return
    table(["#", "ID", "LABEL", "STAGES", "OPEN TICKETS", "CLOSED TICKETS"],
          [[r["position"], r["id"], r["label"], len(r["stages"]), count(r["open_tickets"]),
            count(r["closed_tickets"])] for r in rows])


@pipeline.command("create")
@click.argument("label")
@pass_session
def pipeline_create(session: Session, label: str) -> None:
    """Create a pipeline with the four default stages (P2)."""
    p = session.desk.create_pipeline(label, ACTOR)
    stages = ", ".join(f"{s.label} ({s.id})" for s in p.stages)
    click.echo(f"Created pipeline {p.id} '{p.label}' with stages {stages}.")


@pipeline.command("rename")
@click.argument("pipeline_ref", metavar="P")
@click.argument("label")
@pass_session
def pipeline_rename(session: Session, pipeline_ref: str, label: str) -> None:
    """Rename a pipeline; its id stays (P3)."""
    p = session.desk.rename_pipeline(pipeline_ref, label, ACTOR)
    click.echo(f"Pipeline {p.id} is now '{p.label}'.")


@pipeline.command("reorder")
@click.argument("pipeline_ref", metavar="P")
@click.argument("position", type=int)
@pass_session
def pipeline_reorder(session: Session, pipeline_ref: str, position: int) -> None:
    """Move a pipeline to POSITION (1 is first) (P4)."""
    p = session.desk.reorder_pipeline(pipeline_ref, position, ACTOR)
    click.echo(f"Pipeline '{p.label}' is now number {position}.")


@pipeline.command("delete")
@click.argument("pipeline_ref", metavar="P")
@pass_session
def pipeline_delete(session: Session, pipeline_ref: str) -> None:
    """Delete an empty pipeline (P5)."""
    p = session.desk.delete_pipeline(pipeline_ref, ACTOR)
    click.echo(f"Deleted pipeline {p.id} '{p.label}'.")


@pipeline.command("cards")
@click.argument("pipeline_ref", metavar="P")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@pass_session
def pipeline_cards(session: Session, pipeline_ref: str, names: Sequence[str]) -> None:
    """Choose the properties the pipeline's cards show, in order (P7)."""
    p = session.desk.set_card_properties(pipeline_ref, names, ACTOR)
    click.echo(f"Cards of '{p.label}' show: {', '.join(p.card_properties)}.")


# -- stages --------------------------------------------------------------------


@cli.group()
def stage() -> None:
    """Stages of a pipeline: list, add, rename, reorder, set-state, delete."""


STATE = click.Choice([s.value for s in StageState], case_sensitive=False)


@stage.command("list")
@click.argument("pipeline_ref", metavar="P")
@json_option
@pass_session
def stage_list(session: Session, pipeline_ref: str, as_json: bool) -> None:
    """A pipeline's stages in order, with ids (S5) and ticket counts."""
    desk = session.reading
    p = desk.pipeline(pipeline_ref, ACTOR)
    counts = desk.stage_counts(p.id, ACTOR)
    rows = [stage_data(s, n, counts[s.id]) for n, s in enumerate(p.stages, start=1)]
    if as_json:
        emit_json(rows)
        return
    click.echo(f"{p.label} ({p.id})")
    table(["#", "ID", "LABEL", "STATE", "TICKETS"],
          [[r["position"], r["id"], r["label"], r["state"].capitalize(), count(r["tickets"])]
           for r in rows])


@stage.command("add")
@click.argument("pipeline_ref", metavar="P")
@click.argument("label")
@click.option("--state", type=STATE, required=True, help="open or closed.")
@pass_session
def stage_add(session: Session, pipeline_ref: str, label: str, state: str) -> None:
    """Add a stage at the end of a pipeline (S1)."""
    s = session.desk.add_stage(pipeline_ref, label, state, ACTOR)
    click.echo(f"Added stage {s.id} '{s.label}' ({s.state.value}).")


@stage.command("rename")
@click.argument("stage_ref", metavar="S")
@click.argument("label")
@pass_session
def stage_rename(session: Session, stage_ref: str, label: str) -> None:
    """Rename a stage; its id stays (S3)."""
    s = session.desk.rename_stage(stage_ref, label, ACTOR)
    click.echo(f"Stage {s.id} is now '{s.label}'.")


@stage.command("reorder")
@click.argument("stage_ref", metavar="S")
@click.argument("position", type=int)
@pass_session
def stage_reorder(session: Session, stage_ref: str, position: int) -> None:
    """Move a stage to POSITION within its pipeline (S4)."""
    s = session.desk.reorder_stage(stage_ref, position, ACTOR)
    click.echo(f"Stage '{s.label}' is now number {position}.")


@stage.command("set-state")
@click.argument("stage_ref", metavar="S")
@click.argument("state", type=STATE)
@pass_session
def stage_set_state(session: Session, stage_ref: str, state: str) -> None:
    """Make a stage open or closed (S2 keeps one of each)."""
    s = session.desk.set_stage_state(stage_ref, state, ACTOR)
    click.echo(f"Stage '{s.label}' is now {s.state.value}.")


@stage.command("delete")
@click.argument("stage_ref", metavar="S")
@click.option("--move-to", "move_to", metavar="S2",
              help="Stage of the same pipeline that takes its tickets.")
@pass_session
def stage_delete(session: Session, stage_ref: str, move_to: str | None) -> None:
    """Delete a stage, moving its tickets to S2 in the same step (S6)."""
    desk = session.desk
    held = len(desk.tickets(ACTOR, stage=stage_ref)) if move_to else 0
    s = desk.delete_stage(stage_ref, ACTOR, move_to=move_to)
    moved = f"; {counted(held, 'ticket')} moved" if held else ""
    click.echo(f"Deleted stage {s.id} '{s.label}'{moved}.")


@stage.command("props")
@click.argument("stage_ref", metavar="S")
@click.option("--add", "add", metavar="NAME", help="Ask for this property on entering.")
@click.option("--required/--optional", "required", default=None,
              help="With --add: a value is needed to enter, or not (default: optional "
                   "when added, unchanged when the stage asks for it already).")
@click.option("--remove", "remove", metavar="NAME", help="Stop asking for this property.")
@json_option
@pass_session
def stage_props(session: Session, stage_ref: str, add: str | None, required: bool | None,
                remove: str | None, as_json: bool) -> None:
    """A stage's conditional properties (S7): list, add, remove."""
    if required is not None and not add:
        flag = "--required" if required else "--optional"
        raise click.UsageError(f"{flag} goes with --add NAME.")
    desk = session.desk if add or remove else session.reading
    if add:
        said = stage_property_change(desk, stage_ref, add, required)
        # On stderr, so that --json output stays JSON alone.
        click.echo(said, err=as_json)
    if remove:
        desk.remove_stage_property(stage_ref, remove, ACTOR)
    pipe, s = desk.stage(stage_ref, ACTOR)
    rows = [{"name": sp.name, "label": desk.property(sp.name).label, "required": sp.required}
            for sp in s.properties]
    if as_json:
        emit_json(rows)
        return
    click.echo(f"{s.label} ({s.id}) in {pipe.label}")
    table(["NAME", "LABEL", "REQUIRED"],
          [[r["name"], r["label"], "yes" if r["required"] else "no"] for r in rows])


def stage_property_change(desk: Desk, stage_ref: str, name: str,
                          required: bool | None) -> str:
    """Add or mark a conditional property; what changed, in a sentence."""
    _, before = desk.stage(stage_ref, ACTOR)
    had = next((sp.required for sp in before.properties
                if sp.name == desk.property(name).name), None)
    s = desk.set_stage_property(stage_ref, name, ACTOR, required=required)
    sp = next(sp for sp in s.properties if sp.name == desk.property(name).name)
    label = desk.property(sp.name).label
    flag = "required" if sp.required else "optional"
    if had is None:
        return f"Stage '{s.label}' now asks for {label} ({flag})."
    if had == sp.required:
        return f"{label} is already {flag} in '{s.label}'; nothing changed."
    return f"{label} is now {flag} in '{s.label}'."


# -- properties ----------------------------------------------------------------


@cli.group("property")
def property_group() -> None:
    """Ticket properties: list, create, edit, archive."""


@property_group.command("list")
@click.option("--archived", is_flag=True, help="Include archived properties.")
@json_option
@pass_session
def property_list(session: Session, archived: bool, as_json: bool) -> None:
    """Built-in and custom properties with their types."""
    props = session.reading.properties(ACTOR, archived=archived)
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
    p = session.desk.create_property(name, type_, ACTOR, label=label, options=options)
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
    p = session.desk.edit_property(name, ACTOR, label=label, options=options or None)
    said = f" options: {', '.join(p.options)}" if options else ""
    click.echo(f"Changed property {p.name} '{p.label}'{said}.")


@property_group.command("archive")
@click.argument("name")
@pass_session
def property_archive(session: Session, name: str) -> None:
    """Archive a custom property (its values stay on tickets)."""
    p = session.desk.archive_property(name, ACTOR)
    click.echo(f"Archived property {p.name}.")


# -- contacts ------------------------------------------------------------------


@cli.group()
def contact() -> None:
    """Contacts: the customers tickets are about."""


@contact.command("list")
@json_option
@pass_session
def contact_list(session: Session, as_json: bool) -> None:
    """All contacts, by email, with how many tickets name each."""
    contacts = session.reading.contacts(ACTOR)
    counts = session.reading.tickets_per_contact(ACTOR)
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
    c = session.desk.add_contact(email, ACTOR, name=name, marketing=marketing)
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
    before = desk.contact(email, ACTOR)
    after = desk.edit_contact(email, ACTOR, name=name, marketing=marketing)
    click.echo(say_contact_change(before, after))


# -- tickets -------------------------------------------------------------------


@cli.group()
def ticket() -> None:
    """Tickets: create, list, show, move, set, delete."""


def ticket_data(desk: Desk, t: Ticket) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(t)
    pipe, stage_ = desk.stage(t.stage, ACTOR)
    data["pipeline_label"] = pipe.label
    data["stage_label"] = stage_.label
    data["stage_state"] = stage_.state.value
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
    t = desk.create_ticket(ACTOR, pipeline_ref, stage_ref, subject, contact=contact_email,
                           values=parse_assignments(assignments))
    pipe, stage_ = desk.stage(t.stage, ACTOR)
    click.echo(f"Created ticket #{t.id} in {pipe.label} / {stage_.label}.")


@ticket.command("list")
@click.option("--pipeline", "pipeline_ref", metavar="P")
@click.option("--stage", "stage_ref", metavar="S")
@json_option
@pass_session
def ticket_list(session: Session, pipeline_ref: str | None, stage_ref: str | None,
                as_json: bool) -> None:
    """Tickets, oldest first; narrowed to a pipeline and/or a stage."""
    desk = session.reading
    tickets = desk.tickets(ACTOR, pipeline=pipeline_ref, stage=stage_ref)
    if as_json:
        emit_json([ticket_data(desk, t) for t in tickets])
        return
    pipelines = desk.pipelines(ACTOR)
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


@ticket.command("show")
@click.argument("ticket_id", metavar="ID")
@json_option
@pass_session
def ticket_show(session: Session, ticket_id: str, as_json: bool) -> None:
    """A ticket's properties and its timeline (T7)."""
    desk = session.reading
    t = desk.ticket(ticket_id, ACTOR)
    timeline = desk.timeline(t.id, ACTOR)
    if as_json:
        emit_json({"ticket": ticket_data(desk, t), "timeline": [i.as_dict() for i in timeline]})
        return
    data = ticket_data(desk, t)
    click.echo(f"#{t.id} {show_line(t.subject)}")
    now = desk.now()
    shown = [("Pipeline", data["pipeline_label"]),
             ("Stage", f"{data['stage_label']} ({data['stage_state']})")]
    shown += [(p.label, say(desk.config, t, p.name, now)) for p in desk.properties(ACTOR)
              if p.name not in ("subject", "content", "pipeline", "stage")]
    width = max(len(k) for k, _ in shown)
    for key, value in shown:
        click.echo(f"  {show_line(key):<{width}}  {show_line(value)}")
    if t.content:
        click.echo("\n" + t.content)
    click.echo("\nTimeline")
    for item in timeline:
        click.echo(show_line(f"  {when(item.at)}  {item.actor}  {item.what}"))
        for prop, before, after in item.changes:
            click.echo(show_line(f"      {prop}: {before} -> {after}"))


@ticket.command("move")
@click.argument("ticket_id", metavar="ID")
@click.argument("stage_ref", metavar="S")
@click.option("--pipeline", "pipeline_ref", metavar="P",
              help="Move into another pipeline (S is then one of its stages).")
@set_option
@pass_session
def ticket_move(session: Session, ticket_id: str, stage_ref: str, pipeline_ref: str | None,
                assignments: Sequence[str]) -> None:
    """Move a ticket to stage S (T2), setting properties on the way (S7)."""
    desk = session.desk
    t = desk.move_ticket(ticket_id, stage_ref, ACTOR, pipeline=pipeline_ref,
                         values=parse_assignments(assignments))
    pipe, stage_ = desk.stage(t.stage, ACTOR)
    click.echo(f"Ticket #{t.id} is in {pipe.label} / {stage_.label}.")


@ticket.command("set")
@click.argument("ticket_id", metavar="ID")
@click.argument("assignments", nargs=-1, required=True, metavar="NAME=VALUE...")
@pass_session
def ticket_set(session: Session, ticket_id: str, assignments: Sequence[str]) -> None:
    """Set properties of a ticket (T4); NAME= clears one."""
    t = session.desk.edit_ticket(ticket_id, parse_assignments(assignments), ACTOR)
    click.echo(f"Ticket #{t.id} updated.")


@ticket.command("delete")
@click.argument("ticket_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@pass_session
def ticket_delete(session: Session, ticket_id: str, yes: bool) -> None:
    """Delete a ticket, after confirmation (T5)."""
    desk = session.desk
    t = desk.ticket(ticket_id, ACTOR)
    if not yes:
        if not sys.stdin.isatty():
            raise click.UsageError("Deleting asks for confirmation: add --yes.")
        click.confirm(f"Delete ticket #{t.id} '{show_line(t.subject)}'?", abort=True)
    desk.delete_ticket(t.id, ACTOR)
    click.echo(f"Deleted ticket #{t.id}.")


# -- output --------------------------------------------------------------------



def table(headers: list[str], rows: list[list[Any]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    for row in [headers, *cells]:
        # One row per line, whatever a cell holds: the line is shown as one
        # (show_line keeps its length, so the columns stay aligned).
        line = "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))
        click.echo(show_line(line).rstrip())


class ShownStream:
    """stdout or stderr, writing what it is given through `show_text`: a
    subject, a label or a message quoting one reaches the terminal as text,
    never as a control sequence (core/text.py). It has no `buffer`, so
    click writes text here, never bytes around it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.encoding = stream.encoding
        self.errors = stream.errors

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("ShownStream takes text")
        self._stream.write(show_text(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()

    def writable(self) -> bool:
        return True


@contextmanager
def shown_output() -> Iterator[None]:
    """While a command runs, stdout and stderr are `ShownStream`s."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = cast(TextIO, ShownStream(out)), cast(TextIO, ShownStream(err))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: map every refusal to exit 1 with its message."""
    with shown_output():
        _main(argv)


def _main(argv: Sequence[str] | None) -> None:
    try:
        code = cli.main(args=argv, prog_name="pipedesk", standalone_mode=False)
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


# The automation commands register themselves on `cli`.
from tui import cli_automation  # noqa: E402, F401

if __name__ == "__main__":
    main(sys.argv[1:])

