"""Mail out: composing, the Maildir outbox with its retries, SMTP delivery,
against a real aiosmtpd server on loopback."""

from __future__ import annotations

import mailbox
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from mail_fixtures import Inbox, free_port

from core.errors import DeskError
from core.mail.message import HeaderInjection, MailError, Outgoing, compose, recipient
from core.mail.outbox import Outbox
from core.mail.smtp import smtp_sender
from core.model import SmtpSettings

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
SENDER = "Pipedesk Support <support@pipedesk.example>"


def _mail(subject: str = "Your request is closed [#7]", to: str = "ada@example.com",
          body: str = "Hello Ada,\nyour ticket is closed.", name: str = "") -> Outgoing:
    return compose(sender=SENDER, to=recipient(name, to), subject=subject, body=body, now=NOW)


def _files(outbox: Outbox) -> list[Path]:
    return [p for sub in ("tmp", "new", "cur", ".sending") if (outbox.root / sub).is_dir()
            for p in (outbox.root / sub).iterdir()]


# -- composing ---------------------------------------------------------------------


def test_a4a_ticket_text_in_an_email_never_drives_the_customers_terminal() -> None:
    """Issue 11 item 1: a subject written before the text rule (or by hand)
    holds an escape; filled into an email, the customer's mail program gets
    no control character in the subject or the body, and the body keeps its
    lines."""
    hostile = "Title \x1b]2;PWNED\x07 \u202eevil"
    message = _mail(subject=f"Closed: {hostile}", body=f"Hello,\n{hostile}\nBye").message
    subject = str(message["Subject"])
    body = message.get_content()
    for text in (subject, body):
        assert not any(c in text for c in "\x1b\x07\u202e"), repr(text)
    assert subject == "Closed: Title ]2;PWNED evil"
    assert body.splitlines() == ["Hello,", "Title ␛]2;PWNED␇ �evil", "Bye"]


