"""The CRM's own Python client (hubspot-api-client) against our server on
loopback (issue 15 item 6): it lists pipelines, creates a ticket, moves it
to a Closed stage (T3 sets the close date), finds it and deletes it."""

from __future__ import annotations

import hubspot  # type: ignore[import-untyped]
from core_fixtures import ADMIN
from crm_fixtures import Crm, crm
from hubspot.crm.tickets import (  # type: ignore[import-untyped]
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
)

__all__ = ["crm"]


def test_the_crm_client_works_a_ticket_through_its_life(crm: Crm) -> None:
    client = hubspot.Client.create(access_token=crm.admin_token, host=crm.base)
    pipelines = client.crm.pipelines.pipelines_api.get_all(object_type="tickets").results
    support = pipelines[0]
    assert support.label == "Support pipeline"
    closed = next(s for s in support.stages if s.metadata["ticketState"] == "CLOSED")
    made = client.crm.tickets.basic_api.create(SimplePublicObjectInputForCreate(properties={
        "subject": "Printer on fire", "hs_pipeline": support.id,
        "hs_pipeline_stage": support.stages[0].id, "hs_ticket_priority": "HIGH"}))
    assert made.properties["subject"] == "Printer on fire"
    moved = client.crm.tickets.basic_api.update(made.id, SimplePublicObjectInput(
        properties={"hs_pipeline_stage": closed.id}))
    assert moved.properties["hs_pipeline_stage"] == closed.id
    read = client.crm.tickets.basic_api.get_by_id(made.id, properties=["closed_date"])
    assert read.properties["closed_date"] is not None
    assert crm.desk.ticket(made.id, ADMIN).close_date is not None
    found = client.crm.tickets.search_api.do_search(PublicObjectSearchRequest(
        filter_groups=[FilterGroup(filters=[Filter(property_name="hs_pipeline_stage",
                                                   operator="EQ", value=closed.id)])],
        properties=["subject"], limit=10))
    assert found.total == 1 and found.results[0].id == made.id
    client.crm.tickets.basic_api.archive(made.id)
    assert crm.desk.tickets(ADMIN) == []
