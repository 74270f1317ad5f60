"""What automation hands on to the world outside: email, webhooks, and
notifications whose message is a template.

The engine runs under the writer lock, so it only queues jobs: an email or
a templated notification as a *draft* (the template and the values to fill
it in with) into the drafts queue, a webhook call into its own (folders
of the data dir, or rows of the SQL store's jobs table). `Courier.deliver`
does the slow part outside the lock, in whichever process runs it (the TUI
in a thread, `pipedesk worker`, the command line once after a command):
fills in the drafts, within limits (`core.automation.sandbox`), puts the
emails into the outbox, sends over SMTP and HTTP. A job is claimed by
renaming its file, or by marking its row (`FOR UPDATE SKIP LOCKED`), so
two processes never send one twice. What happened
comes back as log entries (A6) and notifications for
`Desk.record_deliveries`; a draft that cannot be filled in is logged with
its template and the reason, and the ticket's move stands.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from core.automation.templates import BODY_CHARS, LINE_CHARS, Template
from core.clock import parse_instant
from core.errors import DeskError
from core.events import AutomationRan, MessageSent, NotificationSent, StepRun
from core.model import MailSettings, WebhookSettings
from core.records import Contact
from core.spool import Claim
from core.store.base import MailSpools

if TYPE_CHECKING:
    from core.automation.sandbox import RenderFailed
    from core.mail.outbox import Outbox

# What a delivery round hands back to be written to the journal.
Handed = AutomationRan | NotificationSent | MessageSent

# A webhook that has failed this many times is given up (and logged so).
WEBHOOK_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 10.0

# Where an email or a webhook came from, carried with it for the log.
_TRACE_HEADERS = {"ticket": "X-Pipedesk-Ticket", "pipeline": "X-Pipedesk-Pipeline",
                  "stage": "X-Pipedesk-Stage", "action": "X-Pipedesk-Action"}


class Courier:
    def __init__(self, spools: MailSpools, key: Callable[[], bytes] | None = None) -> None:
        """`spools`: the store's (`Store.mail_spools`); `key`: the desk's
        mail key (`Store.mail_key`), which signs the Message-IDs of the mail
        it sends, so replies thread back to the ticket."""
        self.spools = spools
        self._key = key
        self.webhooks = spools.queue("webhooks")
        self.drafts = spools.queue("drafts")
        self._drafting: list[bytes] = []  # this run's drafts, a JSON line each
        self._outbox: Outbox | None = None

    @property
    def outbox(self) -> Outbox:
        # The mail code loads when mail is made or sent: the command line
        # asks `has_work` after every command.
        if self._outbox is None:
            from core.mail.outbox import Outbox

            self._outbox = Outbox.of(self.spools)
        return self._outbox

    def has_work(self, mail: MailSettings) -> bool:
        """Anything to deliver: drafts to fill in, webhooks, or mail when
        SMTP is set (without it the outbox is where mail stays)."""
        return self.drafts.has_jobs() or self.webhooks.has_jobs() or (
            mail.smtp is not None and self.outbox.has_mail())

    # -- handing on (under the lock, fast; `commit` when the run is over) ----------

    def queue_email(self, template: Template, contact: Contact, values: Mapping[str, Any],
                    now: datetime, trace: Mapping[str, str]) -> None:
        """A draft of the email: filled in outside the lock, by `deliver`.
        It keeps the template as it is now (an edit meanwhile does not
        change what this ticket was sent) and the contact's stored address,
        which is where the mail goes."""
        self._draft({"kind": "email", "template": template.name, "subject": template.subject,
                     "body": template.body,
                     "to": {"name": contact.name, "email": contact.email},
                     "values": values, "at": now.isoformat(), "trace": dict(trace)})

    def queue_notification(self, users: list[str], message: str, values: Mapping[str, Any],
                           trace: Mapping[str, str]) -> None:
        """A draft of a notification whose message is a template (A4b)."""
        self._draft({"kind": "notification", "users": users, "message": message,
                     "values": values, "trace": dict(trace)})

    def _draft(self, draft: dict[str, Any]) -> None:
        # The drafts of one run go into one file at `commit`: a bulk change
        # that mails ten thousand contacts writes, syncs and later deletes
        # one file, not ten thousand.
        self._drafting.append(json.dumps(draft).encode("utf-8"))

    def queue_webhook(self, url: str, payload: dict[str, Any], trace: Mapping[str, str]) -> str:
        job = {"url": url, "trace": dict(trace), "payload": payload}
        return self.webhooks.stage(json.dumps(job).encode("utf-8"), ".json")

    def commit(self) -> None:
        """Make what automation handed on durable and visible: called before
        the journal says it was queued."""
        drafting, self._drafting = self._drafting, []
        if drafting:
            self.drafts.stage(b"\n".join(drafting) + b"\n", ".jsonl")
        self.drafts.commit()
        self.webhooks.commit()

    # -- delivering (outside the lock, slow) ---------------------------------------

    def deliver(self, mail: MailSettings, now: datetime,
                environ: Mapping[str, str] = os.environ,
                webhooks: WebhookSettings | None = None) -> list[Handed]:
        """One round: fill in the drafts, then the outbox over SMTP (when
        configured) and the due webhooks. Returns what to write down."""
        filled = self.fill_drafts(mail, now)
        return [*filled, *self._deliver_mail(mail, now, environ),
                *self._deliver_webhooks(now, webhooks or WebhookSettings())]

    def fill_drafts(self, mail: MailSettings, now: datetime) -> list[Handed]:
        """Fill in every draft: an email goes into the outbox, a
        notification comes back to be recorded; what fails is logged."""
        claims = self.drafts.claim_due(now)
        if not claims:
            return []
        from core.automation.sandbox import Job, Renderer, RendererUnavailable
        from core.mail.outbox import Outbox

        handed: list[Handed] = []
        drafts: list[tuple[int, bytes, _Draft]] = []  # (claim, its line, the draft)
        damaged: set[int] = set()
        for n, claim in enumerate(claims):
            for line in claim.data.splitlines():
                if not line.strip():
                    continue
                try:
                    drafts.append((n, line, _Draft.read(line)))
                except (ValueError, KeyError, TypeError, AttributeError):
                    damaged.add(n)
        for n in sorted(damaged):
            handed.append(_logged({}, "send-email", "failed",
                                  f"a draft in {self.drafts.where(claims[n].key)} cannot be "
                                  f"read; the file was set aside in {self.drafts.where()} "
                                  "for a person to look at (the drafts in it that read are "
                                  "sent)"))
        # This round's own outbox: what it stages is committed by it alone
        # (automation in another thread of this process commits its own).
        outbox = Outbox.of(self.spools)
        filled = 0
        waiting: set[int] = set()  # claims that wait for a later round, untouched
        held = time.monotonic()
        with Renderer() as renderer:
            results = renderer.fill_all([Job(d.parts, d.values) for _, _, d in drafts])
            try:
                for (_, _, draft), result in zip(drafts, results, strict=True):
                    if time.monotonic() - held > 60:
                        # A long round renews its claims: no other process
                        # takes them back as stale meanwhile.
                        held = time.monotonic()
                        for claim in claims:
                            self.drafts.hold(claim)
                    handed += self._fill(draft, result, mail, outbox)
                    filled += 1
            except RendererUnavailable as err:
                waiting = self._wait_for_renderer(claims, drafts, filled, err, now)
                # Said once for each file waiting, on the ticket of its
                # first draft (a bulk change's thousands are one file).
                first: dict[int, _Draft] = {}
                for n, _, draft in drafts[filled:]:
                    first.setdefault(n, draft)
                for n, draft in first.items():
                    left = sum(1 for m, _, _ in drafts[filled:] if m == n)
                    handed.append(_logged(draft.trace, draft.action, "failed",
                                          f"{err.message} {left} waiting to be filled in; "
                                          "trying again later"))
        outbox.commit()  # in the outbox before the drafts go
        self.drafts.done_all([c for n, c in enumerate(claims)
                              if n not in waiting and n not in damaged])
        for n in damaged - waiting:
            self.drafts.set_aside(claims[n])
        return handed

    def _wait_for_renderer(self, claims: list[Claim], drafts: list[tuple[int, bytes, _Draft]],
                           filled: int, err: DeskError, now: datetime) -> set[int]:
        """No renderer could be started: the drafts not filled in wait. A
        file none of whose drafts were filled goes back with a back-off; the
        rest of one half filled becomes a file of its own."""
        touched = {n for n, _, _ in drafts[:filled]}
        left: dict[int, list[bytes]] = {}
        for n, line, _ in drafts[filled:]:
            left.setdefault(n, []).append(line)
        for n, lines in left.items():
            if n in touched:
                self.drafts.put(b"\n".join(lines) + b"\n", ".jsonl")
        waiting = set(left) - touched
        for n in waiting:
            self.drafts.failed(claims[n], err.message, now)
        return waiting

    def _fill(self, draft: _Draft, result: list[str] | RenderFailed, mail: MailSettings,
              outbox: Outbox) -> list[Handed]:
        """What came of one draft: a message staged in the outbox (nothing
        to log: the engine logged it queued), a notification, or a failure."""
        from core.automation.sandbox import RenderFailed
        from core.mail.ids import own_message_id
        from core.mail.message import compose, recipient
        from core.mail.threading import subject_tag
        from core.text import plain_line, show_text

        email, action = draft.kind == "email", draft.action
        what = f"Template '{draft.template}'" if email else "The notification's message"
        if isinstance(result, RenderFailed):
            # "Template 'Survey', body: …"; a message is one part.
            reason = f", {result.part}: {result.reason}" if email else f": {result.reason}"
            return [_logged(draft.trace, action, "failed", f"{what}{reason}; not sent")]
        if not email:
            return [NotificationSent(users=draft.users, text=plain_line(result[0]),
                                     ticket=draft.trace.get("ticket", ""))]
        ticket = draft.trace.get("ticket", "")
        subject = result[0].strip()
        if ticket and subject_tag(ticket) not in subject:
            # The tag threads the contact's answer back even when their
            # mail program drops the ids.
            subject = f"{subject} {subject_tag(ticket)}"
        try:
            outgoing = compose(sender=mail.sender, to=recipient(*draft.to),
                               subject=subject, body=result[1], now=draft.at, automated=True)
        except DeskError as err:
            return [_logged(draft.trace, action, "failed", f"{what}: {err.message}")]
        for key, header in _TRACE_HEADERS.items():
            if key in draft.trace:
                outgoing.message[header] = draft.trace[key]
        if not ticket or self._key is None:
            outbox.stage(outgoing)
            return []
        message = outgoing.message
        message_id = own_message_id(ticket, self._key(), outgoing.sender.rpartition("@")[2])
        message.replace_header("Message-ID", f"<{message_id}>")
        thread = draft.trace.get("thread", "")
        if thread and not thread.startswith("sha256:"):
            message["In-Reply-To"] = f"<{thread}>"
            message["References"] = f"<{thread}>"
        outbox.stage(outgoing)
        # On the ticket's conversation, as the automated mail it is (C1).
        return [MessageSent(ticket=ticket, message_id=message_id, sender=outgoing.sender,
                            to=list(outgoing.recipients), subject=str(message["Subject"]),
                            date=draft.at, text=show_text(result[1]).rstrip("\n"),
                            in_reply_to=thread or None, references=[thread] if thread else [],
                            thread=thread or message_id, auto=True)]

    def _deliver_mail(self, mail: MailSettings, now: datetime,
                      environ: Mapping[str, str]) -> list[Handed]:
        if mail.smtp is None:
            return []  # the Maildir outbox is where mail stays
        from core.mail.smtp import smtp_sender

        send = smtp_sender(mail.smtp, environ)
        logged: list[Handed] = []
        for done in self.outbox.deliver_due(send, now):
            trace = {key: done.headers.get(header, "") for key, header in _TRACE_HEADERS.items()}
            if done.ok:
                result, detail = "delivered", f"'{done.subject}' to {done.to}"
            else:
                result, detail = "failed", f"'{done.subject}' to {done.to}: {done.error}; " \
                                           f"{_again(done.next_try)}"
            logged.append(_logged(trace, "send-email", result, detail))
        return logged

    def _deliver_webhooks(self, now: datetime,
                          settings: WebhookSettings) -> list[Handed]:
        claims = self.webhooks.claim_due(now)
        if not claims:
            return []
        import httpx

        from core.automation.http import webhook_client
        from core.automation.targets import TargetRefused

        logged: list[Handed] = []
        with webhook_client(settings.allow, WEBHOOK_TIMEOUT) as client:
            for claim in claims:
                job = json.loads(claim.data)
                url, trace = job["url"], job["trace"]
                try:
                    reply = client.post(url, json=job["payload"],
                                        headers={"User-Agent": "pipedesk"})
                    error = "" if reply.is_success else f"{url} answered {reply.status_code}"
                except httpx.HTTPError as err:
                    error = f"{url}: {_http_reason(err)}"
                except TargetRefused as err:
                    # Asking again will not make the address public: not called.
                    self.webhooks.done(claim)
                    logged.append(_logged(trace, "webhook", "failed",
                                          f"{url} was not called: {err.message}"))
                    continue
                if not error:
                    self.webhooks.done(claim)
                    logged.append(_logged(trace, "webhook", "delivered",
                                          f"POST to {url}: {reply.status_code}"))
                elif claim.attempts + 1 >= WEBHOOK_ATTEMPTS:
                    self.webhooks.done(claim)
                    logged.append(_logged(trace, "webhook", "failed",
                                          f"{error}; gave up after {WEBHOOK_ATTEMPTS} tries"))
                else:
                    retry = self.webhooks.failed(claim, error, now)
                    logged.append(_logged(trace, "webhook", "failed",
                                          f"{error}; {_again(retry)}"))
        return logged


@dataclass(frozen=True)
class _Draft:
    """A draft as `queue_email` or `queue_notification` wrote it."""

    kind: str
    parts: list[tuple[str, str, int]]  # (part, template text, size limit)
    values: dict[str, Any]
    trace: dict[str, str]
    template: str = ""
    to: tuple[str, str] = ("", "")  # (name, stored address)
    at: datetime = datetime.min
    users: list[str] = field(default_factory=list)

    @property
    def action(self) -> str:
        """The kind of action that queued it, as the log names it."""
        return "send-email" if self.kind == "email" else "notify"

    @classmethod
    def read(cls, data: bytes) -> _Draft:
        """ValueError, KeyError or TypeError for a draft that does not read."""
        raw = json.loads(data)
        trace = {str(k): str(v) for k, v in raw["trace"].items()}
        values = dict(raw["values"])
        if raw["kind"] == "email":
            return cls("email", [("subject", str(raw["subject"]), LINE_CHARS),
                                 ("body", str(raw["body"]), BODY_CHARS)], values, trace,
                       template=str(raw["template"]),
                       to=(str(raw["to"]["name"]), str(raw["to"]["email"])),
                       at=parse_instant(str(raw["at"])))
        if raw["kind"] == "notification":
            return cls("notification", [("message", str(raw["message"]), LINE_CHARS)], values,
                       trace, users=[str(u) for u in raw["users"]])
        raise ValueError(raw["kind"])


def _logged(trace: Mapping[str, str], kind: str, result: str, detail: str) -> AutomationRan:
    return AutomationRan(ticket=trace.get("ticket", ""), pipeline=trace.get("pipeline", ""),
                         stage=trace.get("stage", ""),
                         steps=[StepRun(action=trace.get("action", ""), kind=kind,
                                        result=result, detail=detail)])


def _again(next_try: datetime | None) -> str:
    when = next_try.isoformat(timespec="minutes") if next_try else "later"
    return f"trying again at {when}"


def _http_reason(err: Exception) -> str:
    import httpx

    if isinstance(err, httpx.TimeoutException):
        return f"no answer within {WEBHOOK_TIMEOUT:g} s"
    if isinstance(err, httpx.ConnectError):
        return "could not connect"
    return str(err) or type(err).__name__
