"""`pipedesk pipeline …`: list, create, rename, reorder, delete pipelines and
choose what their cards show (P2–P5, P7)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core import Actor, Desk
from core.model import Pipeline
from core.present import count


@group()
def pipeline() -> None:
    """Pipelines: list, create, rename, reorder, delete."""


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
    rows = [pipeline_data(desk, session.actor, p, n)
            for n, p in enumerate(desk.pipelines(session.actor), start=1)]
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
