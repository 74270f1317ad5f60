"""What automation hands on to the world outside: email and webhooks.

The engine runs under the writer lock, so it only writes files: an email into
the Maildir outbox, a webhook call into its spool. `Courier.deliver` does the
slow part — SMTP, HTTP — outside the lock, in whichever process runs it (the
TUI in a thread, `pipedesk worker`, the command line once after a command);
a job is claimed by renaming its file, so two processes never send one twice.
What happened comes back as log entries (A6) for `Desk.record_deliveries`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.events import AutomationRan, StepRun
from core.model import MailSettings
from core.records import Contact
from core.spool import Spool

if TYPE_CHECKING:
    from core.mail.outbox import Outbox

# A webhook that has failed this many times is given up (and logged so).
WEBHOOK_ATTEMPTS = 5
WEBHOOK_TIMEOUT = 10.0

# Where an email or a webhook came from, carried with it for the log.
_TRACE_HEADERS = {"ticket": "X-Pipedesk-Ticket", "pipeline": "X-Pipedesk-Pipeline",
                  "stage": "X-Pipedesk-Stage", "action": "X-Pipedesk-Action"}


class Courier:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.webhooks = Spool(data_dir / "webhooks")
        self._outbox: Outbox | None = None

    @property
    def outbox(self) -> Outbox:
        # The mail code loads when mail is made or sent: the command line
        # asks `has_work` after every command.
        if self._outbox is None:
            from core.mail.outbox import Outbox

            self._outbox = Outbox(self.data_dir / "outbox")
        return self._outbox

    def has_work(self, mail: MailSettings) -> bool:
        """Anything to deliver: webhooks, or mail when SMTP is set (without
        it the outbox is where mail stays)."""
        return self.webhooks.has_jobs() or (mail.smtp is not None and self.outbox.has_mail())

    # -- handing on (under the lock, fast; `commit` when the run is over) ----------

    def queue_email(self, mail: MailSettings, contact: Contact, subject: str, body: str,
                    now: datetime, trace: Mapping[str, str]) -> str:
        from core.mail.message import compose, recipient

        # The contact's stored address is where the mail goes; the name is
        # only shown beside it.
        outgoing = compose(sender=mail.sender, to=recipient(contact.name, contact.email),
                           subject=subject, body=body, now=now, automated=True)
        for key, header in _TRACE_HEADERS.items():
            if key in trace:
                outgoing.message[header] = trace[key]
        return self.outbox.stage(outgoing)

    def queue_webhook(self, url: str, payload: dict[str, Any], trace: Mapping[str, str]) -> str:
        job = {"url": url, "trace": dict(trace), "payload": payload}
        return self.webhooks.stage(json.dumps(job).encode("utf-8"), ".json")

    def commit(self) -> None:
        """Make what automation handed on durable and visible: called before
        the journal says it was queued."""
        if self._outbox is not None:
            self._outbox.commit()
        self.webhooks.commit()

    # -- delivering (outside the lock, slow) ---------------------------------------

    def deliver(self, mail: MailSettings, now: datetime,
                environ: Mapping[str, str] = os.environ) -> list[AutomationRan]:
        """One round: the outbox over SMTP (when configured) and the due
        webhooks. Returns what to log."""
        return [*self._deliver_mail(mail, now, environ), *self._deliver_webhooks(now)]

    def _deliver_mail(self, mail: MailSettings, now: datetime,
                      environ: Mapping[str, str]) -> list[AutomationRan]:
        if mail.smtp is None:
            return []  # the Maildir outbox is where mail stays
        from core.mail.smtp import smtp_sender

        send = smtp_sender(mail.smtp, environ)
        logged = []
        for done in self.outbox.deliver_due(send, now):
            trace = {key: done.headers.get(header, "") for key, header in _TRACE_HEADERS.items()}
            if done.ok:
                result, detail = "delivered", f"'{done.subject}' to {done.to}"
            else:
                result, detail = "failed", f"'{done.subject}' to {done.to}: {done.error}; " \
                                           f"{_again(done.next_try)}"
            logged.append(_logged(trace, "send-email", result, detail))
        return logged

    def _deliver_webhooks(self, now: datetime) -> list[AutomationRan]:
        claims = self.webhooks.claim_due(now)
        if not claims:
            return []
        import httpx

        logged = []
        transport = httpx.HTTPTransport(retries=2)  # connection failures, at once
        with httpx.Client(timeout=WEBHOOK_TIMEOUT, transport=transport) as client:
            for claim in claims:
                job = json.loads(claim.data)
                url, trace = job["url"], job["trace"]
                try:
                    reply = client.post(url, json=job["payload"],
                                        headers={"User-Agent": "pipedesk"})
                    error = "" if reply.is_success else f"{url} answered {reply.status_code}"
                except httpx.HTTPError as err:
                    error = f"{url}: {_http_reason(err)}"
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
