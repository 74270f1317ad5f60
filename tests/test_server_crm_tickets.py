"""The CRM v3 tickets API over HTTP (issue 15 items 4, 6, 7): one ticket
and batches, the property names mapped to ours, paging, ETag and If-Match,
what an agent may see (U2, P6), refusals in the error shape."""

from __future__ import annotations

from core_fixtures import ADMIN
from crm_fixtures import Crm, crm
from server_fixtures import assert_error_shape

from core.errors import NotFound

__all__ = ["crm"]

T = "/crm/v3/objects/tickets"


def _create(crm: Crm, **properties: str) -> dict[str, object]:
    response = crm.admin.post(T, json={"properties": {"hs_pipeline_stage": "1", **properties}})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_t1_create_a_ticket_with_the_crm_names_and_read_it_back(crm: Crm) -> None:
    crm.desk.add_user("olaf@example.com", "Olaf", ADMIN)
    response = crm.admin.post(T, json={"properties": {
        "subject": "Printer on fire", "content": "Third floor", "hs_pipeline": "0",
        "hs_pipeline_stage": "1", "hs_ticket_priority": "HIGH",
        "hubspot_owner_id": "ingrid"}})
    assert response.status_code == 201, response.text
    made = response.json()
    props = made["properties"]
    assert (props["subject"], props["content"], props["hs_pipeline"],
            props["hs_pipeline_stage"], props["hs_ticket_priority"]) == \
        ("Printer on fire", "Third floor", "0", "1", "HIGH")
    assert props["hs_object_id"] == made["id"] and props["createdate"].endswith("Z")
    ticket = crm.desk.ticket(made["id"], ADMIN)
    assert (ticket.subject, ticket.priority, ticket.owner) == ("Printer on fire", "HIGH", "ingrid")
    read = crm.admin.get(f"{T}/{made['id']}",
                         params={"properties": "subject,hubspot_owner_id"})
    assert read.json()["properties"] == {
        "subject": "Printer on fire", "hubspot_owner_id": "ingrid",
        "createdate": props["createdate"], "hs_lastmodifieddate": props["hs_lastmodifieddate"],
        "hs_object_id": made["id"]}
    assert read.headers["etag"] == response.headers["etag"]


def test_custom_properties_by_their_name_and_epoch_millis_for_a_date(crm: Crm) -> None:
    crm.desk.create_property("due", "date", ADMIN, label="Due")
    crm.desk.create_property("seats", "number", ADMIN, label="Seats")
    made = _create(crm, subject="Licences", due="1767225600000", seats="12")
    read = crm.admin.get(f"{T}/{made['id']}", params={"properties": ["due", "seats"]}).json()
    assert (read["properties"]["due"], read["properties"]["seats"]) == ("2026-01-01", "12")


def test_an_unknown_property_is_refused_naming_it_and_listing_what_exists(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.post(T, json={"properties": {
        "subject": "x", "hs_pipeline_stage": "1", "colour": "red"}}), 400,
        "'colour'", "hs_pipeline_stage", "hs_ticket_priority")
    assert body["errors"][0]["in"] == "body.properties.colour"
    assert_error_shape(crm.admin.get(T, params={"properties": "colour"}), 400, "'colour'")
    assert crm.desk.tickets(ADMIN) == []


def test_create_needs_a_stage_and_a_subject_and_a_stage_of_the_pipeline(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.post(T, json={"properties": {"subject": "x"}}), 400,
                              "hs_pipeline_stage is required")
    assert body["errors"][0]["in"] == "body.properties.hs_pipeline_stage"
    assert_error_shape(crm.admin.post(T, json={"properties": {"hs_pipeline_stage": "1"}}),
                       400, "subject")
    billing_stage = crm.desk.pipeline(crm.billing, ADMIN).stages[0].id
    assert_error_shape(crm.admin.post(T, json={"properties": {
        "subject": "x", "hs_pipeline": "0", "hs_pipeline_stage": billing_stage}}), 400,
        "is in 'Billing'")
    assert_error_shape(crm.admin.post(T, json={"properties": {
        "subject": "x", "hs_ticket_priority": "SOON", "hs_pipeline_stage": "1"}}), 400,
        "Priority must be one of")


def test_wrong_types_and_malformed_json_are_400_saying_where(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.post(T, json={"properties": {"subject": 5}}), 400)
    assert body["errors"][0]["in"] == "body.properties.subject"
    body = assert_error_shape(crm.admin.post(T, json={"properties": ["subject"]}), 400)
    assert body["errors"][0]["in"] == "body.properties"
    assert_error_shape(crm.admin.post(T, content=b'{"properties": ',
                                      headers={"Content-Type": "application/json"}), 400)


