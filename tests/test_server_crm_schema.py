"""The OpenAPI document (issue 15 item 6): the served /openapi.json is the
one kept in the repository (server/openapi.json; docs/server.md says how
to refresh it), and schemathesis's generated requests, as an administrator
and as an agent who sees little (P6), get no 5xx and answers that match it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from crm_fixtures import Crm, crm
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

__all__ = ["crm"]

KEPT = Path(__file__).parent.parent / "server" / "openapi.json"


def test_the_served_document_is_the_one_kept_in_the_repository(crm: Crm) -> None:
    served = crm.admin.get("/openapi.json").json()
    assert served == json.loads(KEPT.read_text(encoding="utf-8")), (
        "server/openapi.json is stale; refresh it as docs/server.md says")
    assert "/crm/v3/objects/tickets/search" in served["paths"]


@pytest.fixture
def api(crm: Crm) -> Any:
    return schemathesis.openapi.from_url(f"{crm.base}/openapi.json")


schema = schemathesis.pytest.from_fixture("api")


CHECKS: list[Callable[..., Any]] = [not_a_server_error, response_schema_conformance]
EXAMPLES = settings(max_examples=5, deadline=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))


def briefly(case: Any) -> Any:
    """The change feed's long-poll waits up to `wait` seconds (25 unless
    told) when nothing changed: the walk asks it to wait one at most, so an
    answer comes within the client's timeout."""
    if case.path == "/pipedesk/v1/changes":
        query = dict(case.query or {})
        wait = query.get("wait")
        if not isinstance(wait, int | float) or wait > 1:
            query["wait"] = 1
        case.query = query
    return case


@schema.parametrize()
@EXAMPLES
def test_as_an_administrator_no_5xx_and_answers_match_the_document(case: Any,
                                                                    crm: Crm) -> None:
    briefly(case).call_and_validate(base_url=crm.base, checks=CHECKS,
                           headers={"Authorization": f"Bearer {crm.admin_token}"})


@schema.parametrize()
@EXAMPLES
def test_as_an_agent_who_sees_little_the_same(case: Any, crm: Crm) -> None:
    briefly(case).call_and_validate(base_url=crm.base, checks=CHECKS,
                           headers={"Authorization": f"Bearer {crm.agent_token}"})
