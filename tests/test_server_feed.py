"""The change feed over HTTP under uvicorn (issue 15 item 5): long-poll and
server-sent events, what each user may see at each change (U2, P6), rights
changes sending removals (U3), resuming by sequence, another process's
change heard through the follower, and bad positions refused in the error
shape. The core of it: tests/test_feed.py."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from core_fixtures import ADMIN
from feed_fixtures import Served, private_pipeline, serving
from server_fixtures import ApiClient, assert_error_shape


@pytest.fixture
def site() -> Iterator[Served]:
    with serving() as served:
        yield served


def changes(client: ApiClient, **params: Any) -> dict[str, Any]:
    params.setdefault("wait", 0)
    response = client.get("/pipedesk/v1/changes", params=params)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def subjects(answer: dict[str, Any]) -> list[str]:
    return [t["subject"] for t in answer["tickets"]]


def test_a_ticket_created_moved_and_deleted_in_another_process_shows_in_the_feed(
        site: Served) -> None:
    with site.agent() as agent:
        start = changes(agent)
        assert start["reset"] and start["tickets"] == []
        ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
        created = changes(agent, after=start["seq"], settings=start["settings"], wait=5)
        assert subjects(created) == ["Printer on fire"] and not created["reset"]
        assert created["tickets"][0]["stage"] == ticket.stage
        site.other.move_ticket(ticket.id, "Waiting on us", ADMIN)
        moved = changes(agent, after=created["seq"], settings=created["settings"], wait=5)
        assert moved["tickets"][0]["stage"] == site.other.ticket(ticket.id, ADMIN).stage
        site.other.delete_ticket(ticket.id, ADMIN)
        deleted = changes(agent, after=moved["seq"], settings=moved["settings"], wait=5)
        assert deleted["removed"] == [ticket.id] and deleted["tickets"] == []


def test_a_waiting_long_poll_answers_within_100_ms_of_another_process_s_change(
        site: Served) -> None:
    """The follower (every 50 ms on a store that does not announce commits)."""
    with site.agent() as agent:
        start = changes(agent)
        answered: list[tuple[float, dict[str, Any]]] = []

        def poll() -> None:
            answer = changes(agent, after=start["seq"], settings=start["settings"], wait=10)
            answered.append((time.monotonic(), answer))

        waiting = threading.Thread(target=poll)
        waiting.start()
        time.sleep(0.3)  # the poll is waiting now
        made = time.monotonic()
        site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
        waiting.join(timeout=10)
    (at, answer), = answered
    assert subjects(answer) == ["Printer on fire"]
    assert at - made < 0.25, f"the feed answered {at - made:.3f} s after the change"


def test_a_long_poll_with_nothing_new_times_out_empty_with_the_current_seq(
        site: Served) -> None:
    site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    with site.agent() as agent:
        start = changes(agent)
        began = time.monotonic()
        answer = changes(agent, after=start["seq"], settings=start["settings"], wait=0.4)
        waited = time.monotonic() - began
    assert answer == {**start, "reset": False, "tickets": [], "settingsChanged": False}
    assert 0.4 <= waited < 2


def test_an_agent_never_sees_a_ticket_of_a_pipeline_they_may_not_view(site: Served) -> None:
    """P6: not in the feed, not as a removal, not in a reset."""
    billing = private_pipeline(site.other)
    with site.agent() as agent, site.admin() as admin:
        start = changes(agent, wait=5)
        admin_start = changes(admin)
        hidden = site.other.create_ticket(ADMIN, billing, "New", "Invoice wrong")
        site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
        seen = changes(agent, after=start["seq"], settings=start["settings"], wait=5)
        assert subjects(seen) == ["Printer on fire"]
        site.other.delete_ticket(hidden.id, ADMIN)
        after_delete = changes(agent, after=seen["seq"], settings=seen["settings"], wait=0.3)
        assert after_delete["removed"] == [] and after_delete["tickets"] == []
        assert subjects(changes(agent)) == ["Printer on fire"]
        assert sorted(subjects(changes(admin, after=admin_start["seq"]))) == [
            "Printer on fire"]  # the admin saw it come and go: gone again by now


def test_a_rights_change_sends_removals_and_the_tickets_come_back_when_given_back(
        site: Served) -> None:
    """U3: the administrator takes the agent off the pipeline's access."""
    made = [site.other.create_ticket(ADMIN, "0", "New", s).id for s in ("One", "Two")]
    with site.agent() as agent:
        start = changes(agent, wait=5)
        assert sorted(t["id"] for t in start["tickets"]) == sorted(made)
        site.other.set_pipeline_access("0", ADMIN, view=[], edit=[])
        revoked = changes(agent, after=start["seq"], settings=start["settings"], wait=5)
        assert sorted(revoked["removed"]) == sorted(made) and revoked["tickets"] == []
        assert revoked["settingsChanged"] and revoked["settings"] != start["settings"]
        site.other.set_pipeline_access("0", ADMIN, view=None, edit=None)
        granted = changes(agent, after=revoked["seq"], settings=revoked["settings"], wait=5)
        assert sorted(t["id"] for t in granted["tickets"]) == sorted(made)


