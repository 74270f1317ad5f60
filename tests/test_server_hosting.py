"""The server process's desk (server/hosting.py): another process's commit
is heard without any request (issue 15 item 1: each process follows the
others' commits), and the desk's own work runs as `pipedesk worker` runs
it (item 2: delayed steps)."""

from __future__ import annotations

import threading
import time

from core_fixtures import ADMIN, MutableClock

from core import Desk
from core.automation.actions import Delay, SetProperty
from core.events import Notice, TicketChanged, TicketCreated
from core.store import MemoryStore
from server.hosting import DeskHost


def wait_for(condition: threading.Event, seconds: float = 3.0) -> bool:
    return condition.wait(seconds)


def test_a_commit_by_another_process_is_heard_without_a_request() -> None:
    store = MemoryStore()
    host = DeskHost(Desk(store))
    other = Desk(store)  # another server process on the same database
    heard = threading.Event()
    created: list[str] = []

    def listener(notice: Notice) -> None:
        for entry in notice.entries:
            if isinstance(entry.event, TicketCreated):
                created.append(entry.event.ticket.subject)
                heard.set()

    host.listen(listener)
    host.start()
    try:
        started = time.monotonic()
        other.create_ticket(ADMIN, "0", "New", "Printer on fire")
        assert wait_for(heard), "the server never heard of the other process's ticket"
        assert time.monotonic() - started < 1.0
    finally:
        host.stop()
    assert created == ["Printer on fire"]
    with host.using() as desk:
        assert [t.subject for t in desk.tickets(ADMIN)] == ["Printer on fire"]


def test_a4c_a_delayed_step_that_came_due_is_run_by_the_server() -> None:
    clock = MutableClock()
    desk = Desk(MemoryStore(), clock=clock)
    desk.add_action("0", "Waiting on contact", Delay(duration="1h"), ADMIN)
    desk.add_action("0", "Waiting on contact", SetProperty(property="stage", value="Closed"),
                    ADMIN)
    ticket = desk.create_ticket(ADMIN, "0", "Waiting on contact", "Printer on fire")
    host = DeskHost(desk)
    moved = threading.Event()
    host.listen(lambda notice: moved.set() if any(
        isinstance(e.event, TicketChanged) for e in notice.entries) else None)
    clock.advance(hours=1)
    host.start()  # no request: the server's own rounds run the step
    try:
        assert wait_for(moved), "the due step was not run"
    finally:
        host.stop()
    with host.using() as held:
        assert held.ticket(ticket.id, ADMIN).stage == "4"  # Closed
        assert held.run_due_steps() == 0  # once only
