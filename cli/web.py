"""`pipedesk web`: the app in a browser (issue 17 item 6; docs/web.md).

textual-serve serves a page whose terminal (xterm.js) runs, for each
browser tab, the same app `pipedesk` opens, on the same desk: a process of
its own, started as `python -m cli` with the root options this command was
given, as the operating-system account that started `pipedesk web`. So the
visitor works as the user that account signs in as; the desk is opened and
that sign-in made before anything listens, so a login the desk does not
know is said at once (exit 1).

The page answers only to the address it listens on (and, on loopback,
`localhost`), and its terminal's socket only to a page of that origin: on
loopback, another web site open in the same browser can neither drive the
app (cross-site WebSocket) nor reach it under a name of its own (DNS
rebinding).

textual-serve, aiohttp and Rich are imported inside the command, so the
other commands start without them (tests/test_import_hygiene.py).
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click

from cli.common import Session, command, pass_session
from core import DeskError
from core.hosts import is_loopback
from core.text import show_line

if TYPE_CHECKING:
    from textual_serve.server import Server

# Our page: textual-serve's, with no font fetched from outside (its
# comment says what changed).
PAGE = Path(__file__).with_name("web_page")
DEFAULT_PORT = 8766  # pipedesk serve's 8765, plus one: both may run side by side
WILDCARDS = {"0.0.0.0", "::", ""}


# -- the address ----------------------------------------------------------------------


def exposure_warning(host: str, who: str) -> str | None:
    """What is said at start on an address other machines reach."""
    if is_loopback(host):
        return None
    return (f"pipedesk web: warning: listening on {host}, which other machines may reach: "
            f"anyone who opens the page works on the desk as {who}, with no sign-in, and "
            "the screen crosses the network in clear. The default, 127.0.0.1, with an SSH "
            "tunnel to it, keeps the page to this machine (docs/web.md).")


def check_address(host: str, port: int) -> None:
    """Refuse, before anything listens, an address this machine cannot
    listen on: a host that does not resolve or is not its own, a port in
    use or not this account's to take (DeskError, said with exit 1)."""
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise DeskError(f"--host {show_line(host)}: no address has that name "
                        f"({err.strerror}); give an address of this machine, such as "
                        "127.0.0.1 (the default).") from None
    except UnicodeError:  # an empty label, one too long: before any look-up
        raise DeskError(f"--host {show_line(host)}: not a host name or an address; give an "
                        "address of this machine, such as 127.0.0.1 (the default).") from None
    for family, kind, proto, _name, address in found:
        with socket.socket(family, kind, proto) as probe:
            # As aiohttp binds: a port another process only just left is
            # free, one it listens on is not.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as err:
                raise bind_error(host, port, err) from None


def bind_error(host: str, port: int, err: OSError) -> DeskError:
    """A refused listen, said as what to change."""
    if err.errno == errno.EADDRINUSE:
        return DeskError(f"--port {port}: already in use on {host}; stop what listens there, "
                         "or give another port (--port).")
    if err.errno == errno.EACCES:
        return DeskError(f"--port {port}: this account may not listen on it (ports below "
                         "1024 need root); give a port from 1024 up (--port).")
    if err.errno == errno.EADDRNOTAVAIL:
        return DeskError(f"--host {host}: not an address of this machine; give one of its "
                         "own, such as 127.0.0.1 (the default).")
    return DeskError(f"cannot listen on {host} port {port}: {err.strerror or err}.")


def answers_to(host: str, asked: str) -> bool:
    """Whether a request whose Host header is `asked` is for this server
    listening on `host`: the name it was given, `localhost` and loopback
    addresses on loopback, and this machine's names or any address on a
    wildcard. A name of some other site that resolves here (DNS rebinding)
    is not. Any port: an SSH tunnel may bring the page to another one."""
    parts = urlsplit(f"//{asked}")
    try:
        name, _port = (parts.hostname or "").casefold(), parts.port
    except ValueError:  # a port that is no number
        return False
    if not name:
        return False
    if name == host.casefold().strip("[]"):
        return True
    literal = _address(name)
    if (is_loopback(host) or host in WILDCARDS) and (
            name == "localhost" or (literal is not None and literal.is_loopback)):
        return True
    if host in WILDCARDS:
        return literal is not None or name in {socket.gethostname().casefold(),
                                               socket.getfqdn().casefold()}
    return False


