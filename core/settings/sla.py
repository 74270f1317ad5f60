"""A pipeline's SLA targets and waiting stages (issue 17 item 3): pure
edits of a draft of the settings, which `Desk` applies. What the clocks
then show is core/sla.py."""

from __future__ import annotations

from typing import cast, get_args

from core.automation.actions import parse_duration
from core.errors import DeskError
from core.finding import find_pipeline, find_stage
from core.model import DeskConfig, PipelineSla, SlaPriority, SlaTarget

SLA_PRIORITIES: tuple[str, ...] = get_args(SlaPriority)
# What clears a target: the command line's and the form's word for none.
NO_TARGET = ("", "none", "-")


def set_target(config: DeskConfig, pipeline_ref: str, priority: str,
               respond: str | None = None, resolve: str | None = None) -> SlaTarget:
    """The targets for one priority: `respond`, `resolve` as durations
    ("30m", "4h"), "none" to take one away, None to leave it as it is."""
    pipeline = find_pipeline(config, pipeline_ref)
    level = priority.strip().casefold()
    if level not in SLA_PRIORITIES:
        raise DeskError(f"A priority is {', '.join(SLA_PRIORITIES)}; not {priority!r}.")
    if respond is None and resolve is None:
        raise DeskError("Give a target to respond in, to resolve in, or both (such as 30m "
                        "or 4h; none takes one away).")
    held = pipeline.sla.targets.get(cast(SlaPriority, level), SlaTarget())
    values = {"respond": held.respond, "resolve": held.resolve}
    for name, given in (("respond", respond), ("resolve", resolve)):
        if given is None:
            continue
        if given.strip().casefold() in NO_TARGET:
            values[name] = None
            continue
        try:
            parse_duration(given, f"a target to {name} in")
        except ValueError as err:
            raise DeskError(f"{str(err)[0].upper()}{str(err)[1:]}.") from None
        values[name] = given.strip()
    target = SlaTarget(**values)
    targets = dict(pipeline.sla.targets)
    if target.respond is None and target.resolve is None:
        targets.pop(cast(SlaPriority, level), None)
    else:
        targets[cast(SlaPriority, level)] = target
    pipeline.sla = pipeline.sla.model_copy(update={"targets": targets})
    return target


def set_waiting(config: DeskConfig, pipeline_ref: str, stage_refs: list[str]) -> PipelineSla:
    """The stages where the clocks stop (waiting on the customer): Open
    stages of the pipeline; none at all is an empty list."""
    pipeline = find_pipeline(config, pipeline_ref)
    ids: list[str] = []
    for ref in stage_refs:
        stage = find_stage(config, ref, pipeline)[1]
        if not stage.is_open:
            raise DeskError(f"'{stage.label}' is a Closed stage, where no clock runs; give "
                            "Open stages.")
        if stage.id not in ids:
            ids.append(stage.id)
    pipeline.sla = pipeline.sla.model_copy(update={"waiting": ids})
    return pipeline.sla
