"""Sending over SMTP with `[mail.smtp]` from desk.toml: STARTTLS, TLS from
the first byte, or none (a relay on the same host). Every failure becomes a
`MailError` with one line naming the server and the reason, and the message
stays in the outbox for the next try."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from email.message import EmailMessage

from core.mail.message import MailError
from core.model import SmtpSettings


def smtp_sender(settings: SmtpSettings, environ: Mapping[str, str] = os.environ,
                timeout: float = 10.0,
                ssl_context: ssl.SSLContext | None = None) -> Callable[[EmailMessage], None]:
    where = f"{settings.host}:{settings.port}"

    def password() -> str:
        if not settings.user:
            return ""
        name = settings.password_env
        if not name:
            raise MailError(f"{where}: [mail.smtp] names user {settings.user!r} but no "
                            "password_env (the variable that holds the password).")
        if name not in environ:
            raise MailError(f"{where}: the environment variable {name} (password_env) is "
                            "not set, so there is no password to log in with.")
        return environ[name]

    def send(message: EmailMessage) -> None:
        secret = password()
        context = ssl_context or ssl.create_default_context()
        try:
            if settings.security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port,
                                                        timeout=timeout, context=context)
            else:
                client = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
            with client:
                if settings.security == "starttls":
                    client.starttls(context=context)
                if settings.user:
                    client.login(settings.user, secret)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as err:
            raise MailError(f"{where} refused the login of {settings.user!r}: "
                            f"{_said(err.smtp_code, err.smtp_error)}") from None
        except smtplib.SMTPRecipientsRefused as err:
            codes = "; ".join(f"{rcpt}: {_said(code, text)}"
                              for rcpt, (code, text) in err.recipients.items())
            raise MailError(f"{where} refused the recipient: {codes}") from None
        except smtplib.SMTPResponseException as err:
            raise MailError(f"{where} refused the message: "
                            f"{_said(err.smtp_code, err.smtp_error)}") from None
        except smtplib.SMTPNotSupportedError:
            raise MailError(f"{where} does not offer STARTTLS; set security to \"tls\" "
                            "or \"none\" in [mail.smtp].") from None
        except ssl.SSLError as err:
            raise MailError(f"{where}: TLS failed: {err.reason or err}") from None
        except (smtplib.SMTPException, OSError) as err:
            reason = "no answer in time" if isinstance(err, TimeoutError) else \
                (err.strerror if isinstance(err, OSError) and err.strerror else str(err))
            raise MailError(f"{where}: cannot deliver: {reason}") from None

    return send


def _said(code: int, text: bytes | str) -> str:
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {words}".strip()
