"""`pipedesk stage …`: a pipeline's stages (S1–S6) and the properties a
stage asks for on entering (S7)."""

from __future__ import annotations

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from cli.pipelines import stage_data
from core import Actor, Desk
from core.model import StageState
from core.present import count, counted


@group()
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
    p = desk.pipeline(pipeline_ref, session.actor)
    counts = desk.stage_counts(p.id, session.actor)
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
    s = session.desk.add_stage(pipeline_ref, label, state, session.actor)
    click.echo(f"Added stage {s.id} '{s.label}' ({s.state.value}).")


@stage.command("rename")
@click.argument("stage_ref", metavar="S")
@click.argument("label")
@pass_session
def stage_rename(session: Session, stage_ref: str, label: str) -> None:
    """Rename a stage; its id stays (S3)."""
    s = session.desk.rename_stage(stage_ref, label, session.actor)
    click.echo(f"Stage {s.id} is now '{s.label}'.")


@stage.command("reorder")
@click.argument("stage_ref", metavar="S")
@click.argument("position", type=int)
@pass_session
def stage_reorder(session: Session, stage_ref: str, position: int) -> None:
    """Move a stage to POSITION within its pipeline (S4)."""
    s = session.desk.reorder_stage(stage_ref, position, session.actor)
    click.echo(f"Stage '{s.label}' is now number {position}.")


@stage.command("set-state")
@click.argument("stage_ref", metavar="S")
@click.argument("state", type=STATE)
@pass_session
def stage_set_state(session: Session, stage_ref: str, state: str) -> None:
    """Make a stage open or closed (S2 keeps one of each)."""
    s = session.desk.set_stage_state(stage_ref, state, session.actor)
    click.echo(f"Stage '{s.label}' is now {s.state.value}.")


@stage.command("delete")
@click.argument("stage_ref", metavar="S")
@click.option("--move-to", "move_to", metavar="S2",
              help="Stage of the same pipeline that takes its tickets.")
@pass_session
def stage_delete(session: Session, stage_ref: str, move_to: str | None) -> None:
    """Delete a stage, moving its tickets to S2 in the same step (S6)."""
    desk = session.desk
    held = len(desk.tickets(session.actor, stage=stage_ref)) if move_to else 0
    s = desk.delete_stage(stage_ref, session.actor, move_to=move_to)
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
        said = stage_property_change(desk, session.actor, stage_ref, add, required)
        # On stderr, so that --json output stays JSON alone.
        click.echo(said, err=as_json)
    if remove:
        desk.remove_stage_property(stage_ref, remove, session.actor)
    pipe, s = desk.stage(stage_ref, session.actor)
    rows = [{"name": sp.name, "label": desk.property(sp.name).label, "required": sp.required}
            for sp in s.properties]
    if as_json:
        emit_json(rows)
        return
    click.echo(f"{s.label} ({s.id}) in {pipe.label}")
    table(["NAME", "LABEL", "REQUIRED"],
          [[r["name"], r["label"], "yes" if r["required"] else "no"] for r in rows])


def stage_property_change(desk: Desk, actor: Actor, stage_ref: str, name: str,
                          required: bool | None) -> str:
    """Add or mark a conditional property; what changed, in a sentence."""
    _, before = desk.stage(stage_ref, actor)
    had = next((sp.required for sp in before.properties
                if sp.name == desk.property(name).name), None)
    s = desk.set_stage_property(stage_ref, name, actor, required=required)
    sp = next(sp for sp in s.properties if sp.name == desk.property(name).name)
    label = desk.property(sp.name).label
    flag = "required" if sp.required else "optional"
    if had is None:
        return f"Stage '{s.label}' now asks for {label} ({flag})."
    if had == sp.required:
        return f"{label} is already {flag} in '{s.label}'; nothing changed."
    return f"{label} is now {flag} in '{s.label}'."

