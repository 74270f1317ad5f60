"""One desk per server process, and the work it does beside the requests.

`core.Desk` keeps its state in memory and is not made for two threads at
once, while the ASGI server answers requests on a pool of threads: every
use of the desk holds `DeskHost`'s lock, after catching up with what other
processes committed (one small query when nothing changed). Requests are
short, so one lock per process costs little; several processes share the
load (`--workers`, and servers on other hosts over one PostgreSQL).

Beside the requests, a thread follows the other processes' commits so the
change feed hears of them at once, and does what `pipedesk worker` does:
delayed steps that came due, mail and webhooks out, the channels' mail in.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from starlette.requests import Request

from core import Desk
from core.errors import DatabaseUnavailable, DeskError
from core.events import Notice
from core.store.base import Announcing
from core.store.sql import SqlStore

if TYPE_CHECKING:
    from core.mail.watching import MailWatch

log = logging.getLogger("pipedesk.server")

# How often the follower looks for other processes' commits, and runs the
# desk's own work, when nothing wakes it sooner.
FOLLOW_SECONDS = 0.05
ANNOUNCED_POLL_SECONDS = 0.5
WORK_SECONDS = 1.0


def host_of(request: Request) -> DeskHost:
    """The desk host of the app answering `request` (`server.app.make_app`)."""
    host: DeskHost = request.app.state.host
    return host


class DeskHost:
    """The process's desk, handed out one user at a time (`using`)."""

    def __init__(self, desk: Desk, reopen: Callable[[], Desk] | None = None) -> None:
        """`reopen` opens the same desk afresh: after the database failed a
        command, what this process holds in memory may be ahead of what was
        written (a command's settings are applied as it commits), so the
        next request is served from the database again, not from memory."""
        self._desk = desk
        self._reopen = reopen
        self._stale = False
        self._lock = threading.RLock()
        self._listeners: list[Callable[[Notice], None]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        desk.subscribe(self._heard)

    @contextmanager
    def using(self) -> Iterator[Desk]:
        """The desk, caught up with every commit made before this call, for
        this thread alone until the block ends."""
        with self._lock:
            if self._stale:
                self._replace()
            self._desk.refresh()
            try:
                yield self._desk
            except DatabaseUnavailable:
                self._stale = self._reopen is not None
                raise

    def _replace(self) -> None:
        """The desk opened again from the database; if it is still away,
        this raises and the next use tries again."""
        assert self._reopen is not None
        fresh = self._reopen()
        old, self._desk = self._desk, fresh
        self._stale = False
        fresh.subscribe(self._heard)
        if isinstance(old.store, SqlStore):
            old.store.close()
        log.info("the desk was opened again from the database after it failed a command")

    def listen(self, listener: Callable[[Notice], None]) -> Callable[[], None]:
        """`listener(notice)` for every change the desk hears of, its own and
        other processes' (called with the desk held; it must be quick)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _heard(self, notice: Notice) -> None:
        for listener in list(self._listeners):
            listener(notice)

    # -- the work beside the requests -------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._follow, name="pipedesk-follow",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _follow(self) -> None:
        from core.automation.rounds import work_round
        from core.mail.sources import fetch_once
        from core.mail.watching import MailWatch

        # A1: the channels' mail, when an IMAP server says it came (IDLE) or
        # on the poll, as `pipedesk worker` fetches it.
        watch = MailWatch(lambda: self._desk.config.channels)
        last_work = 0.0
        try:
            while not self._stop.is_set():
                work = time.monotonic() - last_work >= WORK_SECONDS
                if work:
                    last_work = time.monotonic()
                self._round(work, watch, work_round, fetch_once)
                self._wait()
        finally:
            watch.stop()

    def _wait(self) -> None:
        """Until another process may have committed: a store that hears of
        commits (PostgreSQL's LISTEN/NOTIFY, `core.store.base.Announcing`)
        wakes the follower at once and is polled only as a fallback; any
        other is polled."""
        store = self._desk.store
        if isinstance(store, Announcing):
            store.await_commits(ANNOUNCED_POLL_SECONDS)
            self._stop.wait(0)
        else:
            self._stop.wait(FOLLOW_SECONDS)

    def _round(self, work: bool, watch: MailWatch, work_round: Callable[[Desk], list[str]],
               fetch_once: Callable[[Desk], object]) -> None:
        try:
            with self.using() as desk:
                if not work:
                    return
                if any(c.maildir or c.imap for c in desk.config.channels) and watch.due():
                    fetch_once(desk)
                for line in work_round(desk):
                    log.info("%s", line)
        except DeskError as err:  # the database away, say: said, and tried again
            log.warning("%s", err.message)
        except Exception:  # a bug must not stop the following for good
            log.exception("following the desk")
