"""Property definitions: create, edit, archive custom ticket properties,
find one by name, and the properties a stage asks for (S7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core.automation.actions import Branch, SetProperty, path_text
from core.errors import DeskError
from core.finding import every_action
from core.model import DeskConfig, PropertyDef, PropertyType, Stage, StageProperty
from core.properties import BUILTIN_PROPERTIES
from core.rules import label_taken_problem, property_label_taken
from core.stage_edits import label_of
from core.text import check_line


def property_index(config: DeskConfig) -> dict[str, PropertyDef]:
    """The properties a ticket may have now, by name: built-in and custom,
    archived ones left out."""
    return {p.name: p for p in (*BUILTIN_PROPERTIES, *config.properties) if not p.archived}


def find_property(config: DeskConfig, name: str,
                  index: Mapping[str, PropertyDef] | None = None) -> PropertyDef:
    """The property named `name` (any case, spaces around ignored); the
    refusal names the ones a person can set. `index` is `property_index`
    of `config`, where the caller keeps one."""
    found = (property_index(config) if index is None else index).get(name.strip().casefold())
    if found is not None:
        return found
    known = ", ".join(p.name for p in (*BUILTIN_PROPERTIES, *config.properties)
                      if not p.archived and not p.read_only)
    raise DeskError(f"No property {name!r}. Properties you can set: {known}.")


def create(config: DeskConfig, name: str, type: PropertyType | str, label: str | None = None,
           options: Sequence[str] = ()) -> PropertyDef:
    """A new custom property: a name no property has, a label none has
    (whatever the case), and options only for a choice property."""
    try:
        prop_type = PropertyType(type)
    except ValueError:
        kinds = ", ".join(t.value for t in PropertyType)
        raise DeskError(f"No property type {type!r}. Types: {kinds}.") from None
    chosen = choice_options([" ".join(o.split()) for o in options]) \
        if prop_type is PropertyType.CHOICE else list(options)
    if chosen and prop_type is not PropertyType.CHOICE:
        raise DeskError(f"Only a choice property has options; this one is {prop_type.value}.")
    chosen_label = (label_of(label, "property") if label and label.strip()
                    else name.replace("_", " ").capitalize())
    if any(p.name == name for p in (*BUILTIN_PROPERTIES, *config.properties)):
        raise DeskError(f"A property named '{name}' exists already.")
    check_label_free(config, chosen_label)
    try:
        prop = PropertyDef(name=name, label=chosen_label, type=prop_type, options=chosen)
    except ValueError:
        raise DeskError(f"Property name {name!r} must start with a letter and hold only "
                        "lower-case letters, digits and _.") from None
    config.properties.append(prop)
    return prop


def edit(config: DeskConfig, name: str, label: str | None = None,
         options: Sequence[str] | None = None) -> PropertyDef:
    """A custom property's new label, or a choice property's new options.

    Its name and type stay: integrations and automation refer to the name,
    and the values on tickets were checked against the type. A value whose
    option is taken away stays on its tickets as it is."""
    new_label = label_of(label, "property") if label is not None else None
    chosen = [" ".join(o.split()) for o in options] if options is not None else None
    if any(p.name == name for p in BUILTIN_PROPERTIES):
        raise DeskError(f"'{name}' is a built-in property; it cannot be changed.")
    prop = _custom(config, name)
    if prop is None:
        raise DeskError(f"No custom property '{name}' to change.")
    if new_label is not None:
        check_label_free(config, new_label, but=prop.name)
        prop.label = new_label
    if chosen is not None:
        if prop.type is not PropertyType.CHOICE:
            raise DeskError(f"'{name}' is a {prop.type.value} property; only a choice "
                            "property has options.")
        prop.options = choice_options(chosen)
    return prop


def archive(config: DeskConfig, name: str) -> PropertyDef:
    """Archive a custom property: its values stay on tickets, it is no
    longer offered. Built-in ones cannot be archived; one a board shows, a
    stage asks for or an action uses must be taken off there first."""
    if any(p.name == name for p in BUILTIN_PROPERTIES):
        raise DeskError(f"'{name}' is a built-in property; it cannot be archived.")
    prop = _custom(config, name)
    if prop is None:
        raise DeskError(f"No custom property '{name}' to archive.")
    for pipeline in config.pipelines:
        if name in pipeline.card_properties:
            raise DeskError(f"The cards of '{pipeline.label}' show '{name}'; take it "
                            "off the cards first.")
        for stage in pipeline.stages:
            if any(sp.name == name for sp in stage.properties):
                raise DeskError(f"Stage '{stage.label}' of '{pipeline.label}' asks for "
                                f"'{name}'; remove it from the stage first.")
    for _, stage, path, action in every_action(config):
        if isinstance(action, Branch | SetProperty) and action.property == name:
            raise DeskError(f"Action {path_text(path)} of stage '{stage.label}' uses "
                            f"'{name}'; change or remove that action first.")
    prop.archived = True
    return prop


def _custom(config: DeskConfig, name: str) -> PropertyDef | None:
    return next((p for p in config.properties if p.name == name and not p.archived), None)


def choice_options(options: list[str]) -> list[str]:
    """A choice property's options: at least one, none empty, none twice."""
    kept = [check_line(o, f"Option '{o}'") for o in options if o]
    if not kept:
        raise DeskError("A choice property needs at least one option.")
    folded = [o.casefold() for o in kept]
    twice = next((o for o, f in zip(kept, folded, strict=True) if folded.count(f) > 1), None)
    if twice is not None:
        raise DeskError(f"Option '{twice}' is given twice.")
    return kept


def check_label_free(config: DeskConfig, label: str, but: str | None = None) -> None:
    """No two properties read alike in a list (see `core.rules.label_clashes`)."""
    taken = property_label_taken(config, label, but=but)
    if taken is not None:
        problem = label_taken_problem(taken)
        raise DeskError(problem[0].upper() + problem[1:] + ".")


# -- S7: the properties a stage asks for ----------------------------------------------


def asking_for(stage: Stage, prop: PropertyDef,
               required: bool | None = None) -> tuple[StageProperty, ...] | None:
    """The stage's properties once it asks for `prop`: added at the end
    (optional unless `required`), or with its required flag changed to
    `required`. None when nothing would change: `prop` is asked for
    already and `required` is None (adding it again never quietly makes a
    required one optional) or the flag it has."""
    chosen = [sp.model_copy() for sp in stage.properties]
    found = next((sp for sp in chosen if sp.name == prop.name), None)
    if found is None:
        chosen.append(StageProperty(name=prop.name, required=bool(required)))
    elif required is None or found.required == required:
        return None
    else:
        found.required = required
    return tuple(chosen)


def not_asking_for(stage: Stage, name: str) -> tuple[StageProperty, ...]:
    """The stage's properties without `name`, refused if it is not one."""
    kept = tuple(sp for sp in stage.properties if sp.name != name.strip().casefold())
    if len(kept) == len(stage.properties):
        raise DeskError(f"Stage '{stage.label}' does not ask for '{name}'.")
    return kept
