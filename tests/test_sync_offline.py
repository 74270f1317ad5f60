"""Working while the server does not answer (issue 16 items 4–5;
docs/sync.md): a change is queued on this host before anything shows it,
made on the replica at once, and sent once, in order, when the server is
back; one the server then refuses is kept as a conflict with its reason,
never dropped. A client killed with SIGKILL with a full queue loses
nothing. The server is pipedesk under uvicorn, stopped and started again
on its port; the clients are `RemoteDesk`s, one in a process of its own."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    add_agent,
    email_triggers_off,
    refusal,
    stage_properties,
)
from mail_fixtures import free_port
from server_fixtures import served

from cli import main
from core import Desk
from core.remote.api import ServerApi
from core.remote.desk import RemoteDesk
from core.remote.queue import Change
from core.store import MemoryStore


class Site:
    """A served desk that can be stopped and started again on its port."""

    def __init__(self, tmp_path: Path) -> None:
        self.store = MemoryStore()
        self.clock = MutableClock()  # the server's: its tickets' times are fixed
        self.desk = Desk(self.store, clock=self.clock)  # the server's, through another process
        add_agent(self.desk)
        self.desk.add_contact("kari@customer.example", ADMIN, name="Kari Nordmann")
        for subject in ("Printer on fire", "Screen flickers", "VPN down"):
            self.desk.create_ticket(ADMIN, "0", "New", subject, contact="kari@customer.example")
        _, self.token = self.desk.create_token("ingrid", ADMIN, "laptop")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.folder = tmp_path / "client"
        self._running = ExitStack()

    def start(self) -> None:
        self._running.enter_context(served(Desk(self.store, clock=self.clock), port=self.port))

    def stop(self) -> None:
        self._running.close()
        self._running = ExitStack()

    def client(self) -> RemoteDesk:
        return RemoteDesk(ServerApi(self.base, self.token), folder=self.folder)

    def stage_of(self, ticket_id: str) -> str:
        self.desk.refresh()
        return self.desk.stage(self.desk.ticket(ticket_id, ADMIN).stage, ADMIN)[1].label


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    made = Site(tmp_path)
    made.start()
    yield made
    made.stop()


def label(desk: Desk, ticket_id: str) -> str:
    return desk.stage(desk.ticket(ticket_id, ADMIN).stage, ADMIN)[1].label


def test_changes_made_offline_show_at_once_and_are_applied_once_in_order(site: Site) -> None:
    client = site.client()
    me = client.remote_actor
    site.stop()
    with refusal("not sent yet", "Could not reach", "1 waiting"):
        client.move_ticket("1", "Waiting on contact", me)
    assert label(client, "1") == "Waiting on contact"  # on the board at once
    with refusal("2 waiting"):
        client.move_ticket("1", "Closed", me)
    with refusal("3 waiting"):
        client.edit_ticket("2", {"subject": "Screen flickers on floor 2"}, me)
    with refusal("4 waiting"):
        client.reply("3", "We are on our way.", me)
    assert client.offline and client.refresh() is None  # still away: nothing lost
    assert [c.what for c in client.queue.waiting()] == [
        "Move #1 to Waiting on contact", "Move #1 to Closed",
        "Set subject of #2", "Reply on #3"]
    assert site.stage_of("1") == "New"  # the server has none of it yet
    site.start()
    client.refresh()
    assert client.queue.waiting() == [] and client.offline == ""
    assert site.stage_of("1") == "Closed"  # in order: Closed last
    assert site.desk.ticket("2", ADMIN).subject == "Screen flickers on floor 2"
    assert [i.text for i in site.desk.conversation("3", ADMIN)] == ["We are on our way."]
    moves = [i for i in site.desk.timeline("1", ADMIN) if i.what.startswith("Moved")]
    assert len(moves) == 2  # each once


def test_t1_a_ticket_created_offline_shows_pending_and_gets_the_servers_number(
        site: Site) -> None:
    client = site.client()
    me = client.remote_actor
    site.stop()
    # Meanwhile another agent creates a ticket: the next number is theirs.
    theirs = site.desk.create_ticket(ADMIN, "0", "New", "Mouse missing")
    with refusal("not sent yet", "1 waiting"):
        client.create_ticket(me, "0", "New", "Laptop will not boot")
    [shown] = [t for t in client.tickets(me) if t.subject == "Laptop will not boot"]
    assert shown.id == "4" and client.sync_status().pending == {"4"}  # on the board, pending
    # Changing it before the server has it would change the server's #4.
    with refusal("#4 waits to be created on the server"):
        client.move_ticket("4", "Closed", me)
    site.start()
    client.refresh()
    assert client.sync_status().pending == frozenset() and client.queue.waiting() == []
    site.desk.refresh()
    [made] = [t for t in site.desk.tickets(ADMIN) if t.subject == "Laptop will not boot"]
    assert made.id == "5" and theirs.id == "4"  # once, under the server's number
    assert {t.id: t.subject for t in client.tickets(me)} == {
        t.id: t.subject for t in site.desk.tickets(ADMIN)}


def test_c1_t7_a_conversation_opened_before_reads_offline_as_of_then(site: Site) -> None:
    site.desk.reply("1", "We are on our way.", ADMIN)
    client = site.client()
    me = client.remote_actor
    assert [i.text for i in client.conversation("1", me)] == ["We are on our way."]
    online = [i.what for i in client.timeline("1", me)]
    site.stop()
    again = site.client()  # started again, offline: from this host's copy
    assert [i.text for i in again.conversation("1", me)] == ["We are on our way."]
    *kept, said = again.timeline("1", me)
    assert [i.what for i in kept] == online
    assert said.what.startswith("The timeline as this host last had it, as of ")
    assert "the server does not answer now: Could not reach" in said.what
    # One never opened: nothing kept, and the timeline says where it is.
    assert again.conversation("2", me) == []
    [only] = again.timeline("2", me)
    assert only.what.startswith("The timeline is kept on the server, which does not answer")
    # Taken out of sight on the server (U3): what was kept of it goes too.
    site.start()
    site.desk.delete_ticket("1", ADMIN)
    again.refresh()
    assert list((site.folder / "tickets").iterdir()) == []


def test_the_app_and_a_command_in_another_terminal_share_the_queue_and_lose_nothing(
        site: Site) -> None:
    """One user, one token, two processes (the app, and `pipedesk ticket
    move` in another pane): one queue folder. Each sees what the other
    queued, and emptying the queue never drops the other's change."""
    app, command = site.client(), site.client()
    me = app.remote_actor
    site.stop()
    with refusal("1 waiting"):
        app.move_ticket("1", "Closed", me)
    with refusal("2 waiting"):
        command.move_ticket("2", "Closed", me)  # the other's is counted
    assert app.sync_status().pending == {"1", "2"}
    site.start()
    app.refresh()  # sends both, each once
    assert (site.stage_of("1"), site.stage_of("2")) == ("Closed", "Closed")
    assert command.queue.waiting() == [] and len(command.queue) == 0
    command.refresh()  # nothing sent again
    moves = [i for t in ("1", "2") for i in site.desk.timeline(t, ADMIN)
             if i.what.startswith("Moved")]
    assert len(moves) == 2
    # Started afresh only when neither has one open: a change queued by one
    # while the other empties the queue stays.
    site.stop()
    with refusal("1 waiting"):
        command.move_ticket("3", "Closed", me)
    app.queue.done_all([])  # the app closes nothing of its own
    assert [c.what for c in site.client().queue.waiting()] == ["Move #3 to Closed"]