def test_t2_t3_a_patch_to_a_closed_stage_moves_it_and_sets_the_close_date(crm: Crm) -> None:
    made = _create(crm, subject="Printer on fire")
    response = crm.admin.patch(f"{T}/{made['id']}", json={"properties": {
        "hs_pipeline_stage": "4", "hs_ticket_priority": "LOW"}})
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["hs_pipeline_stage"] == "4"
    ticket = crm.desk.ticket(str(made["id"]), ADMIN)
    assert ticket.close_date is not None and ticket.priority == "LOW"
    read = crm.admin.get(f"{T}/{made['id']}", params={"properties": "closed_date"}).json()
    assert read["properties"]["closed_date"].endswith("Z")


def test_t4_an_empty_string_clears_a_value_and_read_only_ones_are_refused(crm: Crm) -> None:
    made = _create(crm, subject="Printer on fire", content="Third floor")
    response = crm.admin.patch(f"{T}/{made['id']}", json={"properties": {"content": ""}})
    assert response.json()["properties"]["content"] in ("", None)
    assert crm.desk.ticket(str(made["id"]), ADMIN).content in ("", None)
    assert_error_shape(crm.admin.patch(f"{T}/{made['id']}", json={"properties": {
        "closed_date": "2026-01-01T00:00:00Z"}}), 400, "read-only")
    assert_error_shape(crm.admin.patch(f"{T}/{made['id']}", json={"properties": {}}), 400,
                       "at least one property")
    assert_error_shape(crm.admin.patch(f"{T}/{made['id']}", json={"properties": {
        "subject": ""}}), 400, "subject")


def test_etag_changes_exactly_when_the_ticket_does_and_if_match_is_honoured(crm: Crm) -> None:
    made = _create(crm, subject="Printer on fire")
    url = f"{T}/{made['id']}"
    first = crm.admin.get(url).headers["etag"]
    assert crm.admin.get(url).headers["etag"] == first
    changed = crm.admin.patch(url, json={"properties": {"content": "smoke"}},
                              headers={"If-Match": first})
    assert changed.status_code == 200 and changed.headers["etag"] != first
    stale = crm.admin.patch(url, json={"properties": {"content": "fire"}},
                            headers={"If-Match": first})
    body = assert_error_shape(stale, 412, "changed since")
    assert body["current"]["properties"]["content"] == "smoke"
    assert stale.headers["etag"] == changed.headers["etag"]
    assert_error_shape(crm.admin.delete(url, headers={"If-Match": first}), 412)
    assert crm.admin.delete(url, headers={"If-Match": changed.headers["etag"]}).status_code == 204
    assert_error_shape(crm.admin.get(url), 404, "No ticket")
    try:
        crm.desk.ticket(str(made["id"]), ADMIN)
        raise AssertionError("still there")
    except NotFound:
        pass


def test_paging_with_limit_and_after(crm: Crm) -> None:
    ids = [str(_create(crm, subject=f"Ticket {n}")["id"]) for n in range(5)]
    first = crm.admin.get(T, params={"limit": 2}).json()
    assert [t["id"] for t in first["results"]] == ids[:2]
    after = first["paging"]["next"]["after"]
    second = crm.admin.get(T, params={"limit": 2, "after": after}).json()
    assert [t["id"] for t in second["results"]] == ids[2:4]
    last = crm.admin.get(first["paging"]["next"]["link"].replace(crm.base, "")
                         .replace(f"after={after}", f"after={ids[3]}")).json()
    assert [t["id"] for t in last["results"]] == ids[4:] and last.get("paging") is None
    assert crm.admin.get(T, params={"archived": "true"}).json()["results"] == []


def test_limit_out_of_range_and_a_bad_after_are_400_saying_where(crm: Crm) -> None:
    body = assert_error_shape(crm.admin.get(T, params={"limit": 101}), 400)
    assert body["errors"][0]["in"] == "query.limit"
    assert_error_shape(crm.admin.get(T, params={"limit": 0}), 400)
    body = assert_error_shape(crm.admin.get(T, params={"after": "abc"}), 400, "cursor")
    assert body["errors"][0]["in"] == "query.after"


def test_u2_p6_an_agent_sees_only_their_tickets_and_others_are_unknown(crm: Crm) -> None:
    support = _create(crm, subject="Printer on fire")
    hidden = crm.desk.create_ticket(ADMIN, crm.billing, "New", "Refund")
    listed = [t["id"] for t in crm.agent.get(T).json()["results"]]
    assert listed == [support["id"]]
    unknown = crm.agent.get(f"{T}/999")
    out_of_sight = crm.agent.get(f"{T}/{hidden.id}")
    assert_error_shape(out_of_sight, 404, f"No ticket #{hidden.id}")
    assert out_of_sight.json()["category"] == unknown.json()["category"] == "OBJECT_NOT_FOUND"
    assert_error_shape(crm.agent.patch(f"{T}/{hidden.id}", json={"properties": {
        "subject": "mine"}}), 404)
    assert_error_shape(crm.agent.delete(f"{T}/{hidden.id}"), 404)
    billing_stage = crm.desk.pipeline(crm.billing, ADMIN).stages[0].id
    assert_error_shape(crm.agent.post(T, json={"properties": {
        "subject": "x", "hs_pipeline_stage": billing_stage}}), 404)
    batch = crm.agent.post(f"{T}/batch/read", json={"inputs": [
        {"id": support["id"]}, {"id": hidden.id}], "properties": []})
    assert batch.status_code == 207
    assert [t["id"] for t in batch.json()["results"]] == [support["id"]]
    assert crm.desk.ticket(hidden.id, ADMIN).subject == "Refund"


