"""`pipedesk automation …`: stage actions (A4), the close-date and chat
switches (T3, A2, A5), the log (A6) and the email templates (A4a); the
command line onto the same `Desk` methods as the Automate tab."""

from __future__ import annotations

from typing import Any

import click

from cli.common import Session, emit_json, group, json_option, pass_session, table
from core.automation.actions import (
    Action,
    AssignOwner,
    Notify,
    Path,
    SendEmail,
    SetProperty,
    make_action,
    parse_path,
    path_text,
    walk,
)
from core.automation.templates import Template
from core.model import Pipeline
from core.present import action_run_cell, say_action, when
from core.settings.automation import SLA_BREACH, automated_stage
from core.settings.channels import TRIGGERS
from core.text import show_line


@group()
def automation() -> None:
    """Stage actions (A4), the close-date and chat switches, the log (A6)."""


def automation_data(p: Pipeline) -> dict[str, Any]:
    return {
        "pipeline": p.id,
        "label": p.label,
        "close_date": p.automation.close_date,
        "include_chat": p.automation.include_chat,
        "email_sent": p.automation.email_sent.model_dump(mode="json"),
        "customer_replied": p.automation.customer_replied.model_dump(mode="json"),
        "stages": [
            {"id": s.id, "label": s.label,
             "actions": [a.model_dump(mode="json", by_alias=True, exclude_none=True)
                         for a in s.actions]}
            for s in p.stages
        ],
        # Issue 17: what an SLA breach runs (`sla-breach` in place of a stage).
        "sla_breach": [a.model_dump(mode="json", by_alias=True, exclude_none=True)
                       for a in p.sla.actions],
    }


