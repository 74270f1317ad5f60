"""The action editor (A4, A4c): pick a kind, fill in its fields, save.

One dialog for adding and editing; the fields shown follow the kind. Saving
hands the action to `act` (the Automate tab's call into `Desk`), so a
refusal — a template that does not exist, a value the property does not
take, a user who is not an administrator — shows here as the desk words it,
and the dialog stays open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Select, Static

from core import DeskError
from core.automation.actions import (
    OPERATORS,
    Action,
    AssignOwner,
    Branch,
    Delay,
    Notify,
    SendEmail,
    SetProperty,
    Webhook,
    make_action,
)
from core.model import DeskConfig
from tui.screens.dialogs import DeskDialog

KINDS: list[tuple[str, str]] = [
    ("Send email", "send-email"),
    ("Notify", "notify"),
    ("Delay", "delay"),
    ("Branch (if … then … else)", "branch"),
    ("Set a property", "set-property"),
    ("Assign an owner", "assign-owner"),
    ("Call a webhook", "webhook"),
]

# The fields each kind shows, by id.
FIELDS: dict[str, tuple[str, ...]] = {
    "send-email": ("template",),
    "notify": ("who", "name", "message"),
    "delay": ("duration",),
    "branch": ("property", "op", "value"),
    "set-property": ("property", "value"),
    "assign-owner": ("owner-who", "name"),
    "webhook": ("url",),
}

# What a field's placeholder says where one field serves two kinds: a
# branch tests a property's value, "set a property" writes it.
PLACEHOLDERS: dict[tuple[str, str], str] = {
    ("set-property", "property"): "a property's name: priority, owner … (stage moves)",
    ("set-property", "value"): "empty clears the property",
    ("branch", "property"): "the property to test: priority, owner …",
    ("branch", "value"): "what to compare with (none for is-empty, is-not-empty)",
}


class ActionDialog(DeskDialog[Action | None]):
    """`ActionDialog(title, config, act, action=None)`; dismisses with the
    saved action, or None (Escape)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="action.cancel"),
        Binding("ctrl+s", "save", "Save", id="action.save"),
    ]

    def __init__(self, title: str, config: DeskConfig, act: Callable[[Action], Any],
                 action: Action | None = None) -> None:
        super().__init__()
        self.dialog_title = title
        self.config = config
        self.act = act
        self.action_ = action

    def compose(self) -> ComposeResult:
        a = self.action_
        kind = a.kind if a is not None else "send-email"
        # Content, not str: a Select reads a str option as markup, and a
        # template's name may hold a "[".
        templates = [(Content(t.name), t.name) for t in self.config.templates]
        with Vertical(classes="dialog"):
            yield self.title_line(self.dialog_title)
            with Horizontal(classes="field", id="field-kind"):
                yield Static("Kind", classes="field-label")
                yield Select(KINDS, value=kind, allow_blank=False, id="kind", compact=True)
            with Horizontal(classes="field", id="field-template"):
                yield Static("Template", classes="field-label")
                yield Select(templates, value=a.template if isinstance(a, SendEmail)
                             else templates[0][1], allow_blank=False, id="template",
                             compact=True)
            with Horizontal(classes="field", id="field-who"):
                yield Static("To", classes="field-label")
                yield Select([("The ticket's owner", "owner"), ("A user", "user"),
                              ("A team", "team")], value=_notify_who(a), allow_blank=False,
                             id="who", compact=True)
            with Horizontal(classes="field", id="field-owner-who"):
                yield Static("Owner", classes="field-label")
                yield Select([("A user", "user"), ("Round-robin over a team", "team")],
                             value="team" if isinstance(a, AssignOwner) and a.team
                             else "user", allow_blank=False, id="owner-who", compact=True)
            yield from _field("name", "Name", _name_of(a), "a user's or team's id or name")
            yield from _field("message", "Message", a.message if isinstance(a, Notify) else "",
                              "empty: the ticket and the stage")
            yield from _field("duration", "Wait for", a.duration if isinstance(a, Delay) else "",
                              "30m, 2h, 1d 4h, 1w")
            # The placeholders of these two follow the kind (PLACEHOLDERS).
            yield from _field("property", "Property",
                              a.property if isinstance(a, Branch | SetProperty) else "", "")
            with Horizontal(classes="field", id="field-op"):
                yield Static("Condition", classes="field-label")
                yield Select([(op, op) for op in OPERATORS],
                             value=a.op if isinstance(a, Branch) else "equals",
                             allow_blank=False, id="op", compact=True)
            yield from _field("value", "Value",
                              a.value if isinstance(a, Branch | SetProperty) else "", "")
            yield from _field("url", "URL", a.url if isinstance(a, Webhook) else "",
                              "https://… (gets the ticket as JSON)")
            yield self.error_line()
            yield self.hint_line("Tab next field · Enter opens a list · Ctrl+S saves · "
                                 "Esc cancels")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="action-save", compact=True)
                yield Button("Cancel", id="action-cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_fields(str(self.query_one("#kind", Select).value))

    @on(Select.Changed, "#kind")
    def _kind_changed(self, event: Select.Changed) -> None:
        self._show_fields(str(event.value))
        self.clear_error()

    def _show_fields(self, kind: str) -> None:
        shown = FIELDS.get(kind, ())
        for field in self.query(".field"):
            name = (field.id or "").removeprefix("field-")
            field.set_class(name != "kind" and name not in shown, "-hidden")
        for (of_kind, name), placeholder in PLACEHOLDERS.items():
            if of_kind == kind:
                self.query_one(f"#{name}", Input).placeholder = placeholder

    def _text(self, ident: str) -> str:
        return self.query_one(f"#{ident}", Input).value.strip()

    def _choice(self, ident: str) -> str:
        return str(self.query_one(f"#{ident}", Select).value)

    def fields(self) -> dict[str, Any]:
        """The action's fields as the dialog shows them; `make_action`
        checks them."""
        kind = self._choice("kind")
        comments = self.action_.comments if self.action_ is not None else []
        fields: dict[str, Any] = {"kind": kind, "comments": comments}
        match kind:
            case "send-email":
                fields["template"] = self._choice("template")
            case "notify":
                who, name = self._choice("who"), self._text("name")
                fields.update(owner=who == "owner", user=name if who == "user" else None,
                              team=name if who == "team" else None,
                              message=self._text("message"))
            case "delay":
                fields["duration"] = self._text("duration")
            case "branch":
                fields.update(property=self._text("property").casefold(),
                              op=self._choice("op"), value=self._text("value"))
            case "set-property":
                fields.update(property=self._text("property").casefold(),
                              value=self._text("value"))
            case "assign-owner":
                name, team = self._text("name"), self._choice("owner-who") == "team"
                fields.update(user=None if team else name, team=name if team else None)
            case "webhook":
                fields["url"] = self._text("url")
        return fields

    def action_save(self) -> None:
        try:
            action = make_action(self.fields())
            self.act(action)
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(action)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#action-save")
    def _save(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_save()

    @on(Button.Pressed, "#action-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()


def _field(ident: str, label: str, value: str, placeholder: str) -> ComposeResult:
    with Horizontal(classes="field", id=f"field-{ident}"):
        yield Static(label, classes="field-label")
        yield Input(value=value, placeholder=placeholder, id=ident, compact=True)


def _notify_who(action: Action | None) -> str:
    if isinstance(action, Notify):
        return "user" if action.user else "team" if action.team else "owner"
    return "owner"


def _name_of(action: Action | None) -> str:
    if isinstance(action, Notify | AssignOwner):
        return action.user or action.team or ""
    return ""
