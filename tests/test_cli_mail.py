"""`pipedesk mail …` (A4a: SMTP delivery, the sender) and `pipedesk webhooks
…` (A4c: the non-public addresses a webhook may call): the administrator's
commands onto the same Desk methods, as desk.toml then holds them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import Result, new_desk
from mail_fixtures import Hooks, Inbox

from core.model import SmtpSettings


def _ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def _settings(home: Path) -> dict[str, Any]:
    return tomllib.loads((home / "desk.toml").read_text())


def test_a4a_mail_smtp_and_from_set_delivery_as_desk_toml_then_says(run: Any,
                                                                     home: Path) -> None:
    said = _ok(run("mail", "smtp", "smtp.example.com", "--security", "tls", "--user", "desk",
                   "--password-env", "PIPEDESK_SMTP_PASSWORD")).out
    assert said == ("Mail is delivered to smtp.example.com:465 (tls), logging in as desk "
                    "with the password in $PIPEDESK_SMTP_PASSWORD, from helpdesk@localhost.\n")
    assert _ok(run("mail", "from", "Support <support@example.com>")).out == (
        "Mail is from Support <support@example.com>.\n")
    mail = _settings(home)["mail"]
    assert mail["from"] == "Support <support@example.com>"
    assert {k: mail["smtp"][k] for k in ("host", "port", "security", "user",
                                         "password_env")} == {
        "host": "smtp.example.com", "port": 465, "security": "tls", "user": "desk",
        "password_env": "PIPEDESK_SMTP_PASSWORD"}
    assert _ok(run("mail", "show", "--json")).json() == {
        "from": "Support <support@example.com>",
        "smtp": {"host": "smtp.example.com", "port": 465, "security": "tls", "user": "desk",
                 "password_env": "PIPEDESK_SMTP_PASSWORD"}}
    assert _ok(run("mail", "show")).out == (
        "From:      Support <support@example.com>\n"
        "Delivery:  SMTP to smtp.example.com:465 (tls), logging in as desk with the "
        "password in $PIPEDESK_SMTP_PASSWORD\n")


def test_a4a_mail_smtp_off_keeps_mail_in_the_outbox_from_the_same_sender(
        run: Any, home: Path) -> None:
    _ok(run("mail", "smtp", "smtp.example.com"))
    _ok(run("mail", "from", "support@example.com"))
    assert _ok(run("mail", "smtp", "--off")).out == (
        "No longer delivered to smtp.example.com:587 (starttls): mail stays in the outbox "
        "(outbox/ in the data dir).\n")
    assert "smtp" not in _settings(home)["mail"]
    assert _ok(run("mail", "show", "--json")).json() == {"from": "support@example.com",
                                                         "smtp": None}
    assert "Delivery:  none; mail stays in the outbox" in _ok(run("mail", "show")).out


@pytest.mark.parametrize(("args", "message"), [
    (["smtp", "smtp example.com"], "The SMTP server is a host name or address"),
    (["smtp", "smtp.example.com", "--port", "70000"], "The SMTP port is a number from 1"),
    (["smtp", "smtp.example.com", "--user", "desk"],
     "The SMTP user 'desk' needs the environment variable that holds the password"),
    (["smtp", "smtp.example.com", "--user", "desk", "--password-env", "hunter 2"],
     "is the name of an environment variable"),
    (["from", "support"], "The sender 'support' is not one email address"),
    (["from", "Support\nBcc: eve@example.net"], "The sender is one line of text"),
])
def test_a4a_bad_mail_settings_exit_1_saying_what_and_write_nothing(
        run: Any, home: Path, args: list[str], message: str) -> None:
    _ok(run("mail", "smtp", "smtp.example.com"))
    before = (home / "desk.toml").read_bytes()
    result = run("mail", *args)
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("pipedesk: ") and message in result.err
    assert "Traceback" not in result.err
    assert (home / "desk.toml").read_bytes() == before


@pytest.mark.parametrize("args", [["smtp"], ["smtp", "smtp.example.com", "--off"],
                                  ["smtp", "smtp.example.com", "--security", "ssl"]])
def test_a4a_mail_smtp_written_wrong_exits_2_and_writes_nothing(
        run: Any, home: Path, args: list[str]) -> None:
    new_desk(home)
    before = (home / "desk.toml").read_bytes()
    assert run("mail", *args).code == 2
    assert (home / "desk.toml").read_bytes() == before


def test_a4a_mail_show_reads_and_creates_no_desk(run: Any, home: Path) -> None:
    result = run("mail", "show")
    assert result.code == 1 and "No desk in" in result.err
    assert not home.exists()
    new_desk(home)
    assert _ok(run("mail", "show", "--json")).json() == {"from": "helpdesk@localhost",
                                                         "smtp": None}


def test_a4a_mail_set_on_the_command_line_reaches_the_smtp_server(
        run: Any, home: Path, smtp_server: tuple[Inbox, SmtpSettings]) -> None:
    inbox, server = smtp_server
    _ok(run("mail", "smtp", server.host, "--port", str(server.port), "--security", "none"))
    _ok(run("mail", "from", "Support <support@pipedesk.example>"))
    _ok(run("contact", "add", "ada@example.com", "--name", "Ada Lovelace"))
    _ok(run("automation", "add", "0", "Closed", "send-email", "--template", "Ticket closed"))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer",
            "--contact", "ada@example.com"))
    _ok(run("ticket", "move", "1", "Closed"))
    assert inbox.envelopes == [("support@pipedesk.example", ["ada@example.com"])]
    assert inbox.received[0]["From"] == "Support <support@pipedesk.example>"


def test_a4c_webhooks_allow_sets_the_list_whole_and_none_clears_it(run: Any,
                                                                    home: Path) -> None:
    assert _ok(run("webhooks", "allow", "127.0.0.1", "10.20.0.0/16")).out == (
        "Webhooks may call public addresses and 127.0.0.1, 10.20.0.0/16.\n")
    assert _settings(home)["webhooks"]["allow"] == ["127.0.0.1", "10.20.0.0/16"]
    _ok(run("webhooks", "allow", "::1"))
    assert _ok(run("webhooks", "show", "--json")).json() == {"allow": ["::1"]}
    assert _ok(run("webhooks", "allow", "--none")).out == (
        "Webhooks call public addresses only.\n")
    assert _settings(home)["webhooks"]["allow"] == []
    assert _ok(run("webhooks", "show")).out == "Webhooks call public addresses only.\n"


def test_a4c_a_bad_allowed_address_exits_1_naming_it_and_writes_nothing(
        run: Any, home: Path) -> None:
    _ok(run("webhooks", "allow", "127.0.0.1"))
    before = (home / "desk.toml").read_bytes()
    result = run("webhooks", "allow", "::1", "localhost")
    assert result.code == 1
    assert result.err == ("pipedesk: [webhooks] allow: 'localhost' is not an IP address or "
                          "network (write it like 127.0.0.1 or 10.20.0.0/16).\n")
    assert (home / "desk.toml").read_bytes() == before
    assert run("webhooks", "allow").code == 2
    assert run("webhooks", "allow", "::1", "--none").code == 2
    assert (home / "desk.toml").read_bytes() == before


def test_a4c_an_allowed_loopback_webhook_is_called(run: Any, hook_server: str) -> None:
    # Without the allow-list the loopback URL is refused when it is saved.
    refused = run("automation", "add", "0", "Closed", "webhook", hook_server)
    assert refused.code == 1 and "127.0.0.1" in refused.err
    _ok(run("webhooks", "allow", "127.0.0.1"))
    _ok(run("automation", "add", "0", "Closed", "webhook", hook_server))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer"))
    _ok(run("ticket", "move", "1", "Closed"))
    assert [call["id"] for call in Hooks.received] == ["1"]
