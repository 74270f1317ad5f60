"""`pipedesk web` as a person uses it (issue 17 item 6; docs/web.md): the
board in a real browser (Debian's chromium, headless, driven by
Playwright), a card moved there with the board's `>` (board.step_right),
and the move on the desk (read back through core) and on the page's
screen; the page fetches nothing from elsewhere, answers no other site, and
Ctrl+C closes it with the tab open. An address it cannot listen on, and a
login the desk does not know, are said (exit 1) before anything listens.

The page's terminal is xterm.js drawing on a canvas, so its text is not in
the DOM: the test reads the terminal's own buffer, what the canvas shows.
textual.js keeps its terminal in a closure; a setter put on the page before
its scripts run catches the object that holds it (textual.js's
`this.fitAddon = ...`, in textual-serve as constraints.txt pins it).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

from cli.web import answers_to, same_origin
from core import LOCAL_ADMIN, open_desk

PIPEDESK = str(Path(sys.executable).with_name("pipedesk"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Before textual.js runs: the object whose `fitAddon` is set holds the
# terminal; `__pipedeskRows()` reads its screen, one string a row.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "fitAddon", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "fitAddon", {value, writable: true, configurable: true,
                                             enumerable: true});
    window.__pipedeskPage = this;
  },
});
window.__pipedeskRows = () => {
  const terminal = window.__pipedeskPage && window.__pipedeskPage.terminal;
  if (!terminal) return null;
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows;
};
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def desk_dir(run: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo desk (the clock fixed, `home`), and a config of the test's
    own: the app signs in as this account, the desk's administrator."""
    config = tmp_path / "config.toml"
    config.write_text("")
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    for name in ("PIPEDESK_SERVER", "PIPEDESK_DATABASE"):
        monkeypatch.delenv(name, raising=False)
    done = run("demo", "--tickets", "30", "--seed", "1")
    assert done.code == 0, done.err
    return home


@dataclass
class Served:
    base: str
    port: int
    process: subprocess.Popen[bytes]
    said: Path

    def output(self) -> str:
        return self.said.read_text(errors="replace")


@contextmanager
def web(data_dir: Path, tmp_path: Path) -> Iterator[Served]:
    """`pipedesk --data-dir D web --port P` until it listens; stopped at the
    end, with every app it started (its own process group), also when the
    test failed."""
    port = free_port()
    said = tmp_path / "web.out"
    with said.open("wb") as out:
        process = subprocess.Popen([PIPEDESK, "--data-dir", str(data_dir), "web", "--port",
                                    str(port)], stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", port, process, said)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, served.output()
            assert time.monotonic() < deadline, f"pipedesk web did not listen: {served.output()}"
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with suppress(ProcessLookupError):  # the apps it started, if any is left
            os.killpg(process.pid, signal.SIGKILL)


def screen(page: Page) -> list[str]:
    rows = page.evaluate("() => window.__pipedeskRows()")
    assert rows is not None, "no terminal on the page (has textual.js changed?)"
    return list(rows)


def wait_for_screen(page: Page, shows: Callable[[list[str]], bool], what: str) -> list[str]:
    deadline = time.monotonic() + 20
    while True:
        rows = page.evaluate("() => window.__pipedeskRows()")
        if rows is not None and shows(list(rows)):
            return list(rows)
        assert time.monotonic() < deadline, f"the page never showed {what}:\n" + \
            "\n".join(rows or [])
        page.wait_for_timeout(50)


def columns(rows: list[str], labels: list[str]) -> dict[str, list[str]]:
    """The board's columns as the screen shows them: for each stage label,
    the text of its column (cut at the column rules │) below its heading."""
    top = next((n for n, row in enumerate(rows)
                if [cell.strip() for cell in row.split("│")] == labels), None)
    if top is None:
        return {}
    shown: dict[str, list[str]] = {label: [] for label in labels}
    for row in rows[top + 1:]:
        cells = row.split("│")
        if len(cells) == len(labels):
            for label, cell in zip(labels, cells, strict=True):
                shown[label].append(cell.strip())
    return shown


def cards(column: list[str]) -> list[str]:
    """The ticket ids of a column's cards, top first."""
    return [found.group(1) for line in column if (found := re.match(r"#(\d+) ", line))]


def test_the_board_in_a_browser_moves_a_card_on_the_desk(desk_dir: Path,
                                                         tmp_path: Path) -> None:
    desk = open_desk(desk_dir)
    pipeline = desk.pipelines(LOCAL_ADMIN)[0]
    labels = [stage.label for stage in pipeline.stages]
    stage_of = {t.id: t.stage for t in desk.tickets(LOCAL_ADMIN, pipeline=pipeline.id)}
    new, waiting = pipeline.stages[0], pipeline.stages[1]
    asked: list[str] = []

    with web(desk_dir, tmp_path) as served, sync_playwright() as playwright:
        assert "Ctrl+C stops" in served.output()
        assert f"open {served.base} in a browser" in served.output()
        assert "works as Administrator (admin)" in served.output()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda request: asked.append(request.url))
            page.add_init_script(CATCH_TERMINAL)
            page.goto(served.base)
            rows = wait_for_screen(page, lambda rows: bool(cards(
                columns(rows, labels).get(new.label, []))), "the board's cards")
            assert "Support pipeline · 30 tickets" in rows[0]
            assert "Administrator (admin)" in rows[0]
            first = cards(columns(rows, labels)[new.label])[0]  # the cursor's card
            assert stage_of[first] == new.id

            page.focus(".xterm-helper-textarea")  # the keyboard goes to the terminal
            page.keyboard.press(">")
            rows = wait_for_screen(
                page, lambda rows: first in cards(columns(rows, labels).get(waiting.label, [])),
                f"#{first} in {waiting.label}")
            assert first not in cards(columns(rows, labels)[new.label])

            now = {t.id: t.stage for t in open_desk(desk_dir).tickets(LOCAL_ADMIN,
                                                                      pipeline=pipeline.id)}
            assert now[first] == waiting.id
            assert {i: s for i, s in now.items() if i != first} == \
                {i: s for i, s in stage_of.items() if i != first}  # only that card moved

            # Only this server was asked for anything: no font, script or
            # style from elsewhere (the machine may have no network at all).
            assert asked and all(url.startswith(served.base + "/") for url in asked), asked

            # Another site, or a name of another site's that leads here,
            # is refused: the page, and the socket that drives the app.
            upgrade = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version":
                       "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
            with httpx.Client(base_url=served.base, timeout=10) as client:
                assert client.get("/", headers={"Host": f"rebound.example:{served.port}"}
                                  ).status_code == 403
                assert client.get("/ws", headers={**upgrade, "Origin": "http://other.example"}
                                  ).status_code == 403
                assert client.get("/ws", headers=upgrade).status_code == 403  # no Origin

            # Ctrl+C stops it with the tab open; the page says the app closed.
            served.process.send_signal(signal.SIGINT)
            assert served.process.wait(timeout=15) == 0, served.output()
            page.wait_for_selector("body.-closed", timeout=10_000)
            assert page.is_visible("text=The app was closed.")
        finally:
            browser.close()
    assert "Traceback" not in served.output()


