"""The CRM v3 pipelines API over HTTP (issue 15 items 4, 6, 7): ticket
pipelines and their stages, each change one of the desk's commands (P2,
P4, P5, P6, S1-S6), refusals in the error shape."""

from __future__ import annotations

from core_fixtures import ADMIN
from crm_fixtures import Crm, crm
from server_fixtures import assert_error_shape

__all__ = ["crm"]

P = "/crm/v3/pipelines/tickets"


def test_p1_the_support_pipeline_with_its_stages_in_order_and_their_state(crm: Crm) -> None:
    body = crm.admin.get(P).json()
    support = body["results"][0]
    assert (support["id"], support["label"], support["displayOrder"]) == \
        ("0", "Support pipeline", 0)
    assert [(s["label"], s["displayOrder"], s["metadata"]["ticketState"])
            for s in support["stages"]] == [("New", 0, "OPEN"), ("Waiting on contact", 1, "OPEN"),
                                           ("Waiting on us", 2, "OPEN"), ("Closed", 3, "CLOSED")]
    assert support["createdAt"] == "1970-01-01T00:00:00.000Z" and support["archived"] is False
    assert crm.admin.get(f"{P}/0").json() == support


def test_only_tickets_have_pipelines(crm: Crm) -> None:
    assert_error_shape(crm.admin.get("/crm/v3/pipelines/deals"), 404,
                       "ticket pipelines only", "/crm/v3/pipelines/tickets")


def test_p6_an_agent_sees_only_the_pipelines_they_may_view(crm: Crm) -> None:
    labels = [p["label"] for p in crm.agent.get(P).json()["results"]]
    assert labels == ["Support pipeline"]
    assert_error_shape(crm.agent.get(f"{P}/{crm.billing}"), 404, "No pipeline")
    assert_error_shape(crm.agent.get(f"{P}/{crm.billing}/stages"), 404, "No pipeline")
    # The same answer as for a pipeline that does not exist: nothing leaks.
    assert_error_shape(crm.agent.get(f"{P}/999"), 404, "No pipeline")


def test_p6_an_agent_changes_no_settings_403(crm: Crm) -> None:
    stage = {"label": "Triage", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}}
    assert_error_shape(crm.agent.post(P, json={"label": "Mine", "displayOrder": 0,
                                               "stages": []}), 403, "administrator")
    assert_error_shape(crm.agent.patch(f"{P}/0", json={"label": "Mine"}), 403)
    assert_error_shape(crm.agent.post(f"{P}/0/stages", json=stage), 403)
    assert_error_shape(crm.agent.patch(f"{P}/0/stages/1", json={"label": "x"}), 403)
    assert_error_shape(crm.agent.delete(f"{P}/0/stages/1"), 403)
    assert_error_shape(crm.agent.delete(f"{P}/0"), 403)
    # Billing is out of the agent's sight: unknown, as a missing one.
    assert_error_shape(crm.agent.patch(f"{P}/{crm.billing}", json={"label": "Mine"}), 404)
    assert_error_shape(crm.agent.delete(f"{P}/{crm.billing}/stages/1"), 404)
    assert [p.label for p in crm.desk.pipelines(ADMIN)] == ["Support pipeline", "Billing"]


def test_p2_a_pipeline_created_with_its_own_stages_in_display_order(crm: Crm) -> None:
    response = crm.admin.post(P, json={"label": "Returns", "displayOrder": 0, "stages": [
        {"label": "Done", "displayOrder": 2, "metadata": {"ticketState": "CLOSED"}},
        {"label": "Received", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}},
        {"label": "Checking", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}}]})
    assert response.status_code == 201, response.text
    made = response.json()
    assert made["displayOrder"] == 0
    assert [(s["label"], s["metadata"]["ticketState"]) for s in made["stages"]] == \
        [("Received", "OPEN"), ("Checking", "OPEN"), ("Done", "CLOSED")]
    assert [p.label for p in crm.desk.pipelines(ADMIN)][0] == "Returns"


def test_p2_a_pipeline_created_without_stages_has_the_four_default_ones(crm: Crm) -> None:
    made = crm.admin.post(P, json={"label": "Sales", "displayOrder": 9}).json()
    assert [s["label"] for s in made["stages"]] == \
        ["New", "Waiting on contact", "Waiting on us", "Closed"]
    assert made["displayOrder"] == 2  # beyond the end is the end


def test_s2_a_create_the_desk_refuses_makes_no_pipeline(crm: Crm) -> None:
    response = crm.admin.post(P, json={"label": "Open only", "displayOrder": 0, "stages": [
        {"label": "Doing", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}}]})
    assert_error_shape(response, 400, "Closed")
    assert [p.label for p in crm.desk.pipelines(ADMIN)] == ["Support pipeline", "Billing"]


def test_p3_p4_rename_and_move_a_pipeline(crm: Crm) -> None:
    changed = crm.admin.patch(f"{P}/{crm.billing}", json={"label": "Invoices",
                                                          "displayOrder": 0}).json()
    assert (changed["label"], changed["displayOrder"]) == ("Invoices", 0)
    assert [p.label for p in crm.desk.pipelines(ADMIN)] == ["Invoices", "Support pipeline"]


