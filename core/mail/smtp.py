"""Sending over SMTP with `[mail.smtp]` from desk.toml: STARTTLS, TLS from
the first byte, or none (a relay on the same host). Every failure becomes a
`MailError` with one line naming the server and the reason, and the message
stays in the outbox for the next try."""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping

from core.mail.message import MailError, Outgoing
from core.model import SmtpSettings

# What the sender was doing, for "... refused <this>: 554 ...".
_STEPS = {"connect": "the connection", "starttls": "STARTTLS", "login": "the login",
          "send": "the message"}


def smtp_sender(settings: SmtpSettings, environ: Mapping[str, str] = os.environ,
                timeout: float = 10.0,
                ssl_context: ssl.SSLContext | None = None) -> Callable[[Outgoing], None]:
    """A function that hands one message to the server, or raises MailError.
    `ssl_context` is for tests (a self-signed certificate)."""
    where = f"{settings.host}:{settings.port}"
    context = ssl_context or ssl.create_default_context()

    def send(mail: Outgoing) -> None:
        secret = _password(settings, environ, where)
        client: smtplib.SMTP | None = None
        step = "connect"
        try:
            if settings.security == "tls":
                client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=timeout,
                                          context=context)
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            if settings.security == "starttls":
                step = "starttls"
                client.starttls(context=context)
            if settings.user:
                step = "login"
                client.login(settings.user, secret)
            step = "send"
            # The envelope as composed from the stored addresses: smtplib
            # would otherwise take the recipients from the To header.
            client.send_message(mail.message, from_addr=mail.sender,
                                to_addrs=list(mail.recipients))
        except (smtplib.SMTPException, OSError) as err:
            raise MailError(_reason(err, where, step, settings, timeout)) from None
        finally:
            if client is not None:
                _hang_up(client)

    return send


def _password(settings: SmtpSettings, environ: Mapping[str, str], where: str) -> str:
    if not settings.user:
        return ""
    name = settings.password_env
    if not name:
        raise MailError(f"{where}: [mail.smtp] has user {settings.user!r} but no password_env "
                        "(the environment variable that holds the password).")
    if name not in environ:
        raise MailError(f"{where}: the environment variable {name} (password_env in "
                        "[mail.smtp]) is not set, so there is no password to log in with.")
    return environ[name]


def _hang_up(client: smtplib.SMTP) -> None:
    # The server has the message once DATA was accepted; a failed QUIT must
    # not make it look unsent (it would be sent again).
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def _reason(err: Exception, where: str, step: str, settings: SmtpSettings,
            timeout: float) -> str:
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        said = "; ".join(f"{rcpt}: {_said(code, text)}"
                         for rcpt, (code, text) in err.recipients.items())
        return f"{where} refused the recipient {said}"
    if isinstance(err, smtplib.SMTPSenderRefused):
        return f"{where} refused the sender {err.sender}: {_said(err.smtp_code, err.smtp_error)}"
    if isinstance(err, smtplib.SMTPAuthenticationError):
        return (f"{where} refused the login of {settings.user!r}: "
                f"{_said(err.smtp_code, err.smtp_error)}")
    if isinstance(err, smtplib.SMTPResponseException):
        return f"{where} refused {_STEPS[step]}: {_said(err.smtp_code, err.smtp_error)}"
    if isinstance(err, smtplib.SMTPNotSupportedError) and step == "starttls":
        return (f"{where} does not offer STARTTLS; if that is expected, set security to "
                "\"tls\" or \"none\" in [mail.smtp].")
    if isinstance(err, smtplib.SMTPNotSupportedError) and step == "login":
        return f"{where} does not offer a login; leave user empty in [mail.smtp]."
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"{where}: its TLS certificate is not trusted: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return f"{where}: TLS failed: {err.reason or err}"
    # smtplib reports a read that timed out as a disconnection.
    if isinstance(err, TimeoutError) or isinstance(err.__context__, TimeoutError):
        return f"{where}: cannot deliver: no answer within {timeout:g} s"
    if isinstance(err, ConnectionRefusedError):
        return f"{where}: cannot deliver: connection refused (no mail server listens there)"
    if isinstance(err, socket.gaierror):
        return f"{where}: cannot deliver: no such host ({err.strerror})"
    if isinstance(err, smtplib.SMTPServerDisconnected):
        during = "" if step == "connect" else f" during {_STEPS[step]}"
        return f"{where}: cannot deliver: the server closed the connection{during}"
    if isinstance(err, OSError) and err.strerror:
        return f"{where}: cannot connect: {err.strerror}"
    return f"{where}: {_STEPS[step]} failed: {err}"


def _said(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return " ".join(f"{code} {words}".split())  # one line, however the server wrapped it
