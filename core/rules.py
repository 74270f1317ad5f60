"""The desk's standing rules on its settings, checked in one place.

`Desk` checks every settings change against these before it is saved, and
loading desk.toml checks a hand-edited file against the same rules, so the
file and the commands can never disagree about what a valid desk is.

One rule is softer on load: two properties labelled alike (`label_clashes`)
only make a list ambiguous, so a desk.toml holding them opens with a warning
that says how to fix it, rather than shutting a desk made before the rule
out of its own tickets; no command makes a new clash.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from core.model import DeskConfig, Pipeline, PropertyDef, StageState
from core.properties import BUILTIN_NAMES, BUILTIN_PROPERTIES

# Two properties whose labels read the same, by name (see `label_clashes`).
LabelClash = frozenset[str]


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


def labelled(config: DeskConfig) -> list[PropertyDef]:
    """The properties whose labels people read in lists and on tickets: the
    built-in ones, then the custom ones not archived (an archived one is no
    longer offered, so its label is free for a new property)."""
    return [*BUILTIN_PROPERTIES, *(p for p in config.properties if not p.archived)]


def property_label_taken(config: DeskConfig, label: str,
                         but: str | None = None) -> PropertyDef | None:
    """The property other than `but` (a name) already labelled `label`, in
    any case, as pipeline and stage labels are (P2)."""
    key = _label_key(label)
    return next((p for p in labelled(config)
                 if p.name != but and _label_key(p.label) == key), None)


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def label_clashes(config: DeskConfig) -> list[tuple[PropertyDef, PropertyDef]]:
    """Pairs (earlier, later) of properties labelled alike: `ticket show`
    would show two "Priority" rows. The commands refuse making one; a
    desk.toml that already holds one (from before the rule, or edited by
    hand) still opens, with a warning, since nothing is hidden or lost."""
    first: dict[str, PropertyDef] = {}
    clashes = []
    for prop in labelled(config):
        key = _label_key(prop.label)
        if key in first:
            clashes.append((first[key], prop))
        else:
            first[key] = prop
    return clashes


def check_settings(config: DeskConfig, tolerated: Collection[LabelClash] = ()) -> str | None:
    """The first broken rule in `config`, said for a person, or None.
    `tolerated`: label clashes (by the two names) the desk had already,
    which a change that does not touch them may leave as they are."""
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
    for earlier, later in label_clashes(config):
        if frozenset((earlier.name, later.name)) not in tolerated:
            return label_taken_problem(earlier)
    user_ids = [u.id for u in config.users]
    if len(set(user_ids)) != len(user_ids):
        return "two users share an id"
    if not any(u.role == "administrator" for u in config.users):
        return "the desk needs at least one user with role = \"administrator\""
    return None


def label_taken_problem(taken: PropertyDef) -> str:
    kind = "built-in" if taken.builtin else "custom"
    return (f"a property labelled '{taken.label}' exists already ({taken.name}, {kind}); "
            "labels are unique, whatever the case")


def clashes_of(config: DeskConfig) -> frozenset[LabelClash]:
    """The label clashes `config` holds, to tolerate in a change of it."""
    return frozenset(frozenset((a.name, b.name)) for a, b in label_clashes(config))
