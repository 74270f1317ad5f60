"""Desk commands and queries called by name, between a terminal client and
a team's server (issue 16; docs/server.md, "Settings, people and
contacts").

The CRM API and pipedesk's own ticket routes have words for tickets,
pipelines, stages and stage actions. The rest of what a person changes
(card properties, properties, templates, users and teams, tokens,
channels, mail settings, contacts …) and what the replica does not hold
(notifications, the automation log, tokens, mail settings, attachments)
travel as the `Desk` call itself: its name and its arguments by the
names `Desk` gives them. The server runs `Desk.<name>(…, actor)` as the
token's user, so every rule (access included) is the desk's, once; the
client (core/remote/desk.py) sends the call a person made.

One table says which calls travel, and the `Desk` signatures say their
shape: an argument or an answer is written as JSON by msgspec (the desk's
records), its settings models by pydantic (`Model`), and read back by the
same type hints, so a wrong value is said with where it is.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

import msgspec
from pydantic import BaseModel, ValidationError

from core.access import Actor
from core.desk import Desk
from core.errors import DeskError
from core.model import ApiToken

# Changes: sent under an Idempotency-Key, made on the server only (never
# queued: settings need the server to answer, docs/sync.md).
CHANGES = (
    # pipelines: what the CRM pipelines API has no fields for
    "set_card_properties", "set_close_date_rule", "set_chat_rule", "set_pipeline_access",
    "set_email_trigger", "set_sla_target", "set_sla_waiting",
    # properties (T4) and templates (A4a)
    "create_property", "edit_property", "archive_property",
    "save_template", "delete_template",
    # comments on stage actions (A4d)
    "comment_action",
    # people (U1) and API tokens
    "add_user", "edit_user", "deactivate_user",
    "add_team", "rename_team", "set_team_members", "remove_team",
    "create_token", "revoke_token",
    # channels (A1), mail out (A4a), webhooks (A4c)
    "add_channel", "set_channel_create_tickets", "remove_channel",
    "set_mail_delivery", "stop_mail_delivery", "set_sender", "allow_webhook_hosts",
    # contacts, and the person's own read mark
    "add_contact", "edit_contact", "mark_notifications_read",
    # mail kept aside (A1), taken again on the server, where it is
    "retry_quarantined",
    # bulk actions (T6): one command, all or none, made on the server only
    "bulk_move", "bulk_edit", "bulk_delete",
)
# Queries of what the replica does not hold: the server's records.
QUERIES = (
    "notifications", "unread_count", "automation_log", "api_tokens", "mail_settings",
    "webhook_allow_list", "contacts", "attachment", "quarantine",
    # free text is found in conversations too, which the replica does not hold
    "find_tickets",
)
CALLS = frozenset(CHANGES + QUERIES)


class Signature(msgspec.Struct, frozen=True):
    parameters: Mapping[str, Any]  # name -> its type, the actor left out
    required: frozenset[str]
    returns: Any


@cache
def signature(name: str) -> Signature:
    if name not in CALLS:
        raise DeskError(f"{name!r} is not a desk call the server takes; it takes "
                        f"{', '.join(sorted(CALLS))}.")
    from core.mail.inbox import Quarantined
    from core.mail.taking import Intake

    method = getattr(Desk, name)
    # What core/desk.py imports only for the type checker (mail, lazily).
    hints = typing.get_type_hints(method, localns={"Quarantined": Quarantined,
                                                   "Intake": Intake})
    parameters: dict[str, Any] = {}
    required = set()
    for p in inspect.signature(method).parameters.values():
        if p.name in ("self", "actor"):
            continue
        parameters[p.name] = _wire_type(hints[p.name])
        if p.default is inspect.Parameter.empty:
            required.add(p.name)
    return Signature(parameters, frozenset(required), _wire_type(hints["return"]))


def _wire_type(kind: Any) -> Any:
    """A hint as msgspec reads it: a union of a word and its enum (a
    property's type: "text" or PropertyType.TEXT) is the word, which
    `Desk` takes."""
    if typing.get_origin(kind) in (typing.Union, types.UnionType):
        members = typing.get_args(kind)
        if str in members and any(isinstance(m, type) and issubclass(m, str)
                                  and m is not str for m in members):
            return str | None if type(None) in members else str
    return kind


def to_json(value: Any) -> Any:
    """An argument or an answer as JSON: records by msgspec, settings
    models as desk.toml says them."""
    return msgspec.to_builtins(value, enc_hook=_encode)


def _encode(value: Any) -> Any:
    if isinstance(value, ApiToken):
        # A token's digest stays on the server: a client needs none of it.
        return value.model_dump(mode="json", by_alias=True) | {"hash": ""}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    raise NotImplementedError(f"{type(value).__name__} does not travel")


def _decode(kind: type, value: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        try:
            return kind.model_validate(value)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{first['msg']}{f' at {where}' if where else ''}") from None
    raise NotImplementedError(f"{kind} does not travel")


def _read(value: Any, kind: Any, where: str) -> Any:
    try:
        return msgspec.convert(value, kind, dec_hook=_decode, strict=False)
    except msgspec.ValidationError as err:
        said = str(err).replace("`$`", "it").replace("`$.", "`")
        raise DeskError(f"{where}: {said}") from None


def read_arguments(name: str, given: Any) -> dict[str, Any]:
    """The arguments of call `name` from JSON (the server's side), each
    read by its type; an unknown, missing or wrong one is said."""
    sig = signature(name)
    if not isinstance(given, dict):
        raise DeskError(f"The arguments of {name} are an object of names and values.")
    unknown = sorted(set(given) - set(sig.parameters))
    if unknown:
        raise DeskError(f"{name} takes no argument {unknown[0]!r}; it takes "
                        f"{', '.join(sig.parameters) or 'none'}.")
    missing = sorted(sig.required - set(given))
    if missing:
        raise DeskError(f"{name} needs the argument {missing[0]!r}.")
    return {key: _read(value, sig.parameters[key], f"{name}: argument {key!r}")
            for key, value in given.items()}


def read_result(name: str, answer: Any, where: str) -> Any:
    """What the server answered call `name` (the client's side), as `Desk` returns it."""
    try:
        return _read(answer, signature(name).returns, f"{where} answered {name}")
    except DeskError as err:
        raise DeskError(f"{err.message}; are the server and this pipedesk the same "
                        "version?") from None


def call(desk: Desk, actor: Actor, name: str, arguments: Mapping[str, Any]) -> Any:
    """Run call `name` on `desk` as `actor` (the server's side)."""
    method: Callable[..., Any] = getattr(desk, name)
    return method(actor=actor, **arguments)


def arguments_of(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """A call as a person made it (positional or by name, `self` first),
    as the named arguments the server reads; the actor left out (the
    server's is the token's user)."""
    bound = inspect.signature(getattr(Desk, name)).bind(*args, **kwargs)
    return {key: to_json(value) for key, value in bound.arguments.items()
            if key not in ("self", "actor")}
