"""Email templates (A4a): save (add or replace) and delete, keeping the
send-email actions that use one pointing at it."""

from __future__ import annotations

from core.automation.actions import SendEmail
from core.automation.templates import Template, check_template
from core.automation.values import placeholders
from core.errors import DeskError
from core.finding import every_action
from core.model import DeskConfig, Pipeline, Stage


def save(config: DeskConfig, template: Template, replacing: str | None = None) -> Template:
    """Add `template`, or put it in place of the one named `replacing`
    (whose actions then send the new name). A built-in one may be edited
    but keeps its name. It must read, and use only placeholders the desk
    fills in."""
    check_template(template, placeholders(config))
    old = config.template(replacing) if replacing is not None else None
    if replacing is not None and old is None:
        raise DeskError(f"No template {replacing!r}.")
    clash = config.template(template.name)
    if clash is not None and clash is not old:
        raise DeskError(f"A template named '{clash.name}' exists already.")
    saved = template.model_copy(update={"builtin": bool(old and old.builtin)})
    if old is not None:
        if old.builtin and saved.name != old.name:
            raise DeskError(f"'{old.name}' is a built-in template; its name stays.")
        config.templates[config.templates.index(old)] = saved
        rename_uses(config, old.name, saved.name)
    else:
        config.templates.append(saved)
    return saved


def delete(config: DeskConfig, name: str) -> Template:
    """A template of one's own that no action sends; built-in ones stay."""
    template = config.template(name)
    if template is None:
        raise DeskError(f"No template {name!r}.")
    if template.builtin:
        raise DeskError(f"'{template.name}' is a built-in template; edit it instead.")
    for pipeline, stage, _ in sending(config, template.name):
        raise DeskError(f"Stage '{stage.label}' of '{pipeline.label}' sends "
                        f"'{template.name}'; remove that action first.")
    config.templates.remove(template)
    return template


def sending(config: DeskConfig, template: str) -> list[tuple[Pipeline, Stage, SendEmail]]:
    """The send-email actions of `template` (any case), with where they are."""
    return [(pipeline, stage, action) for pipeline, stage, _, action in every_action(config)
            if isinstance(action, SendEmail)
            and action.template.casefold() == template.casefold()]


def rename_uses(config: DeskConfig, old: str, new: str) -> None:
    for _, _, action in sending(config, old):
        action.template = new
