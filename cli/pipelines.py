"""`pipedesk pipeline …`: list, create, rename, reorder, delete pipelines,
choose what their cards show (P2–P5, P7) and who may view and edit them (P6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core import Actor, Desk
from core.model import Pipeline, PipelineAccess
from core.present import count
from core.settings.sla import SLA_PRIORITIES


@group()
def pipeline() -> None:
    """Pipelines: list, create, rename, reorder, delete, access."""


def audience_data(desk: Desk, actor: Actor, entries: list[str] | None
                  ) -> list[dict[str, str]] | None:
    """A P6 list as JSON: None is everyone; else each user or team named,
    with its kind, id and name."""
    if entries is None:
        return None
    names = {f"user:{u.id}": u.name for u in desk.users(actor)}
    names.update({f"team:{t.id}": t.name for t in desk.teams(actor)})
    return [{"kind": e.partition(":")[0], "id": e.partition(":")[2],
             "name": names.get(e, e.partition(":")[2])} for e in entries]


def audience_said(audience: list[dict[str, str]] | None) -> str:
    """A P6 list as a person reads it: "everyone", or "team Support, Ingrid Berg"."""
    if audience is None:
        return "everyone"
    if not audience:
        return "administrators only"
    return ", ".join(f"team {a['name']}" if a["kind"] == "team" else a["name"]
                     for a in audience)


def access_data(desk: Desk, actor: Actor, access: PipelineAccess) -> dict[str, Any]:
    return {"view": audience_data(desk, actor, access.view),
            "edit": audience_data(desk, actor, access.edit)}


def pipeline_data(desk: Desk, actor: Actor, p: Pipeline, position: int) -> dict[str, Any]:
    counts = desk.stage_counts(p.id, actor)
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
        "access": access_data(desk, actor, p.access),
    }


def stage_data(s: Any, position: int, tickets: int) -> dict[str, Any]:
    return {"id": s.id, "label": s.label, "state": s.state.value, "position": position,
            "tickets": tickets,
            "properties": [{"name": sp.name, "required": sp.required} for sp in s.properties]}


@pipeline.command("list")
@json_option
@pass_session
def pipeline_list(session: Session, as_json: bool) -> None:
    """Pipelines in their order, with open and closed ticket counts, and
    who may view and edit each where one is not everyone's (P6;
    administrators always may)."""
    desk = session.reading
    rows = [pipeline_data(desk, session.actor, p, n)
            for n, p in enumerate(desk.pipelines(session.actor), start=1)]
    if as_json:
        emit_json(rows)
        return
    headers = ["#", "ID", "LABEL", "STAGES", "OPEN TICKETS", "CLOSED TICKETS"]
    cells = [[r["position"], r["id"], r["label"], len(r["stages"]), count(r["open_tickets"]),
              count(r["closed_tickets"])] for r in rows]
    # P6: on a desk where every pipeline is everyone's (the default) the
    # table stays as narrow as ever; once one is not, each row says who.
    if any(r["access"] != {"view": None, "edit": None} for r in rows):
        headers += ["VIEW", "EDIT"]
        for row, r in zip(cells, rows, strict=True):
            row += [audience_said(r["access"]["view"]), audience_said(r["access"]["edit"])]
    table(headers, cells)


@pipeline.command("create")
@click.argument("label")
@pass_session
def pipeline_create(session: Session, label: str) -> None:
    """Create a pipeline with the four default stages (P2)."""
    p = session.desk.create_pipeline(label, session.actor)
    stages = ", ".join(f"{s.label} ({s.id})" for s in p.stages)
    click.echo(f"Created pipeline {p.id} '{p.label}' with stages {stages}.")


@pipeline.command("rename")
@click.argument("pipeline_ref", metavar="P")
@click.argument("label")
@pass_session
def pipeline_rename(session: Session, pipeline_ref: str, label: str) -> None:
    """Rename a pipeline; its id stays (P3)."""
    p = session.desk.rename_pipeline(pipeline_ref, label, session.actor)
    click.echo(f"Pipeline {p.id} is now '{p.label}'.")


@pipeline.command("reorder")
@click.argument("pipeline_ref", metavar="P")
@click.argument("position", type=int)
@pass_session
def pipeline_reorder(session: Session, pipeline_ref: str, position: int) -> None:
    """Move a pipeline to POSITION (1 is first) (P4)."""
    p = session.desk.reorder_pipeline(pipeline_ref, position, session.actor)
    click.echo(f"Pipeline '{p.label}' is now number {position}.")


@pipeline.command("delete")
@click.argument("pipeline_ref", metavar="P")
@pass_session
def pipeline_delete(session: Session, pipeline_ref: str) -> None:
    """Delete an empty pipeline (P5)."""
    p = session.desk.delete_pipeline(pipeline_ref, session.actor)
    click.echo(f"Deleted pipeline {p.id} '{p.label}'.")


@pipeline.command("cards")
@click.argument("pipeline_ref", metavar="P")
@click.argument("names", nargs=-1, required=True, metavar="NAME...")
@pass_session
def pipeline_cards(session: Session, pipeline_ref: str, names: Sequence[str]) -> None:
    """Choose the properties the pipeline's cards show, in order (P7)."""
    p = session.desk.set_card_properties(pipeline_ref, names, session.actor)
    click.echo(f"Cards of '{p.label}' show: {', '.join(p.card_properties)}.")


