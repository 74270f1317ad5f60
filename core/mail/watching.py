"""Keeping up with the channels' mail while a process stays up (`pipedesk
worker`, the open terminal app): IMAP IDLE where the server offers it,
polling otherwise.

A `MailWatch` keeps one thread per IMAP channel, each holding its own
connection in IDLE; when the server says the folder changed, the thread
only raises a flag (`due`). The fetching itself (`core.mail.sources.
fetch_once`) stays with the process's own desk, on its own thread: the
threads here never touch the desk. Maildir channels and servers without
IDLE are polled every `poll_seconds`.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping

from core.errors import DeskError
from core.model import Channel, ImapSource

# How long one IDLE lasts before it is renewed (RFC 2177: under 29 minutes;
# shorter, so that a dropped connection is noticed soon).
IDLE_SECONDS = 120.0
# How often mail is looked for without IDLE (Maildir, a server without it).
POLL_SECONDS = 10.0
# After a connection failed, how long before trying again.
RETRY_SECONDS = 30.0


class MailWatch:
    def __init__(self, channels: Callable[[], list[Channel]],
                 environ: Mapping[str, str] = os.environ,
                 poll_seconds: float = POLL_SECONDS) -> None:
        """`channels()`: the desk's channels now (they change with its settings)."""
        self._channels = channels
        self._environ = environ
        self.poll_seconds = poll_seconds
        self._news = threading.Event()
        self._stop = threading.Event()
        self._watching: dict[str, tuple[ImapSource, threading.Thread]] = {}
        self._last_poll = 0.0
        self._news.set()  # look once at the start

    def due(self, wait: float = 0.0) -> bool:
        """Whether it is time to fetch: a server said so, or the poll came
        round. Waits up to `wait` seconds for news. Also starts and stops
        watchers as channels come and go."""
        self._follow_channels()
        if self._news.wait(wait):
            self._news.clear()
            self._last_poll = time.monotonic()
            return True
        if time.monotonic() - self._last_poll >= self.poll_seconds:
            self._last_poll = time.monotonic()
            return True
        return False

    def stop(self) -> None:
        self._stop.set()

    def _follow_channels(self) -> None:
        wanted = {c.address: c.imap for c in self._channels() if c.imap is not None}
        for address in [a for a, (source, _) in self._watching.items()
                        if wanted.get(a) != source]:
            del self._watching[address]  # its thread sees that and ends
        for address, source in wanted.items():
            if source is not None and address not in self._watching:
                thread = threading.Thread(target=self._watch, args=(address, source),
                                          name=f"imap-idle {address}", daemon=True)
                self._watching[address] = (source, thread)
                thread.start()

    def _still(self, address: str, source: ImapSource) -> bool:
        found = self._watching.get(address)
        return not self._stop.is_set() and found is not None and found[0] == source

    def _watch(self, address: str, source: ImapSource) -> None:
        from core.mail.imap import ImapMailbox, password_from_env

        while self._still(address, source):
            try:
                password = password_from_env(source.password_env, self._environ)
                with ImapMailbox.open(source, password) as mailbox:
                    while self._still(address, source):
                        if mailbox.idle(IDLE_SECONDS):
                            self._news.set()
                        elif not mailbox.has_idle:
                            # No IDLE on this server: the poll looks for its mail.
                            return
            except DeskError:
                # The fetch says what is wrong (to the person who runs it);
                # here, only try again later.
                self._news.set()
                self._stop.wait(RETRY_SECONDS)