def test_a_port_in_use_is_said(desk_dir: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([PIPEDESK, "--data-dir", str(desk_dir), "web", "--port",
                               str(port)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr == (f"pipedesk: --port {port}: already in use on 127.0.0.1; stop what "
                           "listens there, or give another port (--port).\n")


@pytest.mark.parametrize(("host", "said"), [
    ("192.0.2.1", "--host 192.0.2.1: not an address of this machine"),  # TEST-NET: nobody's
    ("127.0.0..1", "--host 127.0.0..1: not a host name or an address"),
])
def test_a_host_this_machine_cannot_listen_on_is_said(desk_dir: Path, host: str,
                                                      said: str) -> None:
    done = subprocess.run([PIPEDESK, "--data-dir", str(desk_dir), "web", "--host", host,
                           "--port", str(free_port())], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert said in done.stderr and "Traceback" not in done.stderr
    assert "127.0.0.1 (the default)" in done.stderr


def test_beyond_loopback_it_warns_who_the_visitor_acts_as(desk_dir: Path) -> None:
    process = subprocess.Popen([PIPEDESK, "--data-dir", str(desk_dir), "web", "--host",
                                "0.0.0.0", "--port", str(free_port())],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        said = ""
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        while "Ctrl+C" not in said and time.monotonic() < deadline and process.poll() is None:
            said += process.stderr.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
    assert "warning: listening on 0.0.0.0" in said
    assert "anyone who opens the page works on the desk as Administrator (admin)" in said
    assert "no sign-in" in said


def test_a_login_the_desk_does_not_know_is_refused_before_listening(
        desk_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('user = "olga"\n')
    port = free_port()
    done = subprocess.run([PIPEDESK, "--data-dir", str(desk_dir), "web", "--port", str(port)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Your config names the user 'olga'" in done.stderr
    assert "Traceback" not in done.stderr and "open http" not in done.stderr


@pytest.mark.parametrize(("listening", "asked", "answers"), [
    ("127.0.0.1", "127.0.0.1:8766", True),
    ("127.0.0.1", "localhost:8766", True),
    ("127.0.0.1", "[::1]:8766", True),
    ("127.0.0.1", "localhost:9000", True),  # through an SSH tunnel's own port
    ("127.0.0.1", "rebound.example:8766", False),  # DNS rebinding
    ("192.0.2.7", "192.0.2.7:8766", True),
    ("192.0.2.7", "localhost:8766", False),
    ("0.0.0.0", "192.0.2.7:8766", True),
    ("0.0.0.0", "rebound.example:8766", False),
    ("127.0.0.1", "127.0.0.1:x", False),
    ("127.0.0.1", "", False),
])
def test_the_page_answers_only_to_its_own_address(listening: str, asked: str,
                                                  answers: bool) -> None:
    assert answers_to(listening, asked) is answers


def test_only_a_page_of_its_own_origin_drives_the_app() -> None:
    assert same_origin("http://127.0.0.1:8766", "127.0.0.1:8766")
    assert not same_origin("http://other.example", "127.0.0.1:8766")
    assert not same_origin("null", "127.0.0.1:8766")  # a sandboxed frame, a file
    assert not same_origin(None, "127.0.0.1:8766")
