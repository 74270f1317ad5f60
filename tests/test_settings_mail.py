"""Where the desk's mail goes (A4a: SMTP delivery and the sender) and where
its webhooks may call (A4c: `[webhooks] allow`), as pure functions on a
DeskConfig built in memory (core/settings/mail.py), and through the desk."""

from __future__ import annotations

from typing import Any

import pytest
from core_fixtures import ADMIN, add_agent, refusal, reopen

from core import Actor, Desk
from core.model import DeskConfig, SmtpSettings, new_desk_config
from core.settings import mail


def test_a4a_smtp_delivery_is_set_with_the_port_its_security_is_served_on() -> None:
    config = new_desk_config()
    smtp = mail.set_delivery(config, " smtp.example.com ")
    assert (smtp.host, smtp.port, smtp.security) == ("smtp.example.com", 587, "starttls")
    assert config.mail.smtp == smtp
    assert mail.set_delivery(config, "smtp.example.com", security="tls").port == 465
    assert mail.set_delivery(config, "127.0.0.1", security="none").port == 25
    smtp = mail.set_delivery(config, "smtp.example.com", port=2525, user="desk",
                             password_env="PIPEDESK_SMTP_PASSWORD")
    assert config.mail.smtp == SmtpSettings(host="smtp.example.com", port=2525, user="desk",
                                            password_env="PIPEDESK_SMTP_PASSWORD")


@pytest.mark.parametrize(("args", "message"), [
    ({"host": ""}, "The SMTP server is a host name or address"),
    ({"host": "smtp example.com"}, "The SMTP server is a host name or address"),
    ({"host": "smtp.exa\nmple.com"}, "The SMTP server is one line"),
    ({"host": "smtp\x1b[31m.example.com"}, "The SMTP server"),
    ({"security": "ssl"}, "The SMTP security is one of starttls, tls, none; got 'ssl'."),
    ({"port": 0}, "The SMTP port is a number from 1 to 65535; got 0."),
    ({"port": 70000}, "The SMTP port is a number from 1 to 65535; got 70000."),
    ({"user": "desk"}, "The SMTP user 'desk' needs the environment variable"),
    ({"user": "desk", "password_env": "$PASSWORD"}, "no $, no password); got '$PASSWORD'"),
    ({"user": "de\nsk", "password_env": "P"}, "The SMTP user"),
])
def test_a4a_smtp_delivery_that_cannot_work_is_refused_and_nothing_changes(
        args: dict[str, Any], message: str) -> None:
    config = new_desk_config()
    mail.set_delivery(config, "smtp.example.com")
    before = config.model_copy(deep=True)
    with refusal(message):
        mail.set_delivery(config, **{"host": "smtp.other.example", **args})
    assert config == before


def test_a4a_stopping_delivery_keeps_mail_in_the_outbox_from_the_same_sender() -> None:
    config = new_desk_config()
    assert mail.stop_delivery(config) is None
    # A [mail.smtp] from written by hand is the sender; without SMTP it
    # would be gone, and mail would leave from the old [mail] from.
    config.mail.smtp = SmtpSettings(host="smtp.example.com",
                                    **{"from": "Support <support@example.com>"})
    assert mail.stop_delivery(config) == SmtpSettings(
        host="smtp.example.com", **{"from": "Support <support@example.com>"})
    assert config.mail.smtp is None
    assert config.mail.sender == "Support <support@example.com>"


def test_a4a_a_new_smtp_server_keeps_the_sender() -> None:
    config = new_desk_config()
    config.mail.smtp = SmtpSettings(host="old.example.com", **{"from": "help@example.com"})
    mail.set_delivery(config, "new.example.com")
    assert config.mail.sender == "help@example.com"


@pytest.mark.parametrize("sender", ["support@example.com", "Support <support@example.com>",
                                    "Zoë at Pipedesk <zoe@pipedesk.example>"])
def test_a4a_the_sender_is_one_address_with_or_without_a_name(sender: str) -> None:
    config = new_desk_config()
    config.mail.smtp = SmtpSettings(host="smtp.example.com", **{"from": "old@example.com"})
    assert mail.set_sender(config, f" {sender} ") == sender
    # The one the command set is the one mail is from: a [mail.smtp] from
    # (written by hand) would win over it, so it goes.
    assert (config.mail.from_, config.mail.sender) == (sender, sender)
    assert config.mail.smtp is not None and config.mail.smtp.from_ == ""