def test_replace_keeps_stages_by_label_adds_and_deletes_the_rest(crm: Crm) -> None:
    crm.desk.create_ticket(ADMIN, crm.billing, "New", "Refund")
    stages = [{"label": "new", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}},
              {"label": "Paid", "displayOrder": 2, "metadata": {"ticketState": "CLOSED"}},
              {"label": "Waiting on contact", "displayOrder": 0,
               "metadata": {"ticketState": "OPEN"}},
              {"label": "Waiting on us", "displayOrder": 3, "metadata": {"ticketState": "OPEN"}}]
    response = crm.admin.put(f"{P}/{crm.billing}", json={"label": "Billing", "displayOrder": 1,
                                                         "stages": stages})
    assert response.status_code == 200, response.text
    assert [s["label"] for s in response.json()["stages"]] == \
        ["Waiting on contact", "new", "Paid", "Waiting on us"]
    ticket = crm.desk.tickets(ADMIN, pipeline=crm.billing)[0]
    assert crm.desk.stage(ticket.stage, ADMIN)[1].label == "new"  # kept: the same stage


def test_p5_a_pipeline_holding_tickets_is_not_deleted_saying_why(crm: Crm) -> None:
    crm.desk.create_ticket(ADMIN, crm.billing, "New", "Refund")
    assert_error_shape(crm.admin.delete(f"{P}/{crm.billing}"), 400, "holds 1 ticket")
    made = crm.admin.post(P, json={"label": "Empty", "displayOrder": 0}).json()
    assert crm.admin.delete(f"{P}/{made['id']}").status_code == 204
    assert_error_shape(crm.admin.get(f"{P}/{made['id']}"), 404, "No pipeline")


def test_s1_s4_add_a_stage_at_a_position(crm: Crm) -> None:
    response = crm.admin.post(f"{P}/0/stages", json={
        "label": "Triage", "displayOrder": 1, "metadata": {"ticketState": "OPEN"}})
    assert response.status_code == 201, response.text
    stage = response.json()
    assert (stage["label"], stage["displayOrder"]) == ("Triage", 1)
    listed = crm.admin.get(f"{P}/0/stages").json()["results"]
    assert [s["label"] for s in listed][:2] == ["New", "Triage"]
    assert crm.admin.get(f"{P}/0/stages/{stage['id']}").json() == stage


def test_s2_s3_rename_and_switch_a_stage_and_the_last_closed_one_stays(crm: Crm) -> None:
    changed = crm.admin.patch(f"{P}/0/stages/2", json={
        "label": "Pending", "metadata": {"ticketState": "CLOSED"}}).json()
    assert (changed["id"], changed["label"], changed["metadata"]["ticketState"]) == \
        ("2", "Pending", "CLOSED")
    replaced = crm.admin.put(f"{P}/0/stages/2", json={
        "label": "Pending", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}}).json()
    assert replaced["displayOrder"] == 0
    assert_error_shape(crm.admin.patch(f"{P}/0/stages/4", json={
        "metadata": {"ticketState": "OPEN"}}), 400, "Closed")


def test_s6_a_stage_holding_tickets_is_not_deleted_and_an_empty_one_is(crm: Crm) -> None:
    crm.desk.create_ticket(ADMIN, "0", "New", "Printer on fire")
    assert_error_shape(crm.admin.delete(f"{P}/0/stages/1"), 400, "holds 1 ticket")
    added = crm.admin.post(f"{P}/0/stages", json={
        "label": "Spare", "displayOrder": 0, "metadata": {"ticketState": "OPEN"}}).json()
    assert crm.admin.delete(f"{P}/0/stages/{added['id']}").status_code == 204
    assert_error_shape(crm.admin.get(f"{P}/0/stages/{added['id']}"), 404, "No stage")


def test_a_stage_of_another_pipeline_is_refused_saying_where_it_is(crm: Crm) -> None:
    other = crm.desk.pipeline(crm.billing, ADMIN).stages[0].id
    assert_error_shape(crm.admin.get(f"{P}/0/stages/{other}"), 400, "is in 'Billing'")


def test_bad_input_names_where(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.post(P, json={"label": "X", "displayOrder": 0,
                                                      "stages": [{"label": "A"}]}), 400)
    assert any(e["in"].startswith("body.stages.0") for e in body["errors"]), body
    body = assert_error_shape(crm.admin.post(P, content=b"{not json",
                                             headers={"Content-Type": "application/json"}), 400)
    assert body["errors"][0]["in"].startswith("body")
    body = assert_error_shape(crm.admin.patch(f"{P}/0/stages/1", json={
        "metadata": {"ticketState": "HALF"}}), 400)
    assert body["errors"][0]["in"] == "body.metadata.ticketState"
    assert_error_shape(crm.admin.patch(f"{P}/0", json={"archived": True}), 400, "archive")
    body = assert_error_shape(crm.admin.patch(f"{P}/0", json={"lable": "typo"}), 400)
    assert body["errors"][0]["in"] == "body.lable"