@pipeline.command("access")
@click.argument("pipeline_ref", metavar="P")
@click.option("--view", multiple=True, metavar="U|T",
              help="Who may view the pipeline: a user (id, login or email) or a team (id or "
                   "name); repeatable. Replaces the view list.")
@click.option("--edit", multiple=True, metavar="U|T",
              help="Who may change its tickets; repeatable. Replaces the edit list.")
@click.option("--everyone", is_flag=True, help="Everyone may view and edit (the default).")
@json_option
@pass_session
def pipeline_access(session: Session, pipeline_ref: str, view: Sequence[str],
                    edit: Sequence[str], everyone: bool, as_json: bool) -> None:
    """Who may view and who may edit a pipeline's tickets (P6); with no
    option, show it.

    --view replaces the view list and leaves the edit list as it is, and
    --edit the other way round; give both to set both. Editing needs
    viewing too: someone on the edit list but not the view list may do
    neither. Write user:X or team:X where a name is both. --everyone (alone)
    lets everyone view and edit again; after it, --edit T alone lets
    everyone view and T edit. Administrators always view and edit every
    pipeline.
    """
    if everyone and (view or edit):
        raise click.UsageError("--everyone resets both lists; give it alone, or give "
                               "--view/--edit without it.")
    if everyone or view or edit:
        desk = session.desk
        # What is not given stays: the list in force is handed back as is.
        now = desk.pipeline(pipeline_ref, session.actor).access
        p = desk.set_pipeline_access(
            pipeline_ref, session.actor,
            view=None if everyone else list(view) if view else now.view,
            edit=None if everyone else list(edit) if edit else now.edit)
    else:
        desk = session.reading
        p = desk.pipeline(pipeline_ref, session.actor)
    data = access_data(desk, session.actor, p.access)
    if as_json:
        emit_json({"id": p.id, "label": p.label, **data})
        return
    click.echo(f"Pipeline {p.id} '{p.label}':")
    click.echo(f"  view: {audience_said(data['view'])}")
    click.echo(f"  edit: {audience_said(data['edit'])}")


@pipeline.command("sla")
@click.argument("pipeline_ref", metavar="P")
@click.argument("priority", required=False, metavar="[PRIORITY]")
@click.option("--respond", metavar="DURATION",
              help="Time to the first reply, such as 30m or 4h; none takes it away.")
@click.option("--resolve", metavar="DURATION",
              help="Time to close the ticket, such as 4h or 2d; none takes it away.")
@click.option("--waiting", multiple=True, metavar="S",
              help="A stage where the clocks stop (waiting on the customer); repeatable. "
                   "Replaces the list; --no-waiting empties it.")
@click.option("--no-waiting", is_flag=True, help="No stage stops the clocks.")
@json_option
@pass_session
def pipeline_sla(session: Session, pipeline_ref: str, priority: str | None,
                 respond: str | None, resolve: str | None, waiting: Sequence[str],
                 no_waiting: bool, as_json: bool) -> None:
    """A pipeline's SLA targets per priority (issue 17); with no option,
    show them.

    `pipedesk pipeline sla support urgent --respond 30m --resolve 4h` sets
    Urgent's targets; an open ticket's clock then shows on its card, in
    the triage queue and in `ticket list --json`. The time a ticket spends
    in a waiting stage (by default, Waiting on contact) does not count.
    """
    if (respond is not None or resolve is not None) and priority is None:
        raise click.UsageError("Name the priority the targets are for (low, medium, high, "
                               "urgent).")
    if waiting and no_waiting:
        raise click.UsageError("--no-waiting empties the list; give it or --waiting, not both.")
    if priority is not None and respond is None and resolve is None:
        raise click.UsageError("Give --respond, --resolve or both for the priority.")
    changing = priority is not None or bool(waiting) or no_waiting
    desk = session.desk if changing else session.reading
    if changing:
        if priority is not None:
            desk.set_sla_target(pipeline_ref, priority, session.actor, respond=respond,
                                resolve=resolve)
        if waiting or no_waiting:
            desk.set_sla_waiting(pipeline_ref, list(waiting), session.actor)
    p = desk.pipeline(pipeline_ref, session.actor)
    stages = {s.id: s.label for s in p.stages}
    targets = {level: {"respond": t.respond, "resolve": t.resolve}
               for level, t in p.sla.targets.items()}
    data = {"id": p.id, "label": p.label, "targets": targets,
            "waiting": [stages.get(s, s) for s in p.sla.waiting or ()]}
    if as_json:
        emit_json(data)
        return
    click.echo(f"Pipeline {p.id} '{p.label}': SLA targets")
    if not targets:
        click.echo("  none yet (pipedesk pipeline sla P PRIORITY --respond 30m --resolve 4h)")
    for level in SLA_PRIORITIES:
        if level in targets:
            t = targets[level]
            click.echo(f"  {level:<7} respond {t['respond'] or '-':<8} resolve "
                       f"{t['resolve'] or '-'}")
    click.echo(f"  clocks stop in: {', '.join(data['waiting']) or 'no stage'}")
