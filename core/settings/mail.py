"""Where the desk's mail goes and where its webhooks may call: SMTP delivery
and the sender (`[mail]`, A4a), and the non-public addresses a webhook may
call (`[webhooks] allow`, A4c)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import get_args

from core.addresses import normalise_email
from core.errors import DeskError
from core.model import DeskConfig, SmtpSettings, check_allowed_network
from core.text import check_line

SECURITIES: tuple[str, ...] = get_args(SmtpSettings.model_fields["security"].annotation)
# The port each kind of security is usually served on: STARTTLS on the
# submission port, TLS from the first byte on 465, a relay without
# encryption (on the desk's own host) on 25.
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# A POSIX environment variable's name, as a shell can set it.
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def set_delivery(config: DeskConfig, host: str, port: int | None = None,
                 security: str = "starttls", user: str = "",
                 password_env: str = "") -> SmtpSettings:
    """A4a: deliver the outbox to `host` over SMTP, in place of the server
    set before. `port` defaults to the one `security` is served on. A login
    needs `password_env`, the environment variable holding the password, so
    no secret is written into desk.toml. The sender stays what it was."""
    host = check_line(host.strip(), "The SMTP server")
    if not host or any(c.isspace() for c in host):
        raise DeskError(f"The SMTP server is a host name or address, like smtp.example.com; "
                        f"got {host!r}.")
    if security not in SECURITIES:
        raise DeskError(f"The SMTP security is one of {', '.join(SECURITIES)}; "
                        f"got {security!r}.")
    port = DEFAULT_PORTS[security] if port is None else port
    if not 1 <= port <= 65535:
        raise DeskError(f"The SMTP port is a number from 1 to 65535; got {port}.")
    user = check_line(user.strip(), "The SMTP user")
    password_env = check_variable(password_env.strip(), "SMTP")
    if user and not password_env:
        raise DeskError(f"The SMTP user {user!r} needs the environment variable that holds "
                        "the password (password_env); the password itself is never stored.")
    _keep_sender(config)
    smtp = SmtpSettings(host=host, port=port, security=security,
                        user=user, password_env=password_env)
    config.mail.smtp = smtp
    return smtp


def check_variable(name: str, server: str) -> str:
    """`name` if it can name an environment variable holding a password
    (for the `server` kind, "SMTP" or "IMAP"), else a DeskError."""
    if name and not _VARIABLE.fullmatch(name):
        raise DeskError(f"The {server} password's variable is the name of an environment "
                        f"variable, like PIPEDESK_{server}_PASSWORD (no $, no password); "
                        f"got {name!r}.")
    return name


def stop_delivery(config: DeskConfig) -> SmtpSettings | None:
    """A4a: no SMTP; mail stays in the outbox for a mail tool. Returns the
    server it went to (None if there was none). The sender stays."""
    stopped = config.mail.smtp
    config.mail.from_ = config.mail.sender
    config.mail.smtp = None
    return stopped


def set_sender(config: DeskConfig, text: str) -> str:
    """A4a: the address the desk's mail is from, with a display name or
    without (`support@example.com`, `Support <support@example.com>`): one
    line, naming one address that the desk would take as a contact's. It is
    `[mail] from`, and a `[mail.smtp] from` written by hand, which would
    win over it, goes."""
    # Imported here: composing mail is not needed before the first board.
    from core.mail.message import sender_address

    text = check_line(text.strip(), "The sender")
    if not text:
        raise DeskError("The sender needs an address, like support@example.com.")
    try:
        address = sender_address(text)
    except DeskError:
        raise DeskError(f"The sender {text!r} is not one email address; write it like "
                        "support@example.com or 'Support <support@example.com>'.") from None
    try:
        normalise_email(address.addr_spec)
    except DeskError as err:
        raise DeskError(f"The sender: {err.message}") from None
    config.mail.from_ = text
    if config.mail.smtp is not None:
        config.mail.smtp.from_ = ""
    return text


def allow_webhook_hosts(config: DeskConfig, hosts: Sequence[str]) -> list[str]:
    """A4c: the non-public addresses or networks a webhook may call, all of
    them (none: public addresses only), checked as desk.toml's are when it is
    read. An address given twice is kept once."""
    allowed: list[str] = []
    for given in hosts:
        text = check_line(given.strip(), "An allowed webhook address")
        try:
            check_allowed_network(text)
        except ValueError as err:
            raise DeskError(f"[webhooks] allow: {err}.") from None
        if text not in allowed:
            allowed.append(text)
    config.webhooks.allow = allowed
    return allowed


def _keep_sender(config: DeskConfig) -> None:
    """The sender as `[mail] from`, so that a change of the SMTP table
    leaves the address mail is from as it was (a `[mail.smtp] from` would
    go with the table)."""
    config.mail.from_ = config.mail.sender
    if config.mail.smtp is not None:
        config.mail.smtp.from_ = ""