@automation.command("list")
@click.argument("pipeline_ref", metavar="P")
@json_option
@pass_session
def automation_list(session: Session, pipeline_ref: str, as_json: bool) -> None:
    """A pipeline's switches and each stage's actions, numbered."""
    desk = session.reading
    p = desk.pipeline(pipeline_ref, session.actor)
    if as_json:
        emit_json(automation_data(p))
        return
    click.echo(show_line(f"{p.label}: close date {_on(p.automation.close_date)}, "
                         f"chat tickets {_on(p.automation.include_chat)}"))
    for name, (field, said) in TRIGGERS.items():
        trigger = getattr(p.automation, field)
        click.echo(show_line(f"{said}: {_on(trigger.on)}, to "
                             f"{_stage_label(p, trigger.stage)} ({name})"))
    sequences: list[tuple[str, list[Action]]] = [
        (f"{show_line(s.label)} ({s.state.value})", s.actions) for s in p.stages]
    if p.sla.actions or p.sla.targets:
        sequences.append((f"{p.sla.label} ({SLA_BREACH})", p.sla.actions))
    for heading, actions in sequences:
        click.echo(f"\n{heading}")
        if not actions:
            click.echo("  (no actions)")
        for path, action in walk(actions):
            indent = "  " * (len(path) // 2 + 1)
            arm = f"{path[-2]}: " if len(path) > 1 else ""
            said = show_line(say_action(desk.config, action))
            click.echo(f"{indent}{arm}{path_text(path)}. {said}")
            for c in action.comments:
                click.echo(show_line(f"{indent}    \u201c{c.text}\u201d \u2014 {c.author}, "
                                     f"{when(c.at)}"))


def _on(flag: bool) -> str:
    return "on" if flag else "off"


@automation.group("add")
@click.argument("pipeline_ref", metavar="P")
@click.argument("stage_ref", metavar="S")
@click.pass_context
def automation_add(ctx: click.Context, pipeline_ref: str, stage_ref: str) -> None:
    """Add an action at the end of stage S of pipeline P (branches: in
    desk.toml, or the Automate tab). S may be `sla-breach`: what the
    pipeline runs when an SLA clock runs out (issue 17)."""
    ctx.meta["automation.stage"] = (pipeline_ref, stage_ref)


def _added(session: Session, action: Action) -> None:
    pipeline_ref, stage_ref = click.get_current_context().meta["automation.stage"]
    desk = session.desk
    path = desk.add_action(pipeline_ref, stage_ref, action, session.actor)
    _, stage = automated_stage(desk.config, pipeline_ref, stage_ref)
    said = say_action(desk.config, action)
    click.echo(f"Added to '{stage.label}' as action {path_text(path)}: {said}.")


_stage_args = [click.argument("pipeline_ref", metavar="P"),
               click.argument("stage_ref", metavar="S")]


def _with_stage(f: Any) -> Any:
    for arg in reversed(_stage_args):
        f = arg(f)
    return f


@automation_add.command("send-email")
@click.option("--template", required=True, metavar="NAME", help="A template's name.")
@pass_session
def add_send_email(session: Session, template: str) -> None:
    """A4a: email the ticket's contact from a template."""
    _added(session, SendEmail(template=template))


@automation_add.command("notify")
@click.option("--user", metavar="U")
@click.option("--team", metavar="T")
@click.option("--owner", is_flag=True, help="The ticket's owner.")
@click.option("--message", default="", help="The text (default: the ticket and stage).")
@pass_session
def add_notify(session: Session, user: str | None,
               team: str | None, owner: bool, message: str) -> None:
    """A4b: notify a user, a team, or the ticket's owner."""
    if (user is not None) + (team is not None) + owner != 1:
        raise click.UsageError("Give one of --user U, --team T or --owner.")
    _added(session, Notify(user=user, team=team, owner=owner, message=message))


@automation_add.command("set")
@click.argument("assignment", metavar="NAME=VALUE")
@pass_session
def add_set(session: Session, assignment: str) -> None:
    """Set a property (an empty VALUE clears it; stage=S moves the ticket)."""
    name, sep, value = assignment.partition("=")
    if not sep or not name.strip():
        raise click.UsageError(f"{assignment!r} is not NAME=VALUE.")
    _added(session, SetProperty(property=name.strip().casefold(), value=value.strip()))


@automation_add.command("delay")
@click.argument("duration")
@pass_session
def add_delay(session: Session, duration: str) -> None:
    """Wait DURATION (30m, 2h, 1d 4h, 1w) before the actions after it."""
    _added(session, make_action({"kind": "delay", "duration": duration}))


@automation_add.command("assign")
@click.option("--user", metavar="U")
@click.option("--team", metavar="T", help="Round-robin over the team's members.")
@pass_session
def add_assign(session: Session, user: str | None,
               team: str | None) -> None:
    """Assign an owner: a named user, or round-robin over a team."""
    if (user is None) == (team is None):
        raise click.UsageError("Give one of --user U or --team T.")
    _added(session, AssignOwner(user=user, team=team))


@automation_add.command("webhook")
@click.argument("url")
@pass_session
def add_webhook(session: Session, url: str) -> None:
    """POST the ticket as JSON to URL (retried with back-off)."""
    _added(session, make_action({"kind": "webhook", "url": url}))


def _path(text: str) -> Path:
    try:
        return parse_path(text)
    except ValueError:
        raise click.UsageError(f"{text!r} is not an action's position (3, or 3.then.1 "
                               "inside a branch).") from None


@automation.command("remove")
@_with_stage
@click.argument("position", metavar="POSITION")
@click.option("--and-after", is_flag=True, help="Also every action after it (A4d).")
@pass_session
def automation_remove(session: Session, pipeline_ref: str, stage_ref: str, position: str,
                      and_after: bool) -> None:
    """Delete only this action, or this one and all after it."""
    removed = session.desk.remove_action(pipeline_ref, stage_ref, _path(position), session.actor,
                                         and_after)
    for action in removed:
        click.echo(f"Removed: {say_action(session.desk.config, action)}.")


@automation.command("comment")
@_with_stage
@click.argument("position", metavar="POSITION")
@click.argument("text")
@pass_session
def automation_comment(session: Session, pipeline_ref: str, stage_ref: str, position: str,
                       text: str) -> None:
    """A4d: leave a comment on an action for other users."""
    session.desk.comment_action(pipeline_ref, stage_ref, _path(position), text, session.actor)
    click.echo(f"Commented on action {position}.")


# By name, so that a desk's own (a server's: core/remote/desk.py) is called.
SWITCHES = {"close-date": "set_close_date_rule", "chat": "set_chat_rule"}


@automation.command("set")
@click.argument("pipeline_ref", metavar="P")
@click.argument("switch", type=click.Choice([*SWITCHES, *TRIGGERS]))
@click.argument("value", type=click.Choice(["on", "off"]), required=False)
@click.option("--stage", "stage_ref", metavar="S",
              help="email-sent / customer-replied: the stage the trigger moves tickets to.")
@pass_session
def automation_set(session: Session, pipeline_ref: str, switch: str, value: str | None,
                   stage_ref: str | None) -> None:
    """Switch the close date (T3, A2), chat tickets (A5) or an email trigger
    (A3a email-sent, A3b customer-replied) on or off; a trigger's --stage."""
    desk = session.desk
    if switch in TRIGGERS:
        trigger = desk.set_email_trigger(pipeline_ref, switch, session.actor,
                                         on=None if value is None else value == "on",
                                         stage=stage_ref)
        p = desk.pipeline(pipeline_ref, session.actor)
        click.echo(show_line(f"{p.label}: {switch} {_on(trigger.on)}, moves tickets to "
                             f"{_stage_label(p, trigger.stage)}."))
        return
    if value is None or stage_ref is not None:
        raise click.UsageError(f"{switch} takes on or off, and no --stage.")
    p = getattr(desk, SWITCHES[switch])(pipeline_ref, value == "on", session.actor)
    click.echo(f"{p.label}: {switch} {value}.")


def _stage_label(p: Pipeline, stage_id: str | None) -> str:
    found = p.stage(stage_id) if stage_id is not None else None
    return f"'{found.label}'" if found is not None else "no stage (choose one with --stage)"


@automation.command("log")
@click.option("--pipeline", "pipeline_ref", metavar="P")
@click.option("--ticket", "ticket_id", metavar="ID")
@click.option("--limit", type=click.IntRange(1), default=50, show_default=True)
@json_option
@pass_session
def automation_log(session: Session, pipeline_ref: str | None, ticket_id: str | None,
                   limit: int, as_json: bool) -> None:
    """A6: every action run, newest first: ticket, action, result, error."""
    items = session.reading.automation_log(session.actor, pipeline_ref, ticket_id, limit)
    if as_json:
        emit_json([i.as_dict() for i in items])
        return
    table(["WHEN", "TICKET", "STAGE", "ACTION", "RESULT", "DETAIL"],
          [[when(i.at), f"#{i.ticket}", i.stage, action_run_cell(i.action, i.kind), i.result,
            i.detail]
           for i in items])


@automation.command("templates")
@json_option
@pass_session
def automation_templates(session: Session, as_json: bool) -> None:
    """The email templates (A4a)."""
    templates = session.reading.templates(session.actor)
    if as_json:
        emit_json([t.model_dump(mode="json") for t in templates])
        return
    table(["NAME", "TRANSACTIONAL", "SUBJECT"],
          [[t.name, "yes" if t.transactional else "no", t.subject] for t in templates])


@automation.group("template")
def automation_template() -> None:
    """Add, edit or delete an email template (A4a)."""


@automation_template.command("save")
@click.argument("name")
@click.option("--subject", metavar="TEXT", help="The subject, with placeholders.")
@click.option("--body", metavar="TEXT", help="The body, with placeholders.")
@click.option("--body-file", type=click.File("r", encoding="utf-8"), metavar="FILE",
              help="Read the body from FILE (- for standard input).")
@click.option("--transactional/--marketing", default=None,
              help="Sent to every contact (the default for a new template), or only to "
                   "marketing contacts.")
@pass_session
def template_save(session: Session, name: str, subject: str | None, body: str | None,
                  body_file: Any, transactional: bool | None) -> None:
    """Add template NAME, or change what is given of the one that exists.
    Placeholders ({{ ticket.subject }}, {{ contact.name }} …) are checked:
    one the desk does not fill in is refused with its line."""
    if body is not None and body_file is not None:
        raise click.UsageError("Give --body or --body-file, not both.")
    if body_file is not None:
        body = body_file.read()
    desk = session.desk
    old = desk.config.template(name)
    if old is None and (subject is None or body is None):
        raise click.UsageError(f"A new template needs --subject and --body (there is no "
                               f"template {name!r} to change).")
    fields: dict[str, Any] = {"name": old.name if old else name.strip()}
    if subject is not None:
        fields["subject"] = subject.strip()
    for key, given in (("body", body), ("transactional", transactional)):
        if given is not None:
            fields[key] = given
    try:
        template = old.model_copy(update=fields) if old else Template(**fields)
    except ValueError:
        raise click.UsageError("A template needs a name.") from None
    saved = desk.save_template(template, session.actor, replacing=old.name if old else None)
    click.echo(f"{'Saved' if old else 'Added'} template '{saved.name}'.")


@automation_template.command("delete")
@click.argument("name")
@pass_session
def template_delete(session: Session, name: str) -> None:
    """Delete template NAME (not a built-in one, nor one an action sends)."""
    gone = session.desk.delete_template(name, session.actor)
    click.echo(f"Deleted template '{gone.name}'.")
