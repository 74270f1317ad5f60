"""The server's frame, over HTTP under uvicorn: who a request acts as
(tokens, issue 15 item 3), the error shape of every refusal (item 7), the
body limit, and the desk's rules answering with the right status (U2: a
ticket out of sight is unknown, 404; P6 view-only, 403)."""

from __future__ import annotations

import pytest
from server_fixtures import ApiClient, assert_error_shape, served

from core import Desk
from core.store import MemoryStore
from server.app import MAX_BODY


@pytest.fixture
def base() -> object:
    with served(Desk(MemoryStore()), follow=False) as url:
        yield url


def test_no_token_is_401_in_the_error_shape_saying_how_to_get_one(base: str) -> None:
    with ApiClient(base, None) as client:
        response = client.get("/pipedesk/v1/me")
    body = assert_error_shape(response, 401, "Authorization: Bearer", "pipedesk token create")
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_endpoint_is_404_in_the_error_shape(base: str) -> None:
    with ApiClient(base, None) as client:
        response = client.get("/crm/v3/objects/widgets")
    assert_error_shape(response, 404, "No such endpoint", "/openapi.json")


def test_a_body_over_the_limit_is_refused_before_it_is_read(base: str) -> None:
    with ApiClient(base, None) as client:
        response = client.post("/pipedesk/v1/me", content=b"{" + b" " * MAX_BODY + b"}",
                               headers={"Content-Type": "application/json"})
    assert_error_shape(response, 413, "larger than the server takes", "4 MB")


def test_a_method_an_endpoint_does_not_take_is_405_saying_which_it_takes(base: str) -> None:
    with ApiClient(base, None) as client:
        response = client.delete("/pipedesk/v1/me")
    assert_error_shape(response, 405, "DELETE", "GET")