@pytest.mark.parametrize(("sender", "message"), [
    ("", "The sender needs an address"),
    ("support", "The sender 'support' is not one email address"),
    ("a@example.com, b@example.com", "is not one email address"),
    # The rule a contact's address follows (a domain with a dot).
    ("support@localhost", "The sender: 'support@localhost' is not an email address"),
    ("Support\r\nBcc: eve@example.net <support@example.com>", "The sender is one line"),
    ("Support\x1b[2J <support@example.com>", "The sender"),
])
def test_a4a_a_sender_that_is_no_address_is_refused_and_nothing_changes(
        sender: str, message: str) -> None:
    config = new_desk_config()
    with refusal(message):
        mail.set_sender(config, sender)
    assert config.mail == new_desk_config().mail


def test_a4c_the_webhook_allow_list_is_set_whole_each_address_once() -> None:
    config = new_desk_config()
    assert mail.allow_webhook_hosts(config, ["127.0.0.1", " ::1 ", "10.20.0.0/16",
                                             "127.0.0.1"]) == ["127.0.0.1", "::1",
                                                               "10.20.0.0/16"]
    assert config.webhooks.allow == ["127.0.0.1", "::1", "10.20.0.0/16"]
    assert mail.allow_webhook_hosts(config, []) == [] and config.webhooks.allow == []


@pytest.mark.parametrize(("host", "message"), [
    # What desk.toml's check says of the same text when the file is read.
    ("localhost", "[webhooks] allow: 'localhost' is not an IP address or network "
                  "(write it like 127.0.0.1 or 10.20.0.0/16)."),
    ("10.20.0.0/33", "'10.20.0.0/33' is not an IP address or network"),
    ("127.0.\n0.1", "An allowed webhook address is one line"),
])
def test_a4c_an_allowed_webhook_address_that_is_no_address_is_refused_whole(
        host: str, message: str) -> None:
    config = new_desk_config()
    mail.allow_webhook_hosts(config, ["10.0.0.1"])
    with refusal(message):
        mail.allow_webhook_hosts(config, ["127.0.0.1", host])
    assert config.webhooks.allow == ["10.0.0.1"]


def test_a4c_the_allow_list_is_refused_as_desk_toml_refuses_it() -> None:
    # One check for both: the file's and the command's words are the same.
    with pytest.raises(ValueError, match="'localhost' is not an IP address or network"):
        DeskConfig.model_validate({"webhooks": {"allow": ["localhost"]}})


def test_a4a_a4c_mail_and_webhook_settings_are_kept_through_the_desk(desk: Desk) -> None:
    desk.set_mail_delivery("smtp.example.com", ADMIN, security="tls", user="desk",
                           password_env="PIPEDESK_SMTP_PASSWORD")
    desk.set_sender("Support <support@example.com>", ADMIN)
    desk.allow_webhook_hosts(["10.20.0.0/16"], ADMIN)
    again = reopen(desk)
    shown = again.mail_settings(ADMIN)
    assert shown.smtp == SmtpSettings(host="smtp.example.com", port=465, security="tls",
                                      user="desk", password_env="PIPEDESK_SMTP_PASSWORD")
    assert shown.sender == "Support <support@example.com>"
    assert again.webhook_allow_list(ADMIN) == ["10.20.0.0/16"]
    assert again.stop_mail_delivery(ADMIN) == shown.smtp
    assert reopen(desk).mail_settings(ADMIN).smtp is None


def test_a4a_a4c_only_administrators_change_where_mail_goes_and_webhooks_call(
        desk: Desk) -> None:
    add_agent(desk)
    agent = Actor.user("ingrid")
    with refusal("Only administrators may change mail delivery"):
        desk.set_mail_delivery("smtp.example.com", agent)
    with refusal("Only administrators may change mail delivery"):
        desk.set_sender("eve@example.net", agent)
    with refusal("Only administrators may change mail delivery"):
        desk.stop_mail_delivery(agent)
    with refusal("Only administrators may change where webhooks may call"):
        desk.allow_webhook_hosts(["127.0.0.1"], agent)
    again = reopen(desk)
    assert again.mail_settings(agent) == new_desk_config().mail
    assert again.webhook_allow_list(agent) == []
