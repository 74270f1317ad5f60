"""The HTTP client webhooks are called with: it connects only to addresses
`core.automation.targets` checked, resolving each name once, at the moment
of connecting (so the address checked is the address called).

Imported when a webhook is delivered: httpx and httpcore load only then.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpcore
import httpx

from core.automation.targets import check_host


class _CheckedBackend(httpcore.SyncBackend):
    """httpcore's own sockets, opened to checked addresses only. TLS is
    still verified against the URL's host name, which httpcore passes on
    separately (as the server name)."""

    def __init__(self, allowed: Sequence[str]) -> None:
        self.allowed = list(allowed)

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = check_host(host, port, self.allowed)  # TargetRefused stops the call
        failed: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address,
                                           socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as err:
                failed = err
        assert failed is not None  # getaddrinfo gives at least one address
        raise failed


class _CheckedTransport(httpx.HTTPTransport):
    def __init__(self, allowed: Sequence[str], retries: int) -> None:
        super().__init__(retries=retries)
        # httpx has no way to hand its pool a network backend; the same
        # pool, built with ours.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                             retries=retries,
                                             network_backend=_CheckedBackend(allowed))


def webhook_client(allowed: Sequence[str], timeout: float) -> httpx.Client:
    """A client for webhook calls: two quick retries on a failed connection,
    no redirects followed, no proxy from the environment."""
    return httpx.Client(timeout=timeout, transport=_CheckedTransport(allowed, retries=2),
                        follow_redirects=False)
