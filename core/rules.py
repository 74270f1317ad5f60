"""The desk's standing rules on its settings, checked in one place.

`Desk` checks every settings change against these before it is saved, and
loading desk.toml checks a hand-edited file against the same rules, so the
file and the commands can never disagree about what a valid desk is.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.model import DeskConfig, Pipeline, StageState
from core.properties import BUILTIN_NAMES, BUILTIN_PROPERTIES


def stage_states_problem(pipeline: Pipeline) -> str | None:
    """S2: at least one Open and one Closed stage."""
    states = {s.state for s in pipeline.stages}
    for state in (StageState.OPEN, StageState.CLOSED):
        if state not in states:
            return (f"Pipeline '{pipeline.label}' must keep at least one "
                    f"{state.value.capitalize()} stage.")
    return None


def card_properties_problem(names: Sequence[str]) -> str | None:
    """P7: what a pipeline's cards may show (property names, in order).
    The subject heads every card, so it stays on the list. (A hand-edited
    desk.toml that leaves it out is not refused for that: the board draws
    the subject first whatever the list says.)"""
    if len(set(names)) != len(names):
        return "A property can be shown on a card only once."
    if "subject" not in names:
        return "The subject heads every card; it cannot be taken off the cards."
    return None


def check_settings(config: DeskConfig) -> str | None:
    """The first broken rule in `config`, said for a person, or None."""
    if not config.pipelines:
        return "the desk needs at least one pipeline"
    ids: set[str] = set()
    labels: set[str] = set()
    known_props = {p.name: p for p in (*BUILTIN_PROPERTIES, *config.properties)}
    for pipeline in config.pipelines:
        if pipeline.id in ids:
            return f"id {pipeline.id!r} is used twice (pipeline '{pipeline.label}')"
        ids.add(pipeline.id)
        if pipeline.label.casefold() in labels:
            return f"two pipelines are labelled '{pipeline.label}'"
        labels.add(pipeline.label.casefold())
        if not pipeline.label.strip():
            return f"pipeline {pipeline.id} has an empty label"
        problem = stage_states_problem(pipeline)
        if problem:
            return problem
        stage_labels: set[str] = set()
        for stage in pipeline.stages:
            if stage.id in ids:
                return f"id {stage.id!r} is used twice (stage '{stage.label}')"
            ids.add(stage.id)
            if stage.label.casefold() in stage_labels:
                return f"pipeline '{pipeline.label}' has two stages labelled '{stage.label}'"
            stage_labels.add(stage.label.casefold())
            for sp in stage.properties:
                prop = known_props.get(sp.name)
                if prop is None:
                    return (f"stage '{stage.label}' asks for property '{sp.name}', "
                            "which the desk does not define")
                if prop.archived:
                    return (f"stage '{stage.label}' asks for property '{sp.name}', which is "
                            "archived")
                if prop.read_only:
                    return (f"stage '{stage.label}' asks for property '{sp.name}', which is "
                            "read-only (the program sets it); remove it from the stage")
        for name in pipeline.card_properties:
            if name not in known_props:
                return f"pipeline '{pipeline.label}' shows unknown card property '{name}'"
    numeric = [int(i) for i in ids if i.isdigit()]
    if numeric and config.next_id <= max(numeric):
        return f"next_id {config.next_id} is not above the highest id in use ({max(numeric)})"
    names: set[str] = set()
    for prop in config.properties:
        if prop.name in BUILTIN_NAMES or prop.name in names:
            return f"property '{prop.name}' is defined twice (or is a built-in property)"
        names.add(prop.name)
    user_ids = [u.id for u in config.users]
    if len(set(user_ids)) != len(user_ids):
        return "two users share an id"
    if not any(u.role == "administrator" for u in config.users):
        return "the desk needs at least one user with role = \"administrator\""
    return None
