"""`POST /crm/v3/objects/tickets/search` over HTTP (issue 15 items 4, 7):
the CRM's filters, sorts, free text and paging over the tickets the user
may see (U2, P6); a bad filter is a 400 saying where."""

from __future__ import annotations

from typing import Any

from core_fixtures import ADMIN
from crm_fixtures import Crm, crm
from server_fixtures import assert_error_shape

__all__ = ["crm"]

S = "/crm/v3/objects/tickets/search"


def _tickets(crm: Crm) -> None:
    crm.desk.create_property("seats", "number", ADMIN, label="Seats")
    for subject, priority, seats, stage in (("Printer on fire", "HIGH", "3", "New"),
                                            ("Printer jammed", "LOW", "10", "Closed"),
                                            ("Password reset", "URGENT", "", "New")):
        values: dict[str, Any] = {"priority": priority}
        if seats:
            values["seats"] = seats
        crm.desk.create_ticket(ADMIN, "0", stage, subject, values=values)
    crm.desk.create_ticket(ADMIN, crm.billing, "New", "Printer invoice")


def _subjects(crm: Crm, body: dict[str, Any], agent: bool = False) -> list[str]:
    response = (crm.agent if agent else crm.admin).post(S, json=body)
    assert response.status_code == 200, response.text
    return [t["properties"]["subject"] for t in response.json()["results"]]


def _filter(name: str, operator: str, **more: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator,
                                           **more}]}]}


def test_operators(crm: Crm) -> None:
    _tickets(crm)
    assert _subjects(crm, _filter("hs_ticket_priority", "EQ", value="high")) == \
        ["Printer on fire"]
    assert _subjects(crm, _filter("hs_ticket_priority", "NEQ", value="HIGH")) == \
        ["Printer jammed", "Password reset", "Printer invoice"]
    assert _subjects(crm, _filter("seats", "GT", value="3")) == ["Printer jammed"]
    assert _subjects(crm, _filter("seats", "LTE", value="3")) == ["Printer on fire"]
    assert _subjects(crm, _filter("seats", "BETWEEN", value="2", highValue="20")) == \
        ["Printer on fire", "Printer jammed"]
    assert _subjects(crm, _filter("hs_ticket_priority", "IN", values=["LOW", "URGENT"])) == \
        ["Printer jammed", "Password reset"]
    assert _subjects(crm, _filter("hs_ticket_priority", "NOT_IN",
                                  values=["LOW", "URGENT", "HIGH"])) == ["Printer invoice"]
    assert _subjects(crm, _filter("seats", "HAS_PROPERTY")) == \
        ["Printer on fire", "Printer jammed"]
    assert _subjects(crm, _filter("closed_date", "NOT_HAS_PROPERTY")) == \
        ["Printer on fire", "Password reset", "Printer invoice"]
    assert _subjects(crm, _filter("subject", "CONTAINS_TOKEN", value="jam*")) == \
        ["Printer jammed"]
    assert _subjects(crm, _filter("subject", "NOT_CONTAINS_TOKEN", value="printer")) == \
        ["Password reset"]
    assert _subjects(crm, _filter("createdate", "GTE", value="0")) != []
    assert _subjects(crm, _filter("createdate", "LT", value="2000-01-01")) == []


def test_groups_are_alternatives_and_filters_of_a_group_all_hold(crm: Crm) -> None:
    _tickets(crm)
    both = {"filterGroups": [
        {"filters": [{"propertyName": "subject", "operator": "CONTAINS_TOKEN",
                      "value": "printer"},
                     {"propertyName": "hs_pipeline_stage", "operator": "EQ", "value": "4"}]},
        {"filters": [{"propertyName": "hs_ticket_priority", "operator": "EQ",
                      "value": "URGENT"}]}]}
    assert _subjects(crm, both) == ["Printer jammed", "Password reset"]


def test_query_sorts_paging_and_total(crm: Crm) -> None:
    _tickets(crm)
    assert _subjects(crm, {"query": "PRINTER fire"}) == ["Printer on fire"]
    body = {"query": "printer", "sorts": [{"propertyName": "subject",
                                           "direction": "DESCENDING"}], "limit": 2}
    first = crm.admin.post(S, json=body).json()
    assert first["total"] == 3
    assert [t["properties"]["subject"] for t in first["results"]] == \
        ["Printer on fire", "Printer jammed"]
    rest = crm.admin.post(S, json={**body, "after": first["paging"]["next"]["after"]}).json()
    assert [t["properties"]["subject"] for t in rest["results"]] == ["Printer invoice"]
    assert _subjects(crm, {"sorts": ["seats"], "query": "printer"})[:2] == \
        ["Printer on fire", "Printer jammed"]
    picked = crm.admin.post(S, json={"properties": ["seats"], "query": "jammed"}).json()
    assert picked["results"][0]["properties"]["seats"] == "10"


def test_u2_p6_search_finds_only_what_the_agent_may_see(crm: Crm) -> None:
    _tickets(crm)
    assert _subjects(crm, {"query": "printer", "properties": ["subject"]}, agent=True) == \
        ["Printer on fire", "Printer jammed"]
    assert crm.agent.post(S, json={"query": "invoice"}).json()["total"] == 0


def test_a_bad_search_is_400_saying_where(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.post(S, json=_filter("colour", "EQ", value="red")),
                              400, "'colour'")
    assert body["errors"][0]["in"] == "body.filterGroups[0].filters[0].propertyName"
    body = assert_error_shape(crm.admin.post(S, json=_filter("subject", "LIKE", value="x")),
                              400)
    assert "operator" in body["errors"][0]["in"]
    assert_error_shape(crm.admin.post(S, json=_filter("subject", "EQ")), 400, "takes a 'value'")
    assert_error_shape(crm.admin.post(S, json=_filter("subject", "IN")), 400, "'values'")
    body = assert_error_shape(crm.admin.post(S, json=_filter("createdate", "GT", value="soon")),
                              400, "compares as a date")
    assert body["errors"][0]["in"] == "body.filterGroups[0].filters[0].value"
    assert_error_shape(crm.admin.post(S, json={"limit": 201}), 400)
    assert_error_shape(crm.admin.post(S, json={"after": "x"}), 400, "cursor")
