"""`pipedesk login URL` (issue 16 item 1; docs/sync.md): the token in the
environment is checked against a real server under uvicorn, then the
person's config names the server and the variable, never the token; what
they wrote there stays. Every way it can go wrong exits 1 with a message
and leaves the config as it was."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest
from core_fixtures import ADMIN, add_agent
from mail_fixtures import free_port
from server_fixtures import served

from core import Desk
from core.remote.login import _clear_text_warning
from core.store import MemoryStore


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "config.toml"
    monkeypatch.setenv("PIPEDESK_CONFIG", str(path))
    monkeypatch.delenv("PIPEDESK_TOKEN", raising=False)
    return path


@pytest.fixture
def server() -> Iterator[tuple[str, str]]:
    """A served desk and the token of its agent Ingrid."""
    desk = Desk(MemoryStore())
    add_agent(desk)
    _, secret = desk.create_token("ingrid", ADMIN, "laptop")
    with served(desk) as base:
        yield base, secret


def test_c4_login_checks_the_token_and_writes_the_server_not_the_token(
        run: Any, config: Path, server: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, secret = server
    config.parent.mkdir(parents=True)
    config.write_text('# my own settings\nuser = "ingrid"\n\n[keymap]\n'
                      '"board.move_right" = "ctrl+right"  # my key\n')
    monkeypatch.setenv("PIPEDESK_TOKEN", secret)
    done = run("login", base + "/")
    assert done.code == 0, done.err
    assert done.out.splitlines()[0] == (f"Signed in to {base} as Ingrid Berg (ingrid), "
                                        "agent.")
    text = config.read_text()
    assert secret not in text
    assert tomllib.loads(text) == {"user": "ingrid", "keymap": {"board.move_right": "ctrl+right"},
                                   "remote": {"url": base, "token_env": "PIPEDESK_TOKEN"}}
    assert "# my own settings" in text and "# my key" in text  # kept as written
    assert done.err == ""  # loopback: no warning about plain HTTP


def test_c4_login_with_a_token_in_another_variable(
        run: Any, config: Path, server: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    base, secret = server
    monkeypatch.setenv("DESK_TOKEN", secret)
    done = run("login", base, "--token-env", "DESK_TOKEN")
    assert done.code == 0, done.err
    assert tomllib.loads(config.read_text())["remote"]["token_env"] == "DESK_TOKEN"


def test_c4_no_token_is_said_and_nothing_written(run: Any, config: Path,
                                                server: tuple[str, str]) -> None:
    done = run("login", server[0])
    assert done.code == 1
    assert "$PIPEDESK_TOKEN holds no token" in done.err and "pipedesk token create" in done.err
    assert not config.exists()


def test_c4_a_refused_token_is_said_with_the_servers_reason(
        run: Any, config: Path, server: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPEDESK_TOKEN", "pd_not_a_token")
    done = run("login", server[0])
    assert done.code == 1
    assert f"{server[0]} refused the token in $PIPEDESK_TOKEN" in done.err
    assert "Traceback" not in done.err and not config.exists()


def test_c4_a_server_not_there_is_said(run: Any, config: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPEDESK_TOKEN", "pd_whatever")
    done = run("login", f"http://127.0.0.1:{free_port()}")
    assert done.code == 1 and "Could not reach http://127.0.0.1:" in done.err
    assert "is the server up" in done.err and not config.exists()


class _NotPipedesk(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = b"<html>It works!</html>"
        self.send_response(404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def test_c4_an_address_that_is_no_pipedesk_server_is_said(
        run: Any, config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    web = HTTPServer(("127.0.0.1", 0), _NotPipedesk)
    Thread(target=web.serve_forever, daemon=True).start()
    monkeypatch.setenv("PIPEDESK_TOKEN", "pd_whatever")
    try:
        done = run("login", f"http://127.0.0.1:{web.server_address[1]}")
    finally:
        web.shutdown()
        web.server_close()
    assert done.code == 1 and "does not answer as a pipedesk server" in done.err
    assert "GET /pipedesk/v1/me gave 404" in done.err and not config.exists()


@pytest.mark.parametrize(("url", "said"), [
    ("ftp://desk.example.com", "is not a server's address"),
    ("desk.example.com", "is not a server's address"),
    ("https://ingrid:secret@desk.example.com", "no query, fragment or user name"),
    ("https://desk.example.com/?token=x", "no query, fragment or user name"),
    ("http://\x1b[2Jdesk", "is not a server's address"),
])
def test_c4_an_address_that_is_not_one_is_said(run: Any, config: Path, url: str,
                                              said: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPEDESK_TOKEN", "pd_whatever")
    done = run("login", url)
    assert done.code == 1 and said in done.err, done.err
    assert "\x1b" not in done.err and not config.exists()


def test_c4_a_config_that_cannot_be_read_is_not_written_over(
        run: Any, config: Path, server: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    config.parent.mkdir(parents=True)
    config.write_text('user = "ingrid"\n[keymap\n')
    monkeypatch.setenv("PIPEDESK_TOKEN", server[1])
    done = run("login", server[0])
    assert done.code == 1 and f"{config}, line 2" in done.err
    assert "pipedesk writes no file it could not read" in done.err
    assert config.read_text() == 'user = "ingrid"\n[keymap\n'


def test_c4_a_token_sent_in_clear_off_this_host_is_warned_of() -> None:
    assert "travels unencrypted" in _clear_text_warning("http://desk.example.com")
    assert _clear_text_warning("https://desk.example.com") == ""
    assert _clear_text_warning("http://localhost:8765") == ""
    assert _clear_text_warning("http://[::1]:8765") == ""


# -- the keyring (the platform's, when this host has one) -----------------------------


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real keyring backend kept in a file of this test's own
    (keyrings.alt's, standing in for a desktop's Secret Service)."""
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    import keyring.backends.fail
    import keyring.core

    keyring.core.init_backend()  # read the backend from the environment again
    yield tmp_path / "data"
    keyring.core.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]


def test_c4_login_keeps_the_token_in_the_keyring_and_the_variable_may_go(
        run: Any, config: Path, server: tuple[str, str], keyring_file: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import keyring

    base, secret = server
    monkeypatch.setenv("PIPEDESK_TOKEN", secret)
    done = run("login", base, "--keyring")
    assert done.code == 0, done.err
    assert "kept in this host's keyring" in done.out
    assert keyring.get_password("pipedesk", base) == secret
    assert secret not in config.read_text()
    monkeypatch.delenv("PIPEDESK_TOKEN")
    from test_cli_server import pipedesk

    # The remembered server (no --data-dir), with the keyring's token.
    listed = pipedesk(capsys, "ticket", "list", "--json")
    assert listed.code == 0, listed.err
    assert listed.out.strip() == "[]"


def test_c4_without_a_keyring_login_keyring_is_refused_and_nothing_written(
        run: Any, config: Path, server: tuple[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring.core

    keyring.core.init_backend()  # the suite's own: no keyring on this host
    base, secret = server
    monkeypatch.setenv("PIPEDESK_TOKEN", secret)
    done = run("login", base, "--keyring")
    assert done.code == 1 and "no keyring pipedesk can use" in done.err, done.err
    assert "Traceback" not in done.err
    assert not config.exists()
    monkeypatch.delenv("PIPEDESK_TOKEN")
    listed = run("--server", base, "ticket", "list")
    assert listed.code == 1 and "holds no token" in listed.err and "keyring" in listed.err