def test_a4a_a_composed_message_arrives_with_all_its_headers(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    outbox = Outbox(tmp_path / "outbox")
    outbox.put(compose(sender="Zoë at Pipedesk <support@pipedesk.example>",
                       to=recipient("Zoë Ünal", "zoe@example.com"),
                       subject="Grüße — your café order",
                       body="Hallo Zoë,\n☕ is on its way.", now=NOW))

    [delivery] = outbox.deliver_due(smtp_sender(settings), NOW)

    assert delivery.ok and delivery.to == "zoe@example.com"
    assert inbox.envelopes == [("support@pipedesk.example", ["zoe@example.com"])]
    [got] = inbox.received
    assert got["From"] == "Zoë at Pipedesk <support@pipedesk.example>"
    assert got["To"] == "Zoë Ünal <zoe@example.com>"
    assert got["Subject"] == "Grüße — your café order"
    assert got["Auto-Submitted"] == "auto-generated"
    assert got["Message-ID"].startswith("<") and got["Message-ID"].endswith(
        "@pipedesk.example>")
    assert parsedate_to_datetime(got["Date"]) == NOW
    assert got.get_content_type() == "text/plain" and got.get_content_charset() == "utf-8"
    assert got.get_content().splitlines() == ["Hallo Zoë,", "☕ is on its way."]
    assert outbox.pending() == [] and _files(outbox) == []


def test_a4a_a_person_writing_by_hand_is_not_marked_automated() -> None:
    mail = compose(sender=SENDER, to=recipient("", "ada@example.com"), subject="Hi", body="Hi",
                   now=NOW, automated=False)
    assert "Auto-Submitted" not in mail.message


@pytest.mark.parametrize(("header", "fields"), [
    ("Subject", {"subject": "Printer\r\nBcc: everyone@example.com"}),
    ("Subject", {"subject": "Printer\nBcc: everyone@example.com"}),
    ("Subject", {"subject": "Printer\u2028Bcc: everyone@example.com"}),
    ("Subject", {"subject": "Printer\x85Bcc: everyone@example.com"}),
    ("From", {"sender": "Support\r <support@pipedesk.example>"}),
])
def test_a4a_a_line_break_in_a_header_is_refused_and_nothing_is_queued(
        tmp_path: Path, header: str, fields: dict[str, str]) -> None:
    outbox = Outbox(tmp_path / "outbox")
    values = {"sender": SENDER, "subject": "Hi", **fields}
    with pytest.raises(HeaderInjection) as refused:
        outbox.put(compose(sender=values["sender"], to=recipient("", "ada@example.com"),
                           subject=values["subject"], body="Hi", now=NOW))
    assert refused.value.message.startswith(f"The email's {header} holds a line break")
    assert refused.value.message.endswith("it was not sent.")
    assert outbox.pending() == [] and _files(outbox) == []


@pytest.mark.parametrize("to", ["", "  ", "ada", "ada@", "Ada Lovelace", "ada@example.com, bo",
                                "Bo <bo@example.com>", "ada@example.com\r\nBcc: x@y.example"])
def test_a4a_an_empty_or_invalid_recipient_is_refused(to: str) -> None:
    with pytest.raises(DeskError, match="is not a valid email address") as refused:
        _mail(to=to)
    assert "it was not sent" in refused.value.message


@pytest.mark.parametrize(("name", "shown"), [
    ("Eve\n Bcc: x@y.example", "Eve Bcc: x@y.example"),
    ("Eve\r\nTo: x@y.example", "Eve To: x@y.example"),
    ("Eve\u2028\x85\x1b[31mRed", "Eve [31mRed"),
    ("Eve <x@y.example>", "Eve <x@y.example>"),
    ("=?utf-8?q?x=40y.example?=", "= ?utf-8?q?x=40y.example?="),
])
def test_a4a_a_contact_name_is_a_display_name_of_one_line_and_nothing_more(
        name: str, shown: str) -> None:
    """A4a: the name shows as the contact wrote it, made one line; the
    address is the stored one, whatever the name holds."""
    mail = _mail(to="ada@example.com", name=name)
    [to] = mail.message["To"].addresses
    assert (to.display_name, to.addr_spec) == (shown, "ada@example.com")
    assert mail.recipients == ("ada@example.com",)
    assert mail.sender == "support@pipedesk.example"


# -- the outbox --------------------------------------------------------------------


def test_a4a_the_outbox_is_a_maildir_any_mail_tool_can_read(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox")
    first = outbox.put(_mail("First"))
    second = outbox.put(_mail("Second", to="bo@example.com", name="Bo"))

    assert first != second
    assert {p.name for p in outbox.root.iterdir()} >= {"tmp", "new", "cur"}
    box = mailbox.Maildir(outbox.root, factory=None, create=False)
    assert sorted(str(m["Subject"]) for m in box) == ["First", "Second"]
    assert sorted(box.keys()) == sorted([first, second])
    assert [(i.to, i.subject, i.attempts, i.next_try, i.last_error)
            for i in outbox.pending()] == [("ada@example.com", "First", 0, None, ""),
                                           ("bo@example.com", "Second", 0, None, "")]


def test_a4a_a_message_without_its_envelope_is_not_sent_by_its_headers(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    """Where mail goes is the envelope composed from the stored address; a
    message put in the outbox some other way is not sent to whatever its To
    header says, and it stays."""
    inbox, settings = smtp_server
    outbox = Outbox(tmp_path / "outbox")
    key = outbox.put(_mail("Hand-made"))
    (outbox.root / ".envelope" / key).unlink()

    [delivery] = outbox.deliver_due(smtp_sender(settings), NOW)

    assert not delivery.ok and "has no envelope" in delivery.error
    assert inbox.received == [] and [i.subject for i in outbox.pending()] == ["Hand-made"]


def test_a4a_a_refused_message_stays_with_the_reason_and_goes_after_the_back_off(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    inbox.refusals = 2
    outbox = Outbox(tmp_path / "outbox")
    outbox.put(_mail("Printer on fire"))
    send = smtp_sender(settings)
    reason = f"127.0.0.1:{settings.port} refused the message: 451 4.3.0 Try again later"

    [first] = outbox.deliver_due(send, NOW)
    assert (first.ok, first.error, first.next_try) == (False, reason,
                                                       NOW + timedelta(seconds=30))
    [waiting] = outbox.pending()
    assert (waiting.subject, waiting.attempts, waiting.next_try, waiting.last_error) == (
        "Printer on fire", 1, NOW + timedelta(seconds=30), reason)

    assert outbox.deliver_due(send, NOW + timedelta(seconds=29)) == []  # not due yet
    [second] = outbox.deliver_due(send, NOW + timedelta(seconds=30))
    assert second.next_try == NOW + timedelta(seconds=90)  # twice the wait
    assert inbox.received == [] and len(outbox.pending()) == 1

    [third] = outbox.deliver_due(send, NOW + timedelta(minutes=2))
    assert third.ok and inbox.subjects == ["Printer on fire"]
    assert outbox.pending() == [] and _files(outbox) == []
    assert list(mailbox.Maildir(outbox.root, create=False)) == []


def test_a4a_two_processes_never_send_one_message_twice(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    subjects = [f"Ticket {n}" for n in range(30)]
    for subject in subjects:
        Outbox(tmp_path / "outbox").put(_mail(subject))
    start = threading.Barrier(3)

    def deliver() -> None:
        start.wait()
        Outbox(tmp_path / "outbox").deliver_due(smtp_sender(settings), NOW)

    workers = [threading.Thread(target=deliver) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)

    assert inbox.subjects == sorted(subjects)
    assert Outbox(tmp_path / "outbox").pending() == []


# -- SMTP --------------------------------------------------------------------------


def test_a4a_a_missing_password_variable_is_named_and_the_message_stays(
        tmp_path: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    settings = settings.model_copy(update={"user": "desk",
                                           "password_env": "DESK_SMTP_PASSWORD"})
    outbox = Outbox(tmp_path / "outbox")
    outbox.put(_mail())

    [delivery] = outbox.deliver_due(smtp_sender(settings, environ={}), NOW)

    assert not delivery.ok
    assert delivery.error == (f"127.0.0.1:{settings.port}: the environment variable "
                              "DESK_SMTP_PASSWORD (password_env in [mail.smtp]) is not set, "
                              "so there is no password to log in with.")
    assert inbox.received == [] and outbox.pending()[0].last_error == delivery.error


def test_a4a_no_server_listening_is_a_one_line_reason(tmp_path: Path) -> None:
    port = free_port()
    send = smtp_sender(SmtpSettings(host="127.0.0.1", port=port, security="none"))
    with pytest.raises(MailError) as failed:
        send(_mail())
    assert failed.value.message == (f"127.0.0.1:{port}: cannot deliver: connection refused "
                                    "(no mail server listens there)")


def test_a4a_a_server_that_does_not_answer_is_given_up_after_the_timeout() -> None:
    with socket.socket() as silent:  # takes the connection, never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        send = smtp_sender(SmtpSettings(host="127.0.0.1", port=port, security="none"),
                           timeout=0.3)
        with pytest.raises(MailError) as failed:
            send(_mail())
    assert failed.value.message == f"127.0.0.1:{port}: cannot deliver: no answer within 0.3 s"


def test_a4a_a_server_without_starttls_is_not_sent_to_in_the_clear(
        smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, settings = smtp_server
    send = smtp_sender(settings.model_copy(update={"security": "starttls"}))
    with pytest.raises(MailError) as failed:
        send(_mail())
    assert failed.value.message.startswith(f"127.0.0.1:{settings.port} does not offer STARTTLS")
    assert inbox.received == []


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[Inbox, SmtpSettings, Path]]:
    """STARTTLS with a self-signed certificate and a login (desk / s3cret)."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)

    def check(server: Any, session: Any, envelope: Any, mechanism: str,
              data: Any) -> AuthResult:
        # handled=False: aiosmtpd then answers a failure with 535 itself.
        return AuthResult(success=isinstance(data, LoginPassword)
                          and (data.login, data.password) == (b"desk", b"s3cret"),
                          handled=False)

    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=server_tls,
                            require_starttls=True, authenticator=check)
    controller.start()
    try:
        yield inbox, SmtpSettings(host="127.0.0.1", port=port, security="starttls",
                                  user="desk", password_env="DESK_SMTP_PASSWORD"), cert
    finally:
        controller.stop()


def test_a4a_starttls_and_a_login_with_the_password_from_the_environment(
        tls_server: tuple[Inbox, SmtpSettings, Path]) -> None:
    inbox, settings, cert = tls_server
    trusted = ssl.create_default_context(cafile=str(cert))
    send = smtp_sender(settings, environ={"DESK_SMTP_PASSWORD": "s3cret"}, ssl_context=trusted)
    send(_mail("Over TLS"))
    assert inbox.subjects == ["Over TLS"]

    wrong = smtp_sender(settings, environ={"DESK_SMTP_PASSWORD": "guess"}, ssl_context=trusted)
    with pytest.raises(MailError, match=rf"^127\.0\.0\.1:{settings.port} refused the login "
                                        r"of 'desk': 535 "):
        wrong(_mail("Wrong password"))
    assert inbox.subjects == ["Over TLS"]


def test_a4a_an_untrusted_certificate_is_refused_with_a_reason(
        tls_server: tuple[Inbox, SmtpSettings, Path]) -> None:
    inbox, settings, _ = tls_server
    send = smtp_sender(settings, environ={"DESK_SMTP_PASSWORD": "s3cret"})  # system CAs
    with pytest.raises(MailError) as failed:
        send(_mail())
    assert failed.value.message.startswith(
        f"127.0.0.1:{settings.port}: its TLS certificate is not trusted: ")
    assert "self-signed" in failed.value.message and "\n" not in failed.value.message
    assert inbox.received == []
