"""Real servers on loopback for the mail and webhook tests. SMTP (aiosmtpd):
`Inbox` keeps what it accepted and can refuse first; the `smtp_server`
fixture runs one on a free port and gives its inbox and the settings to
reach it. HTTP: `hook_server` runs a `Hooks` server and gives its URL;
`allow_loopback_webhooks` lets the desk call it ([webhooks] allow), and
`use_smtp` sends the desk's mail to a server ([mail.smtp]); both through
the administrator's commands."""

from __future__ import annotations

import email
import json
import mailbox
import socket
import threading
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from core_fixtures import ADMIN, data_dir

from core import Desk
from core.mail.outbox import Outbox, read_message
from core.model import SmtpSettings


class Inbox:
    """An aiosmtpd handler that keeps what it accepted; it answers `refuse`
    to the first `refusals` messages."""

    def __init__(self, refusals: int = 0, refuse: str = "451 4.3.0 Try again later") -> None:
        self.received: list[EmailMessage] = []
        # (MAIL FROM, RCPT TO) of each message accepted: where it really went.
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusals = refusals
        self.refuse = refuse

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refusals > 0:
            self.refusals -= 1
            return self.refuse
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    @property
    def subjects(self) -> list[str]:
        return sorted(str(m["Subject"]) for m in self.received)


def outbox_raw(desk: Desk) -> list[bytes]:
    """What waits in the desk's outbox, as its reader finds it: each file
    of a data dir's Maildir (tmp/ too, where a half-written one would be),
    or each row of a desk in a database (core/store/sql_jobs.py)."""
    spools = desk.store.mail_spools()
    if spools.rows is None:
        root = spools.outbox
        return [p.read_bytes() for sub in ("tmp", "new", "cur") if (root / sub).is_dir()
                for p in sorted((root / sub).iterdir()) if not p.name.startswith(".")]
    queue = Outbox.of(spools).spool
    return [data for job in queue.pending() if (data := queue.read(job.key)) is not None]


def outbox_messages(desk: Desk) -> list[EmailMessage]:
    """The outbox's messages: in a data dir as any Maildir reader lists them."""
    spools = desk.store.mail_spools()
    if spools.rows is None:
        if not spools.outbox.exists():
            return []
        box = mailbox.Maildir(spools.outbox, factory=None, create=False)
        return [email.message_from_bytes(m.as_bytes(), policy=policy.default) for m in box]
    return [read_message(raw) for raw in outbox_raw(desk)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, SmtpSettings]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, security="none")
    finally:
        controller.stop()


class Hooks(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    failures = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if Hooks.failures > 0:
            Hooks.failures -= 1
            self.send_response(503)
        else:
            Hooks.received.append(data)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook_server() -> Iterator[str]:
    Hooks.received, Hooks.failures = [], 0
    server = HTTPServer(("127.0.0.1", 0), Hooks)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def on_disk(desk: Desk, event: dict[str, Any]) -> None:
    """Append `event` to the journal as another process (or a person, or an
    older pipedesk with looser input rules) could have, and let the desk
    read it: what is on disk must be harmless whatever it holds."""
    entry = {"seq": desk.state.seq + 1, "at": "2026-11-23T09:00:00Z", "actor": "user:admin",
             "event": event}
    with open(data_dir(desk) / "tickets.jsonl", "a", encoding="utf-8") as journal:
        journal.write(json.dumps(entry) + "\n")
    desk.refresh()


def allow_loopback_webhooks(desk: Desk) -> None:
    """A4c: the administrator lets webhooks call a service on the desk's own
    host (`[webhooks] allow = ["127.0.0.1", "::1"]`)."""
    desk.allow_webhook_hosts(["127.0.0.1", "::1"], ADMIN)


def use_smtp(desk: Desk, settings: SmtpSettings,
             sender: str = "support@pipedesk.example") -> None:
    """A4a: the administrator has the desk's mail delivered to `settings`'
    server, from `sender` (`[mail.smtp]`, `[mail] from`)."""
    desk.set_mail_delivery(settings.host, ADMIN, port=settings.port,
                           security=settings.security, user=settings.user,
                           password_env=settings.password_env)
    desk.set_sender(sender, ADMIN)
