"""Reading a channel's mailbox over IMAP (A1): the UIDs of unseen messages,
a message's raw bytes without marking it seen, marking it seen once the desk
has it, and waiting for news with IDLE. On imapclient, which parses the
server's literals, UIDs, flags and IDLE responses for us.

Every failure (no server, a refused login, no such folder, TLS, no answer in
time, a command the server refused) becomes one `ImapError` whose message
names the server and says what went wrong in plain words.

Certificates (security "tls" and "starttls"): checked by default, against
the system's trusted authorities and for the host name connected to, as a
mail program does. `ca_file` names a PEM file of further certificates to
trust: a private authority's, or a self-signed server's own certificate;
the host name is still checked. `verify=False` turns every check off, so
anyone on the way could read the password: for a lab server only.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import time
from collections.abc import Callable, Mapping
from operator import methodcaller
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import imapclient
from imapclient.exceptions import CapabilityError, IMAPClientAbortError, IMAPClientError, LoginError

from core.errors import DeskError
from core.model import ImapSource
from core.text import plain_line

Security = Literal["tls", "starttls", "none"]

# What the mailbox was doing, for "... refused <this>: ...".
_STEPS = {"connect": "the connection", "starttls": "STARTTLS", "login": "the login",
          "select": "opening the folder", "search": "the search for unseen mail",
          "fetch": "fetching a message", "store": "marking a message seen",
          "idle": "waiting for new mail (IDLE)"}

# Untagged answers during IDLE that mean the folder changed: a message came
# (EXISTS, RECENT), went (EXPUNGE) or had its flags changed (FETCH). Others,
# such as Dovecot's "OK Still here" every few minutes, are not news.
_NEWS = {b"EXISTS", b"RECENT", b"EXPUNGE", b"FETCH"}


class ImapError(DeskError):
    """The IMAP server could not be reached or refused what was asked."""


def password_from_env(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """The password in the environment variable `name` (`password_env` in
    `[channels.imap]`), or ImapError saying what is missing."""
    if not name:
        raise ImapError("[channels.imap] has no password_env (the name of the environment "
                        "variable that holds the IMAP password).")
    if name not in environ:
        raise ImapError(f"The environment variable {name} (password_env in [channels.imap]) "
                        "is not set, so there is no IMAP password to log in with.")
    return environ[name]


class ImapMailbox:
    """One logged-in connection to one folder of an IMAP account. Opening
    it connects, logs in and selects the folder; use it as a context
    manager, or call close()."""

    def __init__(self, host: str, port: int, security: str, user: str, password: str,
                 folder: str, timeout: float = 30, *, password_env: str = "",
                 ca_file: str | Path | None = None, verify: bool = True) -> None:
        if security not in ("tls", "starttls", "none"):
            raise ImapError(f"IMAP security must be \"tls\", \"starttls\" or \"none\", "
                            f"not {security!r}.")
        self.host, self.port, self.security = host, port, security
        self.user, self.folder, self.timeout = user, folder, timeout
        # Only for messages: where the password came from.
        self._password_env = password_env
        self.where = f"IMAP server {host}:{port}"
        context = _tls_context(ca_file, verify)
        self._client: Any = None
        step = "connect"
        try:
            self._client = imapclient.IMAPClient(host, port, ssl=security == "tls",
                                                 ssl_context=context, timeout=timeout)
            if security == "starttls":
                step = "starttls"
                self._client.starttls(context)
            step = "login"
            self._client.login(user, password)
            step = "select"
            selected = self._client.select_folder(folder)
        except BaseException as err:
            if self._client is not None:
                self._hang_up()
            if isinstance(err, Exception):
                raise self._error(err, step) from None
            raise
        # With the folder's UIDVALIDITY a UID names one message for good;
        # a new value means the server numbered the folder anew.
        self.uidvalidity = int(selected.get(b"UIDVALIDITY", 0))

    @classmethod
    def open(cls, source: ImapSource, password: str, timeout: float = 30, *,
             ca_file: str | Path | None = None, verify: bool = True) -> ImapMailbox:
        """The mailbox of `[channels.imap]`; `password` as read from the
        variable its password_env names (`password_from_env`)."""
        return cls(source.host, source.port_or_default, source.security, source.user,
                   password, source.folder, timeout, password_env=source.password_env,
                   ca_file=ca_file or source.ca_file, verify=verify)

    def unseen(self) -> list[int]:
        """The UIDs of the folder's messages not flagged \\Seen, oldest first."""
        # A server tells a session of mail added by others only when a
        # command lets it (Dovecot: not during SEARCH); NOOP is that
        # command, so a caller that polls sees new mail without IDLE.
        self._call("search", lambda client: client.noop())
        found = self._call("search", lambda client: client.search(["UNSEEN"]))
        return sorted(int(uid) for uid in found)

    def fetch(self, uid: int) -> bytes:
        """The raw message `uid` as the server keeps it. BODY.PEEK leaves
        its flags alone: it stays unseen until `mark_seen`, so a message
        the desk failed to store is fetched again next time."""
        answer = self._call("fetch", lambda client: client.fetch([uid], ["BODY.PEEK[]"]))
        body = answer.get(uid, {}).get(b"BODY[]")
        if not isinstance(body, bytes):
            raise ImapError(f"{self.where} has no message with UID {uid} in the folder "
                            f"{self.folder!r} (another mail program may have deleted it).")
        return body

    def mark_seen(self, uid: int) -> None:
        """Flag message `uid` \\Seen: the desk has it stored."""
        self._call("store", lambda client: client.add_flags([uid], [imapclient.SEEN]))

    @property
    def has_idle(self) -> bool:
        """Whether the server offers IDLE (RFC 2177)."""
        return bool(self._call("idle", lambda client: client.has_capability("IDLE")))

    def idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the server to say the folder
        changed (IDLE, RFC 2177): True as soon as it does, False when the
        time is up. A server without IDLE makes it False at once: the
        caller then polls `unseen()` on its own clock."""
        if not self.has_idle:
            return False
        deadline = time.monotonic() + timeout
        self._call("idle", lambda client: client.idle())
        news = False
        try:
            while not news:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                answers = self._call("idle", methodcaller("idle_check", timeout=left))
                news = any(_is_news(answer) for answer in answers)
        finally:
            _text, answers = self._call("idle", lambda client: client.idle_done())
        return news or any(_is_news(answer) for answer in answers)

    def close(self) -> None:
        """Log out; a connection already gone is closed all the same."""
        if self._client is not None:
            self._hang_up()
            self._client = None

    def __enter__(self) -> ImapMailbox:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def _call(self, step: str, command: Callable[[Any], Any]) -> Any:
        """`command(client)`, its failure an ImapError."""
        if self._client is None:
            raise ImapError(f"{self.where}: the mailbox {self.folder!r} is closed.")
        try:
            return command(self._client)
        except Exception as err:
            raise self._error(err, step) from None

    def _hang_up(self) -> None:
        try:
            self._client.logout()
        except Exception:
            # The connection is gone either way.
            with contextlib.suppress(Exception):
                self._client.shutdown()

    def _error(self, err: Exception, step: str) -> ImapError:
        return ImapError(_reason(err, step, self.where, self.user, self.folder,
                                 self._password_env, self.timeout))


def _tls_context(ca_file: str | Path | None, verify: bool) -> ssl.SSLContext:
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
    except (OSError, ssl.SSLError) as err:
        raise ImapError(f"Cannot read the certificates to trust for IMAP from {ca_file}: "
                        f"{getattr(err, 'strerror', None) or err}") from None


def _is_news(answer: Any) -> bool:
    return isinstance(answer, tuple) and len(answer) > 1 and answer[1] in _NEWS


def _reason(err: Exception, step: str, where: str, user: str, folder: str,
            password_env: str, timeout: float) -> str:
    # The order matters: ssl's errors are OSErrors, and imaplib reports some
    # socket failures as its own "abort".
    if isinstance(err, LoginError) or (step == "login" and isinstance(err, IMAPClientError)
                                       and not isinstance(err, IMAPClientAbortError)):
        where_password = f"in ${password_env}" if password_env else "given"
        return (f"{where} refused the login for {user!r}; check the user and the password "
                f"{where_password} ({_said(err)})")
    if isinstance(err, CapabilityError) and step == "starttls":
        return (f"{where} does not offer STARTTLS; if that is expected, set security to "
                "\"tls\" or \"none\" in [channels.imap].")
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"{where}: its TLS certificate is not trusted: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        hint = (" (is it a port for TLS from the first byte? Port 143 usually wants "
                "security \"starttls\")") if step == "connect" else ""
        return f"{where}: TLS failed: {err.reason or err}{hint}"
    if isinstance(err, TimeoutError | socket.timeout):
        return f"{where}: no answer within {timeout:g} s during {_STEPS[step]}"
    if isinstance(err, ConnectionRefusedError):
        return f"{where}: cannot connect: connection refused (no IMAP server listens there)"
    if isinstance(err, socket.gaierror):
        return f"{where}: cannot connect: no such host ({err.strerror})"
    if isinstance(err, IMAPClientAbortError | ConnectionError | EOFError):
        return f"{where}: the server closed the connection during {_STEPS[step]}"
    if step == "select" and isinstance(err, IMAPClientError):
        return (f"{where} has no folder {folder!r} for {user!r}, or refused opening it "
                f"({_said(err)}); check folder in [channels.imap].")
    if isinstance(err, IMAPClientError):
        return f"{where} refused {_STEPS[step]}: {_said(err)}"
    if isinstance(err, OSError) and err.strerror:
        return f"{where}: cannot connect: {err.strerror}"
    return f"{where}: {_STEPS[step]} failed: {_said(err)}"


def _said(err: Exception) -> str:
    # The server's words, on one line and without control characters.
    return plain_line(str(err)) or type(err).__name__
