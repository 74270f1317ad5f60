"""Mail in over IMAP (A1): our client, core/mail/imap.py, against a real
Dovecot on loopback (tests/imap_fixtures.py)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from imap_fixtures import ImapServer
from mail_fixtures import free_port

from core.errors import DeskError
from core.mail.imap import ImapError, ImapMailbox, password_from_env
from core.model import ImapSource


def _raw(subject: str) -> bytes:
    return (f"From: Ada <ada@example.com>\r\nTo: support@pipedesk.example\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{subject.replace(' ', '.')}@example.com>\r\n"
            f"\r\nHello,\r\nmy printer is on fire.\r\n").encode()


def _mailbox(server: ImapServer, folder: str = "INBOX", password: str | None = None,
             timeout: float = 10) -> ImapMailbox:
    return ImapMailbox(server.host, server.port, "starttls", server.user,
                       server.password if password is None else password, folder, timeout,
                       ca_file=server.ca_file)


def _source(server: ImapServer, **changes: object) -> ImapSource:
    fields: dict[str, object] = {"host": server.host, "port": server.port,
                                 "security": "starttls", "user": server.user,
                                 "password_env": "PIPEDESK_IMAP_PASSWORD"}
    return ImapSource.model_validate(fields | changes)


def test_a1_unseen_fetch_and_mark_seen_round_trip(imap_server: ImapServer) -> None:
    first = imap_server.deliver(_raw("Printer on fire"))
    imap_server.deliver(_raw("Already read"), seen=True)
    second = imap_server.deliver(_raw("Still on fire"))
    with _mailbox(imap_server) as mailbox:
        assert mailbox.unseen() == [first, second]
        assert mailbox.fetch(first) == _raw("Printer on fire")
        mailbox.mark_seen(first)
        assert mailbox.unseen() == [second]
    # Another mail program sees it read, and the other one still new.
    assert "\\Seen" in imap_server.flags(first)
    assert imap_server.unseen() == [second]


def test_a1_fetching_leaves_the_message_unseen_until_marked_seen(
        imap_server: ImapServer) -> None:
    uid = imap_server.deliver(_raw("Printer on fire"))
    with _mailbox(imap_server) as mailbox:
        mailbox.fetch(uid)
    # A desk that fetched and then failed to store it finds it again.
    assert imap_server.unseen() == [uid]
    with _mailbox(imap_server) as mailbox:
        assert mailbox.unseen() == [uid]
        mailbox.mark_seen(uid)
    assert imap_server.unseen() == []


def test_a1_a_channel_reads_the_folder_its_settings_name(imap_server: ImapServer) -> None:
    imap_server.deliver(_raw("In the inbox"))
    uid = imap_server.deliver(_raw("For support"), folder="Support")
    source = _source(imap_server, folder="Support")
    with ImapMailbox.open(source, imap_server.password, ca_file=imap_server.ca_file) as mailbox:
        assert mailbox.unseen() == [uid]
        assert b"Subject: For support" in mailbox.fetch(uid)
        assert mailbox.uidvalidity > 0


def test_a1_polling_sees_mail_delivered_while_the_mailbox_is_open(
        imap_server: ImapServer) -> None:
    # What a caller does where the server has no IDLE: ask again later.
    with _mailbox(imap_server) as mailbox:
        assert mailbox.unseen() == []
        uid = imap_server.deliver(_raw("Printer on fire"))
        assert mailbox.unseen() == [uid]


def test_a1_idle_hears_of_new_mail_delivered_from_elsewhere_soon(
        imap_server: ImapServer) -> None:
    with _mailbox(imap_server) as mailbox:
        assert mailbox.unseen() == []
        delivered: list[int] = []
        later = threading.Timer(0.2, lambda: delivered.append(
            imap_server.deliver(_raw("Printer on fire"))))
        started = time.monotonic()
        later.start()
        try:
            assert mailbox.idle(30) is True
            took = time.monotonic() - started
        finally:
            later.join()
        assert took < 5, f"IDLE took {took:.1f} s to hear of the new message"
        assert mailbox.unseen() == delivered


def test_a1_idle_without_news_says_so_when_the_time_is_up(imap_server: ImapServer) -> None:
    with _mailbox(imap_server) as mailbox:
        started = time.monotonic()
        assert mailbox.idle(0.3) is False
        assert 0.25 < time.monotonic() - started < 5
        # The connection still works after IDLE ended.
        uid = imap_server.deliver(_raw("After the wait"))
        assert mailbox.unseen() == [uid]


def test_a1_a_wrong_password_is_a_clear_refusal_naming_the_variable(
        imap_server: ImapServer) -> None:
    source = _source(imap_server)
    with pytest.raises(ImapError) as refused:
        ImapMailbox.open(source, "not the password", ca_file=imap_server.ca_file)
    assert refused.value.message.startswith(
        f"IMAP server 127.0.0.1:{imap_server.port} refused the login for 'desk'; check the "
        "user and the password in $PIPEDESK_IMAP_PASSWORD")
    assert "\n" not in refused.value.message
    assert isinstance(refused.value, DeskError)


def test_a1_no_server_on_the_port_is_a_clear_error() -> None:
    port = free_port()  # nothing listens there any more
    with pytest.raises(ImapError) as refused:
        ImapMailbox("127.0.0.1", port, "none", "desk", "pw", "INBOX")
    assert refused.value.message == (f"IMAP server 127.0.0.1:{port}: cannot connect: connection "
                                     "refused (no IMAP server listens there)")


def test_a1_a_folder_the_account_lacks_is_named(imap_server: ImapServer) -> None:
    with pytest.raises(ImapError) as refused:
        _mailbox(imap_server, folder="Helpdesk")
    assert refused.value.message.startswith(
        f"IMAP server 127.0.0.1:{imap_server.port} has no folder 'Helpdesk' for 'desk'")
    assert refused.value.message.endswith("check folder in [channels.imap].")


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        yield int(listener.getsockname()[1])
    finally:
        listener.close()


def test_a1_a_server_that_does_not_answer_times_out_with_a_clear_error(
        silent_server: int) -> None:
    with pytest.raises(ImapError) as refused:
        ImapMailbox("127.0.0.1", silent_server, "none", "desk", "pw", "INBOX", timeout=0.3)
    assert refused.value.message == (f"IMAP server 127.0.0.1:{silent_server}: no answer within "
                                     "0.3 s during the connection")


def test_a1_starttls_checks_the_certificate_by_default(imap_server: ImapServer) -> None:
    with pytest.raises(ImapError) as refused:
        ImapMailbox.open(_source(imap_server), imap_server.password)
    assert refused.value.message.startswith(
        f"IMAP server 127.0.0.1:{imap_server.port}: its TLS certificate is not trusted: "
        "self-signed certificate")
    # Trusting the server's own certificate (ca_file) is enough.
    with ImapMailbox.open(_source(imap_server), imap_server.password,
                          ca_file=imap_server.ca_file) as mailbox:
        assert mailbox.unseen() == []


def test_a1_starttls_with_checks_turned_off(imap_server: ImapServer) -> None:
    uid = imap_server.deliver(_raw("Lab server"))
    with ImapMailbox.open(_source(imap_server), imap_server.password, verify=False) as mailbox:
        assert mailbox.unseen() == [uid]


def test_a1_tls_from_the_first_byte(imap_server: ImapServer) -> None:
    uid = imap_server.deliver(_raw("Over TLS"))
    source = _source(imap_server, security="tls", port=imap_server.tls_port)
    with ImapMailbox.open(source, imap_server.password, ca_file=imap_server.ca_file) as mailbox:
        assert mailbox.fetch(uid) == _raw("Over TLS")
    # The certificate names 127.0.0.1 and localhost, and is checked for it.
    with pytest.raises(ImapError) as refused:
        ImapMailbox.open(source.model_copy(update={"host": "127.0.0.2"}), imap_server.password,
                         ca_file=imap_server.ca_file, timeout=2)
    assert "127.0.0.2" in refused.value.message


def test_a1_tls_to_a_plain_port_says_what_may_be_wrong(imap_server: ImapServer) -> None:
    source = _source(imap_server, security="tls")  # the STARTTLS port
    with pytest.raises(ImapError) as refused:
        ImapMailbox.open(source, imap_server.password, ca_file=imap_server.ca_file, timeout=5)
    assert refused.value.message.startswith(
        f"IMAP server 127.0.0.1:{imap_server.port}: TLS failed: ")
    assert "security \"starttls\"" in refused.value.message


def test_a1_plain_imap_without_tls(imap_server: ImapServer) -> None:
    uid = imap_server.deliver(_raw("On loopback"))
    with ImapMailbox.open(_source(imap_server, security="none"), imap_server.password) as box:
        assert box.unseen() == [uid]


def test_a1_a_closed_mailbox_refuses_plainly(imap_server: ImapServer) -> None:
    mailbox = _mailbox(imap_server)
    mailbox.close()
    mailbox.close()  # twice is harmless
    with pytest.raises(ImapError, match="is closed"):
        mailbox.unseen()


def test_a1_a_message_gone_from_the_server_is_named(imap_server: ImapServer) -> None:
    with _mailbox(imap_server) as mailbox, pytest.raises(ImapError) as refused:
        mailbox.fetch(4242)
    assert "has no message with UID 4242 in the folder 'INBOX'" in refused.value.message


def test_a1_the_password_comes_from_the_variable_the_settings_name() -> None:
    assert password_from_env("PIPEDESK_IMAP_PASSWORD",
                             {"PIPEDESK_IMAP_PASSWORD": "s3cret"}) == "s3cret"
    with pytest.raises(ImapError) as unset:
        password_from_env("PIPEDESK_IMAP_PASSWORD", {})
    assert unset.value.message == (
        "The environment variable PIPEDESK_IMAP_PASSWORD (password_env in [channels.imap]) is "
        "not set, so there is no IMAP password to log in with.")
    with pytest.raises(ImapError, match="has no password_env"):
        password_from_env("", {})
