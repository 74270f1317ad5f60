"""A stage's automation (A4): add, edit, remove, move an action and
comment on one (A4d). Who may do which (A4e) is `Desk`'s to check."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from core.automation.actions import (
    Action,
    AssignOwner,
    Branch,
    Comment,
    Notify,
    SendEmail,
    SetProperty,
    Webhook,
    path_text,
    sequence_at,
    walk,
)
from core.automation.actions import Path as ActionPath
from core.automation.targets import check_url
from core.automation.templates import check_message
from core.automation.values import placeholders
from core.errors import DeskError
from core.finding import find_pipeline, find_stage
from core.model import DeskConfig, Pipeline, Stage
from core.properties import coerce
from core.settings.properties import find_property
from core.text import check_line, check_text


def add(config: DeskConfig, pipeline_ref: str, stage_ref: str, action: Action,
        at: ActionPath | None = None) -> ActionPath:
    """A4: `action` into a stage's sequence at `at` (default: the end);
    returns where it went."""
    pipeline, stage = automated_stage(config, pipeline_ref, stage_ref)
    checked = check_action(config, pipeline, action)
    if at is None:
        stage.actions.append(checked)
        return (len(stage.actions) - 1,)
    holder, index = action_slot(stage, at, insert=True)
    holder.insert(index, checked)
    return at


def edit(config: DeskConfig, pipeline_ref: str, stage_ref: str, path: ActionPath,
         action: Action) -> Action:
    """A4d: the action at `path` replaced; its comments stay with it, and a
    branch given without arms keeps the arms it had."""
    pipeline, stage = automated_stage(config, pipeline_ref, stage_ref)
    holder, index = action_slot(stage, path)
    checked = check_action(config, pipeline, action)
    old = holder[index]
    kept = checked.model_copy(update={"comments": old.comments})
    if isinstance(old, Branch) and isinstance(kept, Branch) and not (kept.then or kept.otherwise):
        kept = kept.model_copy(update={"then": old.then, "otherwise": old.otherwise})
    holder[index] = kept
    return kept


def remove(config: DeskConfig, pipeline_ref: str, stage_ref: str, path: ActionPath,
           and_after: bool = False) -> list[Action]:
    """A4d: only this action, or this one and all after it in its own
    sequence; returns what went."""
    _, stage = automated_stage(config, pipeline_ref, stage_ref)
    holder, index = action_slot(stage, path)
    removed = holder[index:] if and_after else [holder[index]]
    del holder[index:index + len(removed)]
    return removed


def move(config: DeskConfig, pipeline_ref: str, stage_ref: str, path: ActionPath,
         offset: int) -> ActionPath:
    """An action up (-1) or down (+1) within its sequence; returns its new path."""
    _, stage = automated_stage(config, pipeline_ref, stage_ref)
    holder, index = action_slot(stage, path)
    target = index + offset
    if not 0 <= target < len(holder):
        raise DeskError("The action is at the end of its sequence already.")
    holder.insert(target, holder.pop(index))
    return (*path[:-1], target)


def comment(config: DeskConfig, pipeline_ref: str, stage_ref: str, path: ActionPath,
            text: str, author: str, at: datetime) -> Comment:
    """A4d: a note to colleagues on an action, by `author` at `at`; it
    changes nothing the action does."""
    words = check_text(text.strip(), "A comment")
    if not words:
        raise DeskError("A comment needs some text.")
    made = Comment(author=author, at=at, text=words)
    _, stage = automated_stage(config, pipeline_ref, stage_ref)
    holder, index = action_slot(stage, path)
    holder[index].comments.append(made)
    return made


# Where the Automate tab and `pipedesk automation` name a pipeline's SLA
# breach actions (issue 17) in place of a stage.
SLA_BREACH = "sla-breach"


class Sequence(Protocol):
    """What holds a sequence of actions: a stage (A4), or a pipeline's SLA
    breach actions (issue 17)."""

    actions: list[Action]

    @property
    def label(self) -> str: ...


def automated_stage(config: DeskConfig, pipeline_ref: str,
                    stage_ref: str) -> tuple[Pipeline, Sequence]:
    """The sequence `stage_ref` names: a stage of the pipeline, or
    `SLA_BREACH` for its SLA breach actions."""
    pipeline = find_pipeline(config, pipeline_ref)
    if stage_ref.strip().casefold() == SLA_BREACH:
        return pipeline, pipeline.sla
    return find_stage(config, stage_ref, pipeline)


def action_slot(stage: Sequence, path: ActionPath,
                insert: bool = False) -> tuple[list[Action], int]:
    """The list holding the action at `path` in a stage, and its index."""
    try:
        return sequence_at(stage.actions, path, insert)
    except (IndexError, ValueError):
        what = f"Stage '{stage.label}'" if isinstance(stage, Stage) else stage.label
        raise DeskError(f"{what} has no action {path_text(path)}.") from None


def check_action(config: DeskConfig, pipeline: Pipeline, action: Action) -> Action:
    """Refuse an action that names what the desk does not have; return a
    copy with the stage it moves tickets to, and the users and teams it
    names, named by id, so that renaming them (S3, a user's new name)
    keeps the action working."""
    action = action.model_copy(deep=True)
    for _, one in walk([action]):
        if isinstance(one, SetProperty) and one.property == "stage":
            one.value = find_stage(config, one.value, pipeline)[1].id
            continue
        for what, text in action_texts(one):
            check_line(text, what)
        match one:
            case SendEmail(template=name) if config.template(name) is None:
                known = ", ".join(t.name for t in config.templates)
                raise DeskError(f"No template {name!r}. Templates: {known}.")
            case Notify(user=user, team=team) | AssignOwner(user=user, team=team):
                if user is not None:
                    one.user = str(coerce(find_property(config, "owner"), user, config))
                if team is not None:
                    one.team = str(coerce(find_property(config, "team"), team, config))
                if isinstance(one, Notify):
                    check_message(one.message, placeholders(config))
            case Webhook(url=url):
                check_url(url, config.webhooks.allow)
            case SetProperty(property=name, value=value):
                prop = find_property(config, name)
                if prop.read_only:
                    raise DeskError(f"{prop.label} is read-only: pipedesk sets it.")
                coerce(prop, value, config)
            case Branch(property=name):
                find_property(config, name)
    return action


def action_texts(action: Action) -> list[tuple[str, str]]:
    """The text an action keeps that people wrote, with what to call it
    in a refusal: each is one line (core/text.py)."""
    match action:
        case Notify(message=message):
            return [("The notification's message", message)]
        case Branch(value=value):
            return [("The value to compare with", value)]
        case SetProperty(value=value):
            return [("The value to set", value)]
        case Webhook(url=url):
            return [("The webhook's URL", url)]
    return []