class DroppedPackets(httpx.HTTPTransport):
    """The real connection, or, once `dropping`, a network that drops
    every packet: each request waits, then times out to connect. Counts
    the requests it dropped."""

    def __init__(self) -> None:
        super().__init__()
        self.dropping = False
        self.dropped = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.dropping:
            self.dropped += 1
            time.sleep(0.2)
            raise httpx.ConnectTimeout("timed out", request=request)
        return super().handle_request(request)


def test_while_the_feed_thread_watches_a_dead_network_is_tried_once_not_at_each_change(
        site: Site) -> None:
    """A network that drops packets (a train's wifi with no way out) holds
    each request up to the connect timeout; in the app, whose feed thread
    finds the server back, the screen's own changes do not wait on it
    again and again."""
    network = DroppedPackets()
    client = RemoteDesk(ServerApi(site.base, site.token, transport=network),
                        folder=site.folder)
    me = client.remote_actor
    assert client.wait_for_change(0) is False  # the feed thread's first look: nothing new
    network.dropping = True
    with refusal("1 waiting"):
        client.move_ticket("1", "Closed", me)
    with refusal("2 waiting"):
        client.move_ticket("2", "Closed", me)
    client.refresh()
    client.timeline("1", me)
    assert network.dropped == 1  # the first change found the network gone; nothing since
    assert client.sync_status().offline
    network.dropping = False
    assert client.wait_for_change(5) is True  # the feed thread: the server answers again
    client.refresh()
    assert client.queue.waiting() == [] and not client.sync_status().offline
    assert (site.stage_of("1"), site.stage_of("2")) == ("Closed", "Closed")