def same_origin(origin: str | None, asked: str) -> bool:
    """Whether a page at `origin` (a WebSocket's Origin header) is ours,
    asked for under the Host `asked`: a browser says the Origin of every
    page that opens a WebSocket, and another site's is its own."""
    if not origin:
        return False
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.casefold() == asked.casefold()


def _address(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


# -- the command ----------------------------------------------------------------------


@command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Whoever reaches the page works as the user "
                   "you sign in as: keep it to loopback (docs/web.md).")
@click.option("--port", type=click.IntRange(1, 65535), default=DEFAULT_PORT,
              show_default=True)
@pass_session
def web(session: Session, host: str, port: int) -> None:
    """Serve the app in a browser: the board at http://HOST:PORT, run as you.

    Each browser tab opens the app as `pipedesk` does, on the same desk,
    as the user this account signs in as.
    """
    desk = session.desk  # made if there is none, as the app makes one
    me = desk.me(session.actor)  # a login the desk does not know: said now, exit 1
    who = f"{show_line(me.name)} ({me.id})"
    check_address(host, port)
    warning = exposure_warning(host, who)
    if warning is not None:
        click.echo(warning, err=True)
    server = page_server(app_command(session), host, port)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"pipedesk web: open http://{shown}:{port} in a browser; whoever opens it "
               f"works as {who}. Ctrl+C stops.", err=True)
    try:
        server.serve()
    except OSError as err:  # taken between the check and the listen
        raise bind_error(host, port, err) from None


def app_command(session: Session) -> str:
    """The shell command each tab's app runs: this Python's `pipedesk`, on
    the desk this command works on. The data dir is an argument (it also
    says not to follow the person's server); a database or a server URL
    goes in the environment, where `ps` does not show its password."""
    args = [sys.executable, "-P", "-m", "cli"]  # -P: no module of the current folder
    if session.data_dir is not None:
        args += ["--data-dir", str(session.data_dir.resolve())]
    if session.database is not None:
        os.environ["PIPEDESK_DATABASE"] = session.database
    if session.server is not None:
        os.environ["PIPEDESK_SERVER"] = session.server
    return shlex.join(args)


def page_server(app: str, host: str, port: int) -> Server:
    """textual-serve's server, with our page, our messages and the checks
    of who asks (the module's docstring)."""
    import logging

    import aiohttp_jinja2
    from aiohttp import web as aioweb
    from textual_serve.server import Server, to_int

    class PageServer(Server):
        def __init__(self) -> None:
            super().__init__(app, host=host, port=port, title="pipedesk", templates_path=PAGE)
            self.sockets: set[asyncio.Task[Any]] = set()

        def initialize_logging(self) -> None:
            # Problems only, plainly; not every request.
            logging.basicConfig(level=logging.WARNING, format="pipedesk web: %(message)s")

        async def on_startup(self, app: aioweb.Application) -> None:
            pass  # the address was said before listening

        async def on_shutdown(self, app: aioweb.Application) -> None:
            # Ctrl+C closes every tab's app at once, rather than after
            # aiohttp's minute of waiting for open sockets.
            for task in list(self.sockets):
                task.cancel()
            if self.sockets:
                await asyncio.wait(list(self.sockets), timeout=10)

        def refuse(self, request: aioweb.Request) -> None:
            if not answers_to(host, request.host):
                raise aioweb.HTTPForbidden(text=f"pipedesk web answers at {self.public_url}, "
                                                "not under this name.\n")

        @aiohttp_jinja2.template("app_index.html")
        async def handle_index(self, request: aioweb.Request) -> dict[str, Any]:
            self.refuse(request)
            return {
                "font_size": to_int(request.query.get("fontsize", "16"), 16),
                "app_websocket_url": f"ws://{request.host}/ws",
                "config": {"static": {"url": "/static/"}},
                "application": {"name": self.title},
            }

        async def handle_websocket(self, request: aioweb.Request) -> aioweb.WebSocketResponse:
            self.refuse(request)
            if not same_origin(request.headers.get("Origin"), request.host):
                raise aioweb.HTTPForbidden(text="pipedesk web: only its own page may open "
                                                "the app.\n")
            task = asyncio.current_task()
            assert task is not None
            self.sockets.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sockets.discard(task)

    return PageServer()
