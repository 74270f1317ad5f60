"""The reply editor (C1): `r` on a ticket writes to its contact, `N` adds an
internal note. One dialog for both; a note has no To or Cc.

The text goes to `Desk.reply` or `Desk.add_note`, which check it: a refusal
(no contact, an empty text, a Cc that is no address) shows in the dialog,
which stays open with what was typed. A reply is queued in the outbox, and
the app's delivery loop sends it; the A3a trigger moves the ticket.

Sending needs a key of its own, since Enter makes a new line: Ctrl+S, or F2
where a terminal keeps Ctrl+S (flow control), or Tab to the Send button and
Enter. Escape leaves; with text typed it asks first.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Static, TextArea

from core import Actor, Desk, DeskError
from core.present import contact_line
from core.remote.status import Queued
from core.text import show_line
from tui.screens.dialogs import ConfirmDialog, DeskDialog


class ReplyDialog(DeskDialog[bool]):
    """`ReplyDialog(desk, actor, ticket_id, note=False)`; dismisses with True
    once the desk took the reply (or note), False when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "send", "Send", id="reply.send"),
        Binding("f2", "send", "Send", show=False, id="reply.send_alt"),
        Binding("escape", "cancel", "Cancel", id="reply.cancel"),
    ]

    def __init__(self, desk: Desk, actor: Actor, ticket_id: str, note: bool = False) -> None:
        super().__init__()
        self.desk = desk
        self.actor = actor
        # Raises DeskError for a ticket out of sight, before anything is drawn.
        self.ticket = desk.ticket(ticket_id, actor)
        self.note = note

    @property
    def verb(self) -> str:
        return "Add note" if self.note else "Send"

    def compose(self) -> ComposeResult:
        title = "Add note to" if self.note else "Reply to"
        with Vertical(classes="dialog"):
            yield self.title_line(Content.assemble(
                (f"{title} ", "bold"), f"#{self.ticket.id} {show_line(self.ticket.subject)}"))
            if not self.note:
                with Horizontal(classes="reply-field"):
                    yield Static("To", classes="reply-label")
                    yield Static(Content(self._to()), id="reply-to")
                with Horizontal(classes="reply-field"):
                    yield Static("Cc", classes="reply-label")
                    yield Input(placeholder="optional: addresses, comma-separated",
                                id="reply-cc", compact=True)
            yield TextArea(id="reply-text", soft_wrap=True, show_line_numbers=False)
            yield self.error_line()
            what = "sends" if not self.note else "adds it (never sent)"
            yield self.hint_line(f"Ctrl+S or F2 {what} · Tab to the buttons · Esc cancels")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.verb, id="reply-send", compact=True)
                yield Button("Cancel", id="reply-cancel", compact=True)
        yield Footer(compact=True)

    def _to(self) -> str:
        email = self.ticket.contact
        if not email:
            return "(no contact: set one in the ticket's properties)"
        try:
            return show_line(contact_line(self.desk.contact(email, self.actor)))
        except DeskError:
            return show_line(email)

    def on_mount(self) -> None:
        self.query_one("#reply-text", TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one("#reply-text", TextArea).text

    def _cc(self) -> list[str]:
        if self.note:
            return []
        typed = self.query_one("#reply-cc", Input).value
        # The desk checks each address (Desk.reply) and says which is wrong.
        return [part.strip() for part in typed.replace(";", ",").split(",") if part.strip()]

    def action_send(self) -> None:
        try:
            if self.note:
                self.desk.add_note(self.ticket.id, self.text, self.actor)
            else:
                self.desk.reply(self.ticket.id, self.text, self.actor, cc=self._cc())
        except Queued as err:  # the server away: it waits, and shows (docs/sync.md)
            self.app.notify(err.message, title="Waits for the server", severity="warning",
                            markup=False)
            self.dismiss(True)
            return
        except DeskError as err:
            self.show_error(err.message)
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        if not self.text.strip():
            self.dismiss(False)
            return

        def chosen(drop: bool | None) -> None:
            if drop:
                self.dismiss(False)
            else:
                self.query_one("#reply-text", TextArea).focus()

        what = "note" if self.note else "reply"
        self.app.push_screen(ConfirmDialog(f"Drop this {what}?",
                                           "What you typed is not kept.", "Drop"), chosen)

    @on(Button.Pressed, "#reply-send")
    def _send_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_send()

    @on(Button.Pressed, "#reply-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    @on(TextArea.Changed, "#reply-text")
    @on(Input.Changed, "#reply-cc")
    def _typing(self) -> None:
        # The refusal was about the text before this change.
        if self.error_text:
            self.clear_error()
