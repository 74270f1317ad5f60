"""`ServerApi`: the client of one `pipedesk serve`, as one user (a token).

It speaks HTTP (httpx) and turns every way a call can fail into a
`DeskError` a person can act on: the server not reached (`Unreachable`,
which an offline queue waits on), the token refused (`Unauthorized`), an
address that is no pipedesk server, and the server's own refusals in its
error shape (`message`), passed on as it said them.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from core.errors import DeskError, Forbidden, NotFound, Unauthorized
from core.text import plain_line

if TYPE_CHECKING:
    import httpx

# Seconds: for an answer, and to connect.
READ_TIMEOUT, CONNECT_TIMEOUT = 10.0, 5.0


class Unreachable(DeskError):
    """The server did not answer (down, no network, a wrong address)."""


class ServerApi:
    def __init__(self, url: str, token: str, transport: httpx.BaseTransport | None = None
                 ) -> None:
        self.url = url.rstrip("/")
        self._token, self._transport = token, transport
        # Names this token's cache folder, which the client must find with
        # the server away; the token itself is never written down.
        self.token_digest = hashlib.sha256(token.encode()).hexdigest()[:16]
        # Made at the first call: a client opening from its copy on disk
        # paints its board before httpx is even loaded.
        self._made: httpx.Client | None = None
        # While another thread watches for the server to come back (the
        # app's feed thread), a call after one that got no answer is not
        # made: it says so at once, where a network that drops packets
        # would hold the screen up to the connect timeout each time. The
        # watcher calls `answered` when the server answers it again.
        self.watched = False
        self._away = ""

    def answered(self) -> None:
        """The server answered (the watcher's own connection): call again."""
        self._away = ""

    @property
    def _client(self) -> httpx.Client:
        if self._made is None:
            import httpx

            self._made = httpx.Client(
                base_url=self.url, timeout=httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT),
                transport=self._transport, follow_redirects=False,
                headers={"Authorization": f"Bearer {self._token}", "User-Agent": "pipedesk"})
        return self._made

    def close(self) -> None:
        if self._made is not None:
            self._made.close()

    def twin(self) -> ServerApi:
        """Another client of the same server and token: a thread of its own
        (the feed's long-poll) must not share this one's connection."""
        return ServerApi(self.url, self._token, self._transport)

    def __enter__(self) -> ServerApi:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def me(self) -> dict[str, Any]:
        """Who the token acts as: id, name, email, role."""
        answer = self.call("GET", "/pipedesk/v1/me")
        if not isinstance(answer, dict) or not {"id", "name", "role"} <= answer.keys():
            raise self._not_pipedesk("GET /pipedesk/v1/me", "an answer without a user")
        return answer

    def call(self, method: str, path: str, json: Any = None,
             headers: dict[str, str] | None = None,
             params: dict[str, Any] | None = None) -> Any:
        """The JSON of a 2xx answer (None for an empty one); a DeskError
        saying what went wrong otherwise."""
        if self._away and self.watched:
            raise Unreachable(self._away)
        try:
            response = self._request(method, path, json, headers, params)
        except Unreachable as err:
            self._away = err.message
            raise
        what = f"{method} {path}"
        if response.is_success:
            if not response.content:
                return None
            try:
                return response.json()
            except ValueError:
                raise self._not_pipedesk(what, "an answer that is not JSON") from None
        message = _message_of(response)
        if response.status_code >= 500:
            # The server's trouble (its database away, say): a change waits
            # and is sent again, as when the server does not answer.
            self._away = (f"{self.url} could not do {what} now ({response.status_code}"
                          f"{': ' + message if message else ''}).")
            raise Unreachable(self._away)
        if message is None:
            raise self._not_pipedesk(what, f"{response.status_code} "
                                           f"{plain_line(response.reason_phrase)}")
        error = {401: Unauthorized, 403: Forbidden, 404: NotFound}.get(response.status_code,
                                                                        DeskError)
        raise error(message)

    def _request(self, method: str, path: str, json: Any, headers: dict[str, str] | None,
                 params: dict[str, Any] | None) -> httpx.Response:
        import httpx

        try:
            return self._client.request(method, path, json=json, headers=headers,
                                        params=params)
        except httpx.TimeoutException:
            raise Unreachable(f"{self.url} did not answer {method} {path} within "
                              f"{READ_TIMEOUT:g} s; is the server up?") from None
        except httpx.TransportError as err:
            reason = plain_line(str(err)) or type(err).__name__
            raise Unreachable(f"Could not reach {self.url} ({reason}); is the server up, "
                              "and is the address right?") from None

    def _not_pipedesk(self, what: str, got: str) -> DeskError:
        return DeskError(f"{self.url} does not answer as a pipedesk server ({what} gave "
                         f"{got}); give the address `pipedesk serve` listens on.")


def _message_of(response: httpx.Response) -> str | None:
    """The message of an answer in the API's error shape, made safe to show."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("message"), str):
        return None
    return plain_line(body["message"])[:2000]