def test_free_text_is_found_in_conversations_on_the_server_and_in_subjects_offline(
        site: Site) -> None:
    site.desk.reply("1", "Toner cartridge 4711 is on its way.", ADMIN)
    client = site.client()
    me = client.remote_actor
    assert [t.id for t in client.find_tickets("4711", me)] == ["1"]  # the server's search
    assert [t.id for t in client.find_tickets("stage:open -printer", me)] == ["2", "3"]
    site.stop()
    assert client.find_tickets("4711", me) == []  # the replica holds no conversations
    assert [t.id for t in client.find_tickets("printer", me)] == ["1"]
    with refusal("no field 'prio'"):
        client.find_tickets("prio:high", me)


def test_a_change_whose_answer_was_lost_is_not_made_twice(site: Site) -> None:
    """The server made it, the answer never came: sent again under its key,
    the server skips it."""
    client = site.client()
    client.reply("1", "First try", client.remote_actor)
    lost = Change("lost-answer-1", "POST", "/pipedesk/v1/tickets/1/notes", {"text": "Toner"},
                  "Note on #1", "1")
    client.queue.add(lost)
    client._deliver(lost)  # it reached the server; the client died before marking it done
    again = site.client()  # the next start sends what waits
    again.refresh()
    assert again.queue.waiting() == []
    assert [i.text for i in site.desk.conversation("1", ADMIN)] == ["First try", "Toner"]


def test_a_client_started_again_while_the_server_is_away_shows_what_waits(
        site: Site) -> None:
    """The done-when of issue 16: with the server stopped, a move and a
    reply made in one client survive its restart, and are applied once
    when the server is back."""
    client = site.client()
    site.stop()
    with refusal("not sent yet"):
        client.move_ticket("2", "Waiting on us", client.remote_actor)
    with refusal("not sent yet"):
        client.reply("2", "Looking into it", client.remote_actor)
    client.close()  # the app or the command ends
    again = site.client()  # the app or a command started again, server still away
    again.refresh()
    assert again.offline and "Could not reach" in again.offline
    assert label(again, "2") == "Waiting on us"
    assert [c.what for c in again.queue.waiting()] == ["Move #2 to Waiting on us",
                                                       "Reply on #2"]
    site.start()
    again.refresh()
    assert again.queue.waiting() == [] and again.offline == ""
    assert [i.text for i in site.desk.conversation("2", ADMIN)] == ["Looking into it"]
    moves = [i for i in site.desk.timeline("2", ADMIN) if i.what.startswith("Moved")]
    targets = [after for m in moves for prop, _, after in m.changes if prop == "Stage"]
    assert targets[0] == "Waiting on us" and targets.count("Waiting on us") == 1  # once


def test_a_change_refused_here_is_not_queued(site: Site) -> None:
    """S7 checked on the replica: a move the server would refuse is refused
    at once, offline too, and nothing waits."""
    stage_properties(site.desk, "4", ("priority", True))  # Closed asks for a priority
    client = site.client()
    site.stop()
    with refusal("requires Priority"):
        client.move_ticket("3", "Closed", client.remote_actor)
    assert client.queue.waiting() == [] and label(client, "3") == "New"


@pytest.mark.parametrize("meanwhile", ["deleted", "stage gone", "now required", "rights lost"])
def test_a_replayed_change_that_no_longer_fits_is_a_conflict_not_dropped(
        site: Site, meanwhile: str) -> None:
    client = site.client()
    site.stop()
    with refusal("not sent yet"):
        client.move_ticket("2", "Waiting on us", client.remote_actor)
    other = site.desk  # an administrator, on the server, while the client is away
    if meanwhile == "deleted":
        other.delete_ticket("2", ADMIN)
    elif meanwhile == "stage gone":
        email_triggers_off(other)  # one moves tickets into the stage
        other.delete_stage("Waiting on us", ADMIN, move_to="New")
    elif meanwhile == "now required":
        stage_properties(other, "3", ("priority", True))
    else:
        other.set_pipeline_access("0", ADMIN, view=None, edit=[])  # may view, not edit
    site.start()
    client.refresh()
    [conflict] = client.conflicts.open()
    assert conflict.change.what == "Move #2 to Waiting on us" and conflict.reason
    reasons = {"deleted": "#2", "stage gone": "Waiting on us", "now required": "Priority",
               "rights lost": "edit"}
    assert reasons[meanwhile] in conflict.reason, conflict.reason
    assert client.queue.waiting() == []
    client.refresh()  # the replica taken afresh: what the server holds
    if meanwhile == "deleted":
        assert "2" not in client.state.tickets
    else:
        assert label(client, "2") == "New"


