"""pipedesk's own endpoints for the desk's other commands and queries, by
name (issue 16 item 1; core/desk_calls.py; docs/server.md, "Settings,
people and contacts"): what the terminal client sends for a settings,
people or contacts change, and asks for what its replica does not hold.
Against pipedesk under uvicorn; bad input is a 4xx in the error shape,
with nothing changed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from core_fixtures import ADMIN
from feed_fixtures import AGENT, Served, private_pipeline, serving
from server_fixtures import assert_error_shape

from core import desk_calls

COMMANDS = "/pipedesk/v1/commands"
QUERIES = "/pipedesk/v1/queries"


@pytest.fixture
def site() -> Iterator[Served]:
    with serving() as served:
        yield served


@pytest.mark.parametrize("name", sorted(desk_calls.CALLS))
def test_every_call_that_travels_has_a_shape_json_can_carry(name: str) -> None:
    sig = desk_calls.signature(name)
    for kind in [*sig.parameters.values(), sig.returns]:
        msgspec.inspect.type_info(kind)  # refused: a type msgspec cannot read


def contacts(site: Served) -> list[str]:
    site.other.refresh()
    return [c.email for c in site.other.contacts(ADMIN)]


def test_an_agent_adds_a_contact_once_under_one_key(site: Served) -> None:
    body = {"arguments": {"email": "nils@customer.example", "name": "Nils"}}
    with site.agent() as agent:
        first = agent.post(f"{COMMANDS}/add_contact", json=body,
                           headers={"Idempotency-Key": "add-nils"})
        again = agent.post(f"{COMMANDS}/add_contact", json=body,
                           headers={"Idempotency-Key": "add-nils"})
    assert first.status_code == 200, first.text
    assert first.json() == {"result": {"email": "nils@customer.example", "name": "Nils",
                                       "marketing": False}, "replayed": False}
    # Sent again (its answer lost): not made again, not "exists already".
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.headers["idempotent-replayed"] == "true"
    assert contacts(site).count("nils@customer.example") == 1


def test_u1_an_agents_settings_change_is_refused_and_nothing_changes(site: Served) -> None:
    before = site.other.config
    with site.agent() as agent:
        refused = agent.post(f"{COMMANDS}/create_property",
                             json={"arguments": {"name": "plan", "type": "text"}})
        tokens = agent.post(f"{QUERIES}/api_tokens", json={})
    assert_error_shape(refused, 403, "administrator")
    assert_error_shape(tokens, 403, "administrator")
    site.other.refresh()
    assert site.other.config == before


def test_an_administrators_change_answers_what_the_desk_returns(site: Served) -> None:
    with site.admin() as admin:
        made = admin.post(f"{COMMANDS}/create_property", json={"arguments": {
            "name": "severity", "type": "choice", "options": ["S1", "S2"]}})
        seen = admin.post(f"{QUERIES}/api_tokens", json={"arguments": {}})
    assert made.status_code == 200, made.text
    assert made.json()["result"]["name"] == "severity"
    assert made.json()["result"]["options"] == ["S1", "S2"]
    site.other.refresh()
    assert list(site.other.property("severity").options) == ["S1", "S2"]
    assert seen.status_code == 200
    assert {t["user"] for t in seen.json()["result"]} == {ADMIN.id, AGENT.id}
    # Not even a token's digest leaves the server.
    digests = {t.hash for t in site.other.api_tokens(ADMIN)}
    assert not any(d in seen.text for d in digests)


@pytest.mark.parametrize(("path", "body", "fragments"), [
    (f"{COMMANDS}/format_disk", {"arguments": {}}, ("path.name",)),
    (f"{QUERIES}/add_contact", {"arguments": {"email": "a@b.example"}}, ("path.name",)),
    (f"{COMMANDS}/add_contact", {"arguments": {"name": "Nils"}},
     ("add_contact needs the argument 'email'",)),
    (f"{COMMANDS}/add_contact", {"arguments": {"email": "a@b.example", "actor": "admin"}},
     ("add_contact takes no argument 'actor'",)),
    (f"{COMMANDS}/set_card_properties", {"arguments": {"pipeline_ref": "0",
                                                      "names": "subject"}},
     ("argument 'names'", "array")),
    (f"{COMMANDS}/save_template", {"arguments": {"template": {"name": "x"}}},
     ("argument 'template'", "subject")),
    (f"{COMMANDS}/add_contact", {"arguments": ["a@b.example"]},
     ("body.arguments",)),
    (f"{COMMANDS}/add_contact", {"arguments": {"email": "not an address"}}, ("address",)),
])
def test_a_call_that_is_wrong_is_said_where_and_nothing_changes(
        site: Served, path: str, body: Any, fragments: tuple[str, ...]) -> None:
    before = (site.other.config, contacts(site))
    with site.admin() as admin:
        answer = admin.post(path, json=body)
    assert_error_shape(answer, 400, *fragments)
    assert (site.other.config, contacts(site)) == before


def test_garbage_is_a_400_in_the_error_shape(site: Served) -> None:
    with site.admin() as admin:
        answer = admin.post(f"{COMMANDS}/add_contact", content=b"\xff{not json",
                            headers={"Content-Type": "application/json"})
    assert_error_shape(answer, 400)


def test_a_query_of_a_ticket_out_of_sight_is_unknown(site: Served) -> None:
    hidden = site.other.create_ticket(ADMIN, private_pipeline(site.other), "New",
                                      "Invoice wrong")
    with site.agent() as agent:
        answer = agent.post(f"{QUERIES}/attachment", json={"arguments": {
            "ticket_id": hidden.id, "message": 1, "index": 1}})
    assert_error_shape(answer, 404, f"No ticket #{hidden.id}.")