def test_resuming_after_n_gets_exactly_what_came_after_n(site: Served) -> None:
    site.other.create_ticket(ADMIN, "0", "New", "One")
    with site.agent() as agent:
        position = changes(agent, wait=5)
        site.other.create_ticket(ADMIN, "0", "New", "Two")
        site.other.create_ticket(ADMIN, "0", "New", "Three")
        deadline = time.monotonic() + 5
        while changes(agent)["seq"] < site.other.state.seq and time.monotonic() < deadline:
            time.sleep(0.02)
        resumed = changes(agent, after=position["seq"], settings=position["settings"])
    assert subjects(resumed) == ["Two", "Three"] and not resumed["reset"]


def test_bad_positions_are_refused_in_the_error_shape(site: Served) -> None:
    with site.agent() as agent:
        assert_error_shape(agent.get("/pipedesk/v1/changes", params={"after": "ten"}), 400,
                           "query.after")
        assert_error_shape(agent.get("/pipedesk/v1/changes", params={"after": -1}), 400,
                           "query.after")
        assert_error_shape(agent.get("/pipedesk/v1/changes", params={"after": 999}), 400,
                           "after=999", "ahead of this desk's newest change")
        assert_error_shape(agent.get("/pipedesk/v1/changes/stream",
                                     headers={"Last-Event-ID": "yesterday"}), 400,
                           "Last-Event-ID", "not a position")
        assert_error_shape(agent.get("/pipedesk/v1/changes", params={"wait": 3600}), 400,
                           "query.wait")
    with ApiClient(site.base, "not-a-token") as stranger:
        assert_error_shape(stranger.get("/pipedesk/v1/changes"), 401)


# -- server-sent events ------------------------------------------------------------


def events(lines: Iterator[str]) -> Iterator[tuple[str, str | None, dict[str, Any] | None]]:
    """(kind, id, data) per event or comment of a stream: kind "comment"
    for a heartbeat."""
    import json

    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            yield "comment", None, None
        elif line == "":
            if fields:
                yield fields.get("event", "message"), fields.get("id"), json.loads(
                    fields["data"])
            fields = {}
        else:
            name, _, value = line.partition(": ")
            fields[name] = value


def test_the_stream_sends_changes_with_their_seq_and_heartbeats_when_quiet(
        site: Served) -> None:
    with site.agent() as agent, agent.stream(
            "GET", "/pipedesk/v1/changes/stream", params={"heartbeat": 0.2},
            timeout=httpx.Timeout(10)) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response.iter_lines())
        kind, first_id, first = next(stream)
        assert kind == "changes" and first is not None and first["reset"]
        began = time.monotonic()
        assert next(stream)[0] == "comment"
        assert next(stream)[0] == "comment"
        assert 0.3 <= time.monotonic() - began < 2, "two heartbeats 0.2 s apart"
        site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
        kind, event_id, data = next(e for e in stream if e[0] != "comment")
        assert kind == "changes" and data is not None and subjects(data) == ["Printer on fire"]
        assert event_id == str(data["seq"]) and int(event_id) > int(str(first_id))


def test_the_stream_resumes_from_last_event_id(site: Served) -> None:
    site.other.create_ticket(ADMIN, "0", "New", "One")
    with site.agent() as agent:
        position = changes(agent, wait=5)
        site.other.create_ticket(ADMIN, "0", "New", "Two")
        with agent.stream("GET", "/pipedesk/v1/changes/stream",
                          headers={"Last-Event-ID": str(position["seq"])},
                          params={"settings": position["settings"]}) as response:
            stream = events(response.iter_lines())
            kind, _, data = next(e for e in stream if e[0] != "comment")
            if data is not None and not data["tickets"]:  # the follower not there yet
                kind, _, data = next(e for e in stream if e[0] != "comment")
    assert kind == "changes" and data is not None and not data["reset"]
    assert subjects(data) == ["Two"]