def test_an_edit_of_a_field_changed_meanwhile_is_a_conflict_another_field_is_not(
        site: Site) -> None:
    client = site.client()
    me = client.remote_actor
    site.stop()
    with refusal("not sent yet"):
        client.edit_ticket("1", {"subject": "Printer on fire (2nd floor)"}, me)
    with refusal("not sent yet"):
        client.edit_ticket("2", {"subject": "Screen flickers again"}, me)
    site.desk.edit_ticket("1", {"subject": "Printer on fire!"}, ADMIN)  # the same field
    site.desk.edit_ticket("2", {"priority": "high"}, ADMIN)  # another one
    site.start()
    client.refresh()
    [conflict] = client.conflicts.open()
    assert conflict.change.what == "Set subject of #1"
    assert "Subject of #1 was changed since" in conflict.reason
    assert "'Printer on fire!'" in conflict.reason
    site.desk.refresh()
    assert site.desk.ticket("1", ADMIN).subject == "Printer on fire!"  # theirs stands
    two = site.desk.ticket("2", ADMIN)
    assert (two.subject, two.priority) == ("Screen flickers again", "HIGH")  # both


_CLIENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from core.remote.api import ServerApi
    from core.remote.desk import RemoteDesk
    from core.remote.status import Queued

    base, token, folder = sys.argv[1:4]
    desk = RemoteDesk(ServerApi(base, token), folder=Path(folder))
    print("ready", flush=True)
    sys.stdin.readline()  # the server is stopped now
    for stage in ("Waiting on contact", "Waiting on us", "Closed"):
        try:
            desk.move_ticket("1", stage, desk.remote_actor)
        except Queued:
            pass
    print("queued", flush=True)
    sys.stdin.readline()  # killed while waiting here
""")


def test_a_client_killed_with_a_full_queue_loses_nothing(site: Site) -> None:
    client = subprocess.Popen([sys.executable, "-c", _CLIENT, site.base, site.token,
                               str(site.folder)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(Path.cwd())})
    try:
        assert client.stdout is not None and client.stdin is not None
        started = client.stdout.readline().strip()
        assert started == "ready", client.stderr.read() if client.stderr else ""
        site.stop()
        client.stdin.write("go\n")
        client.stdin.flush()
        assert client.stdout.readline().strip() == "queued"
        os.kill(client.pid, signal.SIGKILL)
        client.wait(10)
    finally:
        client.kill()
    site.start()
    again = site.client()  # the next start, on the same host
    assert "1" in again.sync_status().pending  # what waits is shown as pending
    again.refresh()
    assert again.queue.waiting() == []
    assert site.stage_of("1") == "Closed"
    moves = [i for i in site.desk.timeline("1", ADMIN) if i.what.startswith("Moved")]
    assert len(moves) == 3


def test_the_command_line_works_on_its_copy_while_the_server_is_away(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    monkeypatch.setenv("PIPEDESK_TOKEN", site.token)

    def pipedesk(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(["--server", site.base, *args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out = capsys.readouterr()
        return code, out.out, out.err

    assert pipedesk("ticket", "list")[0] == 0  # a first run keeps a copy
    site.stop()
    code, _, err = pipedesk("ticket", "move", "1", "Closed")
    assert code == 1 and "Move #1 to Closed: not sent yet" in err and "1 waiting" in err
    code, out, err = pipedesk("ticket", "list", "--json")
    assert code == 0 and "Working on the copy kept on this host (as of" in err
    assert {t["id"]: t["stage_label"] for t in json.loads(out)}["1"] == "Closed"
    site.start()
    code, _, err = pipedesk("ticket", "list")
    assert code == 0 and err == ""
    assert site.stage_of("1") == "Closed"


def test_the_command_line_lists_retries_and_discards_conflicts(
        site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    monkeypatch.setenv("PIPEDESK_TOKEN", site.token)

    def pipedesk(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(["--server", site.base, *args])
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        out = capsys.readouterr()
        return code, out.out, out.err

    assert pipedesk("conflicts", "list") == (0, "No conflicts: every change made offline "
                                                "was applied.\n", "")
    site.stop()
    assert pipedesk("ticket", "move", "1", "Closed")[0] == 1  # queued
    stage_properties(site.desk, "4", ("priority", True))  # meanwhile: Closed asks for one
    site.start()
    code, out, _ = pipedesk("conflicts", "list", "--json")
    [conflict] = json.loads(out)
    assert conflict["change"] == "Move #1 to Closed" and "requires Priority" in conflict["reason"]
    code, _, err = pipedesk("conflicts", "retry", conflict["id"][:8])
    assert code == 1 and "requires Priority" in err  # refused again: it stays
    [again] = json.loads(pipedesk("conflicts", "list", "--json")[1])
    code, out, _ = pipedesk("conflicts", "discard", again["id"][:8])
    assert code == 0 and out.strip() == "Discarded: Move #1 to Closed."
    assert json.loads(pipedesk("conflicts", "list", "--json")[1]) == []
    assert site.stage_of("1") == "New"  # the server's state stands
    code, _, err = pipedesk("conflicts", "discard", "nothing")
    assert code == 1 and "No conflict 'nothing' (there are none)" in err