def test_p6_view_only_is_403(crm: Crm) -> None:
    crm.desk.set_pipeline_access(crm.billing, ADMIN, view=None, edit=["admin"])
    hidden = crm.desk.create_ticket(ADMIN, crm.billing, "New", "Refund")
    assert crm.agent.get(f"{T}/{hidden.id}").status_code == 200
    assert_error_shape(crm.agent.patch(f"{T}/{hidden.id}", json={"properties": {
        "subject": "mine"}}), 403)


def test_batch_create_all_good_is_one_commit_201(crm: Crm) -> None:
    response = crm.admin.post(f"{T}/batch/create", json={"inputs": [
        {"properties": {"subject": "One", "hs_pipeline_stage": "1"}},
        {"properties": {"subject": "Two", "hs_pipeline_stage": "2"}}]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert [t["properties"]["subject"] for t in body["results"]] == ["One", "Two"]
    assert len(crm.desk.tickets(ADMIN)) == 2


def test_batch_create_with_a_bad_item_makes_the_others_and_says_which_207(crm: Crm) -> None:
    response = crm.admin.post(f"{T}/batch/create", json={"inputs": [
        {"properties": {"subject": "One", "hs_pipeline_stage": "1"}},
        {"properties": {"subject": "Two", "hs_pipeline_stage": "1",
                        "hs_ticket_priority": "SOON"}},
        {"properties": {"subject": "Three", "hs_pipeline_stage": "1", "colour": "red"}}]})
    assert response.status_code == 207, response.text
    body = response.json()
    assert [t["properties"]["subject"] for t in body["results"]] == ["One"]
    assert body["numErrors"] == 2
    assert [e["context"]["index"] for e in body["errors"]] == [["1"], ["2"]]
    assert "Priority" in body["errors"][0]["message"]
    assert body["errors"][1]["errors"][0]["in"] == "inputs[2].properties.colour"
    assert [t.subject for t in crm.desk.tickets(ADMIN)] == ["One"]


def test_batch_update_and_archive_report_each_item(crm: Crm) -> None:
    one, two = (str(_create(crm, subject=s)["id"]) for s in ("One", "Two"))
    response = crm.admin.post(f"{T}/batch/update", json={"inputs": [
        {"id": one, "properties": {"hs_ticket_priority": "URGENT"}},
        {"id": "999", "properties": {"subject": "Ghost"}}]})
    assert response.status_code == 207, response.text
    body = response.json()
    assert [t["id"] for t in body["results"]] == [one]
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"]["ids"] == ["999"]
    assert crm.desk.ticket(one, ADMIN).priority == "URGENT"
    everyone = crm.admin.post(f"{T}/batch/update", json={"inputs": [
        {"id": one, "properties": {"subject": "Uno"}},
        {"id": two, "properties": {"subject": "Dos"}}]})
    assert everyone.status_code == 200
    assert crm.admin.post(f"{T}/batch/archive", json={"inputs": [{"id": one}]}).status_code \
        == 204
    partly = crm.admin.post(f"{T}/batch/archive", json={"inputs": [{"id": two}, {"id": one}]})
    assert partly.status_code == 207 and partly.json()["numErrors"] == 1
    assert crm.desk.tickets(ADMIN) == []
    none = crm.admin.post(f"{T}/batch/archive", json={"inputs": [{"id": one}]})
    assert_error_shape(none, 404, "No item of the batch was done", f"#{one}")


def test_batch_read_all_found_is_200(crm: Crm) -> None:
    one = str(_create(crm, subject="One")["id"])
    response = crm.admin.post(f"{T}/batch/read", json={"inputs": [{"id": one}],
                                                       "properties": ["subject"]})
    assert response.status_code == 200
    assert response.json()["results"][0]["properties"]["subject"] == "One"


def test_a_body_over_the_limit_streamed_to_create_is_413(crm: Crm) -> None:
    from server.app import MAX_BODY

    def chunks() -> object:
        piece = b" " * 65536
        yield b'{"properties": {"subject": "'
        for _ in range(MAX_BODY // len(piece) + 2):
            yield piece
        yield b'"}}'

    response = crm.admin.post(T, content=chunks(),  # type: ignore[arg-type]
                              headers={"Content-Type": "application/json"})
    assert_error_shape(response, 413, "larger than the server takes")
    assert "content-length" not in {k.lower() for k in response.request.headers}
