"""Our server under uvicorn on loopback, for the server tests.

`served(desk)` runs the real app (server/app.py) over `desk` in uvicorn, on
a free port of 127.0.0.1, in a thread of the test process, so a test can set
the desk up through `Desk` and then talk HTTP to it; `ApiClient` is httpx
with a token. A test of processes (kill -9, two servers on one database)
starts `pipedesk serve` itself.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn

from core import Desk
from server.app import make_app
from server.hosting import DeskHost


@contextmanager
def served(desk: Desk, follow: bool = True,
           reopen: Callable[[], Desk] | None = None, port: int = 0) -> Iterator[str]:
    """The base URL of a uvicorn serving `desk` (opened again with `reopen`
    after the database failed a command, as `pipedesk serve` does); stopped
    at the end. `port`: the one to listen on (a server started again where
    it was), else a free one."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    config = uvicorn.Config(make_app(DeskHost(desk, reopen=reopen), follow=follow),
                            log_level="warning", lifespan="on",
                            # A client's long-poll does not hold up the stop.
                            timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class ApiClient(httpx.Client):
    """httpx against the server, as the token's user."""

    def __init__(self, base: str, token: str | None, **kwargs: Any) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        super().__init__(base_url=base, headers=headers, timeout=10, **kwargs)


def assert_error_shape(response: httpx.Response, status: int, *fragments: str) -> dict[str, Any]:
    """`response` is `status` in the CRM API's error shape, its message
    holding every fragment; the body, for more checks."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert body["status"] == "error", body
    assert {"message", "correlationId", "category"} <= body.keys(), body
    for fragment in fragments:
        assert fragment in body["message"], (fragment, body["message"])
    assert "Traceback" not in response.text
    return body
