"""Pipelines: create, rename, reorder, delete (P2-P5), their automation
switches (T3 / A2 close date, A5 chat), and what their cards show (P7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.errors import DeskError
from core.finding import find_pipeline
from core.model import DeskConfig, Pipeline, Stage, new_desk_config
from core.present import counted
from core.records import Ticket
from core.rules import card_properties_problem
from core.settings.properties import find_property
from core.stage_edits import label_of, move_to_position


def take_id(config: DeskConfig) -> str:
    """P8: the next internal id for a pipeline or a stage. One counter for
    both, never going back, so an id names one thing in the desk for ever."""
    ident = config.next_id
    config.next_id += 1
    return str(ident)


def create(config: DeskConfig, label: str) -> Pipeline:
    """P2: a new pipeline, last, with the four default stages (as P1's)."""
    label = label_of(label, "pipeline")
    check_label_free(config, label)
    template = new_desk_config().pipelines[0]
    pipeline = Pipeline(
        id=take_id(config), label=label,
        stages=[Stage(id=take_id(config), label=s.label, state=s.state)
                for s in template.stages],
    )
    config.pipelines.append(pipeline)
    return pipeline


def rename(config: DeskConfig, ref: str, label: str) -> Pipeline:
    """P3 (the id stays, P8)."""
    label = label_of(label, "pipeline")
    pipeline = find_pipeline(config, ref)
    check_label_free(config, label, but=pipeline)
    pipeline.label = label
    return pipeline


def reorder(config: DeskConfig, ref: str, position: int) -> Pipeline:
    """P4: move a pipeline to `position` (1 is first)."""
    pipeline = find_pipeline(config, ref)
    move_to_position(config.pipelines, pipeline, position, "pipelines")
    return pipeline


def delete(config: DeskConfig, ref: str, tickets: Mapping[str, Ticket]) -> Pipeline:
    """P5: `tickets` are the desk's; see `deletable`."""
    pipeline = deletable(config, ref, tickets)
    config.pipelines.remove(pipeline)
    return pipeline


def deletable(config: DeskConfig, ref: str, tickets: Mapping[str, Ticket]) -> Pipeline:
    """The pipeline `ref` if P5 lets it go: it holds none of `tickets`,
    and it is not the last one."""
    pipeline = find_pipeline(config, ref)
    held = sum(1 for t in tickets.values() if t.pipeline == pipeline.id)
    if held:
        them = "it" if held == 1 else "them"
        raise DeskError(f"Pipeline '{pipeline.label}' holds {counted(held, 'ticket')}; move "
                        f"{them} to another pipeline or delete {them} first.")
    if len(config.pipelines) == 1:
        raise DeskError(f"Pipeline '{pipeline.label}' is the last pipeline; "
                        "a desk needs at least one.")
    feeding = [c.address for c in config.channels if c.pipeline == pipeline.id]
    if feeding:
        # A1: its channels' mail would have nowhere to go.
        raise DeskError(f"Pipeline '{pipeline.label}' gets the mail of the channel "
                        f"{', '.join(feeding)}; remove the channel or connect it to another "
                        "pipeline first.")
    return pipeline


def set_close_date_rule(config: DeskConfig, ref: str, on: bool) -> Pipeline:
    """T3 / A2: whether moving into a Closed stage sets the close date."""
    return _switch_automation(config, ref, close_date=on)


def set_chat_rule(config: DeskConfig, ref: str, on: bool) -> Pipeline:
    """A5: whether chat and messenger tickets run stage automation."""
    return _switch_automation(config, ref, include_chat=on)


def _switch_automation(config: DeskConfig, ref: str, **switch: bool) -> Pipeline:
    pipeline = find_pipeline(config, ref)
    pipeline.automation = pipeline.automation.model_copy(update=switch)
    return pipeline


def set_card_properties(config: DeskConfig, ref: str, names: Sequence[str]) -> Pipeline:
    """P7: the properties a pipeline's cards show, in order, by name."""
    chosen = [find_property(config, n).name for n in names]
    problem = card_properties_problem(chosen)
    if problem:
        raise DeskError(problem)
    pipeline = find_pipeline(config, ref)
    pipeline.card_properties = chosen
    return pipeline


def check_label_free(config: DeskConfig, label: str, but: Pipeline | None = None) -> None:
    """P2: a pipeline's label is its own in the desk, whatever the case."""
    for p in config.pipelines:
        if p is not but and p.label.casefold() == label.casefold():
            raise DeskError(f"A pipeline labelled '{p.label}' exists already (id {p.id}).")
