"""pipedesk's own endpoints over HTTP under uvicorn (issue 15 item 5): the
settings as the caller may see them with their version (P6, U3), the
conversation and timeline of a ticket (C1, T7), a reply and a note, stage
edits as one batch (S8), automation changes (A4, A4d); every refusal in
the error shape (a ticket out of sight is unknown, U2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from core_fixtures import ADMIN
from feed_fixtures import Served, private_pipeline, serving
from server_fixtures import assert_error_shape

from core.automation.actions import Notify


@pytest.fixture
def site() -> Iterator[Served]:
    with serving() as served:
        yield served


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


# -- settings ---------------------------------------------------------------------


def test_settings_hold_only_the_pipelines_the_caller_may_view(site: Served) -> None:
    """P6; and never a token's digest."""
    private_pipeline(site.other)
    with site.agent() as agent, site.admin() as admin:
        mine = ok(agent.get("/pipedesk/v1/settings"))
        everything = ok(admin.get("/pipedesk/v1/settings"))
        raw = admin.get("/pipedesk/v1/settings").text
    assert [p["label"] for p in mine["pipelines"]] == ["Support pipeline"]
    assert [p["label"] for p in everything["pipelines"]] == ["Support pipeline", "Billing"]
    assert [s["label"] for s in mine["pipelines"][0]["stages"]][0] == "New"
    assert {"properties", "templates", "channels", "users", "teams"} <= mine.keys()
    assert mine["me"] == "ingrid" and "ingrid" in [u["id"] for u in mine["users"]]
    assert "tokens" not in everything and '"hash"' not in raw


def test_the_settings_version_is_the_etag_and_changes_with_what_the_caller_sees(
        site: Served) -> None:
    with site.agent() as agent:
        first = agent.get("/pipedesk/v1/settings")
        version = first.json()["version"]
        assert first.headers["etag"] == f'"{version}"'
        unchanged = agent.get("/pipedesk/v1/settings", headers={"If-None-Match": f'"{version}"'})
        assert unchanged.status_code == 304
        private_pipeline(site.other)  # nothing the agent sees
        assert ok(agent.get("/pipedesk/v1/settings"))["version"] == version
        site.other.set_pipeline_access("0", ADMIN, view=[], edit=[])  # U3
        after = ok(agent.get("/pipedesk/v1/settings"))
    assert after["version"] != version and after["pipelines"] == []


# -- a ticket's conversation and timeline, replies and notes -------------------------


