"""Finding a pipeline or a stage by what people and integrations call it:
the internal id (P8), or a label where it fits one; and every action of the
desk, where it is. Used by `Desk` and by the stage edits applied to a draft
of the settings."""

from __future__ import annotations

from collections.abc import Iterator

from core.automation.actions import Action, Path, walk
from core.errors import DeskError, NotFound
from core.model import DeskConfig, Pipeline, Stage


def find_pipeline(config: DeskConfig, ref: str) -> Pipeline:
    """P8: by internal id; a label is accepted where it fits one pipeline."""
    key = ref.strip()
    for p in config.pipelines:
        if p.id == key:
            return p
    fits = [p for p in config.pipelines if p.label.casefold() == key.casefold()]
    if len(fits) == 1:
        return fits[0]
    known = ", ".join(f"{p.id} ({p.label})" for p in config.pipelines)
    raise NotFound(f"No pipeline {ref!r}. Pipelines: {known}.")


def find_stage(config: DeskConfig, ref: str, within: Pipeline | None = None,
               ids_anywhere: bool = False) -> tuple[Pipeline, Stage]:
    """A stage by internal id or by label, within `within` (the whole desk
    when no pipeline is given), if only one stage fits. With `ids_anywhere`,
    an id names a stage of any pipeline (a move into another pipeline)."""
    key = ref.strip()
    for p in config.pipelines:
        for s in p.stages:
            if s.id == key:
                if within is not None and p.id != within.id and not ids_anywhere:
                    raise DeskError(f"Stage {s.id} ('{s.label}') is in '{p.label}', "
                                    f"not in '{within.label}'.")
                return p, s
    scope = [within] if within is not None else config.pipelines
    fits = [(p, s) for p in scope for s in p.stages if s.label.casefold() == key.casefold()]
    if len(fits) == 1:
        return fits[0]
    if fits:
        which = ", ".join(f"{s.id} in '{p.label}'" for p, s in fits)
        raise DeskError(f"'{ref}' fits {len(fits)} stages: {which}. Name it by its id.")
    where = f" in '{within.label}'" if within is not None else ""
    stages = ", ".join(f"{s.id} ({s.label})" for p in scope for s in p.stages)
    raise NotFound(f"No stage {ref!r}{where}. Stages: {stages}.")


def every_action(config: DeskConfig) -> Iterator[tuple[Pipeline, Stage, Path, Action]]:
    """Every action of the desk, with its pipeline, stage and path: for the
    rules that ask what the automation names (a template, a property, a
    stage) before that thing goes. (Here, not in core/automation/actions.py,
    which the settings' model imports: the actions know no settings.)"""
    for pipeline in config.pipelines:
        for stage in pipeline.stages:
            for path, action in walk(stage.actions):
                yield pipeline, stage, path, action
