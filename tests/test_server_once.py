"""A change sent twice over HTTP is made once (issue 16 item 4, the server's
half: "each once (the server skips a command id it has already applied)"):
the `Idempotency-Key` header on the ticket routes, replies, notes and
stage edits (docs/server.md). The client that lost an answer sends again
under the same key; the desk is changed once, and the answer says it was
a replay. Against pipedesk under uvicorn, as the terminal client will."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from core_fixtures import ADMIN
from feed_fixtures import AGENT, Served, serving
from server_fixtures import assert_error_shape

TICKETS = "/crm/v3/objects/tickets"


@pytest.fixture
def site() -> Iterator[Served]:
    with serving() as served:
        yield served


def key(value: str) -> dict[str, str]:
    return {"Idempotency-Key": value}


def stage_id(site: Served, label: str) -> str:
    return site.other.stage(label, ADMIN)[1].id


def stage_of(site: Served, ticket_id: str) -> str:
    site.other.refresh()
    return site.other.stage(site.other.ticket(ticket_id, ADMIN).stage, ADMIN)[1].label


def test_a_move_sent_again_is_not_made_again(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    move = {"properties": {"hs_pipeline_stage": stage_id(site, "Waiting on contact")}}
    with site.agent() as agent:
        first = agent.patch(f"{TICKETS}/{ticket.id}", json=move, headers=key("move-1"))
        assert first.status_code == 200 and "idempotent-replayed" not in first.headers
        site.other.refresh()
        site.other.move_ticket(ticket.id, "Closed", ADMIN)  # someone moved it on meanwhile
        again = agent.patch(f"{TICKETS}/{ticket.id}", json=move, headers=key("move-1"))
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    # The answer is the ticket as it is now; it was not moved back.
    assert again.json()["properties"]["hs_pipeline_stage"] == stage_id(site, "Closed")
    assert stage_of(site, ticket.id) == "Closed"


def test_a_replay_is_not_refused_for_the_version_it_was_made_against(site: Served) -> None:
    """If-Match names the version before the change; the change made, that
    version is gone, but a replay is not a new change: no 412."""
    with site.agent() as agent:
        made = agent.post(TICKETS, json={"properties": {
            "subject": "Printer on fire", "hs_pipeline_stage": stage_id(site, "New")}})
        ticket, version = made.json()["id"], made.headers["etag"]
        edit = {"properties": {"subject": "Printer on fire (2nd floor)"}}
        headers = {**key("edit-1"), "If-Match": version}
        assert agent.patch(f"{TICKETS}/{ticket}", json=edit, headers=headers).status_code == 200
        again = agent.patch(f"{TICKETS}/{ticket}", json=edit, headers=headers)
        fresh = agent.patch(f"{TICKETS}/{ticket}", json=edit, headers={"If-Match": version})
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert fresh.status_code == 412  # without the key it is a new change, and stale


def test_a_create_sent_again_makes_one_ticket_and_answers_with_it(site: Served) -> None:
    body = {"properties": {"subject": "Printer on fire",
                           "hs_pipeline_stage": stage_id(site, "New")}}
    with site.agent() as agent:
        first = agent.post(TICKETS, json=body, headers=key("create-1"))
        again = agent.post(TICKETS, json=body, headers=key("create-1"))
        listed = agent.get(TICKETS).json()["results"]
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert [t["properties"]["subject"] for t in listed] == ["Printer on fire"]


def test_a_delete_sent_again_is_204_not_404(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    with site.admin() as admin:
        first = admin.delete(f"{TICKETS}/{ticket.id}", headers=key("delete-1"))
        again = admin.delete(f"{TICKETS}/{ticket.id}", headers=key("delete-1"))
        plain = admin.delete(f"{TICKETS}/{ticket.id}")
    assert (first.status_code, again.status_code) == (204, 204)
    assert again.headers["idempotent-replayed"] == "true"
    assert_error_shape(plain, 404, f"#{ticket.id}")


def test_a_reply_sent_again_goes_out_once(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire",
                                      contact="kari@customer.example")
    reply = {"text": "We are on our way."}
    path = f"/pipedesk/v1/tickets/{ticket.id}"
    with site.agent() as agent:
        first = agent.post(f"{path}/replies", json=reply, headers=key("reply-1"))
        again = agent.post(f"{path}/replies", json=reply, headers=key("reply-1"))
        note = agent.post(f"{path}/notes", json={"text": "Called her"}, headers=key("note-1"))
        note_again = agent.post(f"{path}/notes", json={"text": "Called her"},
                                headers=key("note-1"))
        talk = agent.get(f"{path}/conversation").json()["items"]
    assert first.status_code == 201 and first.json()["to"] == ["kari@customer.example"]
    assert again.status_code == 200 and again.json() == {"ticket": ticket.id, "replayed": True}
    assert (note.status_code, note_again.status_code) == (201, 200)
    assert [i["text"] for i in talk] == ["We are on our way.", "Called her"]
    courier = site.other.courier()
    assert len(courier.outbox.spool.pending()) == 1  # one message waits to go out


def test_stage_edits_sent_again_add_the_stage_once(site: Served) -> None:
    edits = {"edits": [{"op": "add", "key": "x", "label": "Escalated", "state": "open"}]}
    with site.admin() as admin:
        first = admin.post("/pipedesk/v1/pipelines/0/stage-edits", json=edits,
                           headers=key("stages-1"))
        again = admin.post("/pipedesk/v1/pipelines/0/stage-edits", json=edits,
                           headers=key("stages-1"))
    assert first.status_code == again.status_code == 200
    assert again.json()["replayed"] is True
    labels = [s["label"] for s in again.json()["pipeline"]["stages"]]
    assert labels.count("Escalated") == 1
    site.other.refresh()
    assert [s.label for s in site.other.pipeline("0", ADMIN).stages].count("Escalated") == 1


@pytest.mark.parametrize("bad", ["a b", "x" * 101, ""])
def test_a_key_that_is_not_one_is_a_400_and_nothing_changes(site: Served, bad: str) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    move = {"properties": {"hs_pipeline_stage": stage_id(site, "Closed")}}
    with site.agent() as agent:
        answer = agent.patch(f"{TICKETS}/{ticket.id}", json=move, headers=key(bad))
    body: dict[str, Any] = assert_error_shape(answer, 400)
    assert "dempotency" in body["message"] or "command id" in body["message"], body
    assert stage_of(site, ticket.id) == "New"


def test_another_users_key_is_refused_not_taken_as_theirs(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    with site.admin() as admin, site.agent() as agent:
        admin.patch(f"{TICKETS}/{ticket.id}", headers=key("shared"),
                    json={"properties": {"subject": "Printer on fire!"}})
        answer = agent.patch(f"{TICKETS}/{ticket.id}", headers=key("shared"),
                             json={"properties": {"subject": "Mine"}})
    assert_error_shape(answer, 400, "used by another user's command")
    site.other.refresh()
    assert site.other.ticket(ticket.id, AGENT).subject == "Printer on fire!"


def test_a_change_against_a_value_changed_since_is_a_409(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    path = f"/pipedesk/v1/tickets/{ticket.id}"
    with site.agent() as agent:
        stale = agent.post(f"{path}/edit", json={"values": {"subject": "Mine"},
                                                 "based": {"subject": "Printer on"}})
        other_field = agent.post(f"{path}/edit", json={"values": {"priority": "high"},
                                                       "based": {"subject": "Printer on fire"}})
    body = assert_error_shape(stale, 409, "Subject of #", "was changed since")
    assert body["category"] == "CONFLICT"
    assert other_field.status_code == 200 and other_field.json()["priority"] == "HIGH"