def test_a_note_shows_in_the_conversation_and_the_timeline(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire")
    with site.agent() as agent:
        note = ok(agent.post(f"/pipedesk/v1/tickets/{ticket.id}/notes",
                             json={"text": "Called them: it is the toner."}), 201)
        assert note["text"] == "Called them: it is the toner."
        talk = ok(agent.get(f"/pipedesk/v1/tickets/{ticket.id}/conversation"))
        timeline = ok(agent.get(f"/pipedesk/v1/tickets/{ticket.id}/timeline"))
    assert talk["ticket"] == ticket.id
    assert [i["text"] for i in talk["items"]] == ["Called them: it is the toner."]
    assert timeline["items"][0]["who"] and len(timeline["items"]) >= 1


def test_a_reply_goes_to_the_contact_through_the_outbox(site: Served) -> None:
    ticket = site.other.create_ticket(ADMIN, "0", "New", "Printer on fire",
                                      contact="kari@customer.example")
    with site.agent() as agent:
        sent = ok(agent.post(f"/pipedesk/v1/tickets/{ticket.id}/replies",
                             json={"text": "We are on our way."}), 201)
        talk = ok(agent.get(f"/pipedesk/v1/tickets/{ticket.id}/conversation"))
    assert sent["to"] == ["kari@customer.example"]
    assert [i["text"] for i in talk["items"]] == ["We are on our way."]


def test_a_ticket_out_of_sight_or_unknown_is_404_and_bad_input_400(site: Served) -> None:
    """U2: a reply to a ticket the agent may not see reads as unknown."""
    billing = private_pipeline(site.other)
    hidden = site.other.create_ticket(ADMIN, billing, "New", "Invoice wrong",
                                      contact="kari@customer.example")
    plain = site.other.create_ticket(ADMIN, "0", "New", "No contact")
    with site.agent() as agent:
        assert_error_shape(agent.post(f"/pipedesk/v1/tickets/{hidden.id}/replies",
                                      json={"text": "Hello"}), 404, f"No ticket #{hidden.id}")
        assert_error_shape(agent.get(f"/pipedesk/v1/tickets/{hidden.id}/timeline"), 404)
        assert_error_shape(agent.get("/pipedesk/v1/tickets/999/conversation"), 404,
                           "No ticket #999")
        assert_error_shape(agent.post(f"/pipedesk/v1/tickets/{plain.id}/replies",
                                      json={"text": "Hello"}), 400, "has no contact")
        assert_error_shape(agent.post(f"/pipedesk/v1/tickets/{plain.id}/notes",
                                      json={"text": "  "}), 400, "The note is empty")
        assert_error_shape(agent.post(f"/pipedesk/v1/tickets/{plain.id}/notes",
                                      json={}), 400, "body.text")


# -- stage edits (S8) ---------------------------------------------------------------


def test_stage_edits_are_applied_as_one_batch(site: Served) -> None:
    with site.admin() as admin:
        done = ok(admin.post("/pipedesk/v1/pipelines/0/stage-edits", json={"edits": [
            {"op": "add", "key": "new", "label": "Escalated", "state": "open"},
            {"op": "move", "stage": "new", "position": 2},
            {"op": "rename", "stage": "Waiting on us", "label": "Our turn"},
        ]}))
    labels = [s["label"] for s in done["pipeline"]["stages"]]
    assert labels[:2] == ["New", "Escalated"] and "Our turn" in labels
    assert "new" in done["added"]
    site.other.refresh()
    assert [s.label for s in site.other.pipeline("0", ADMIN).stages] == labels


def test_a_stage_edit_batch_that_breaks_a_rule_changes_nothing(site: Served) -> None:
    """S8: all or none; S2: a pipeline keeps a Closed stage."""
    with site.admin() as admin, site.agent() as agent:
        before = ok(admin.get("/pipedesk/v1/settings"))["pipelines"][0]["stages"]
        closed = [s["label"] for s in before if s["state"] == "closed"]
        edits = [{"op": "rename", "stage": "New", "label": "Fresh"},
                 *({"op": "state", "stage": label, "state": "open"} for label in closed)]
        assert_error_shape(admin.post("/pipedesk/v1/pipelines/0/stage-edits",
                                      json={"edits": edits}), 400)
        assert ok(admin.get("/pipedesk/v1/settings"))["pipelines"][0]["stages"] == before
        assert_error_shape(agent.post("/pipedesk/v1/pipelines/0/stage-edits", json={
            "edits": [{"op": "rename", "stage": "New", "label": "Fresh"}]}), 403,
            "Only administrators")
        assert_error_shape(admin.post("/pipedesk/v1/pipelines/0/stage-edits", json={
            "edits": [{"op": "explode", "stage": "New"}]}), 400)


# -- automation (A4, A4d) ---------------------------------------------------------


def test_actions_are_added_moved_edited_and_removed(site: Served) -> None:
    path = "/pipedesk/v1/pipelines/0/stages/New/actions"
    with site.admin() as admin:
        assert ok(admin.post(path, json={"action": {"kind": "notify", "owner": True}}),
                  201) == {"position": "1"}
        assert ok(admin.post(path, json={"action": {"kind": "delay", "duration": "2h"}}),
                  201) == {"position": "2"}
        assert ok(admin.post(f"{path}/2/move", json={"offset": -1})) == {"position": "1"}
        ok(admin.put(f"{path}/2", json={"action": {"kind": "notify", "user": "ingrid"}}))
        site.other.refresh()
        actions = site.other.pipeline("0", ADMIN).stage("1")
        assert actions is not None and actions.actions[1] == Notify(user="ingrid")
        assert ok(admin.delete(f"{path}/1", params={"andAfter": "true"})) == {"removed": 2}


def test_bad_actions_and_positions_are_refused_in_the_error_shape(site: Served) -> None:
    path = "/pipedesk/v1/pipelines/0/stages/New/actions"
    with site.admin() as admin, site.agent() as agent:
        assert_error_shape(admin.post(path, json={"action": {"kind": "webhook",
                                                             "url": "ftp://x"}}), 400,
                           "http:// or https://")
        assert_error_shape(admin.delete(f"{path}/first"), 400, "not an action's position")
        assert_error_shape(admin.delete(f"{path}/7"), 400)
        assert_error_shape(agent.post(path, json={"action": {"kind": "notify",
                                                             "owner": True}}), 403,
                           "Only administrators")
