"""Webhooks call public addresses only, unless desk.toml's `[webhooks]
allow` names more (issue 11, item 8; A4c): checked when the action is saved
(a literal address, `localhost`) and when it is called (every address the
name resolves to, and the call connects to a checked one). Against a real
HTTP server on loopback that must receive nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import new_desk
from core_fixtures import ADMIN, new_ticket, refusal, stored
from mail_fixtures import Hooks, allow_loopback_webhooks

from core import Desk
from core.automation.actions import Webhook
from core.automation.rounds import work_round


@pytest.mark.parametrize(("url", "kind"), [
    ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address"),
    ("http://127.1.2.3/hook", "127.1.2.3 is a loopback address"),
    ("http://localhost:8080/hook", "is a loopback address"),
    ("http://api.localhost/hook", "is a loopback address"),
    ("http://[::1]:8080/hook", "::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "is a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://[fd00:ec2::254]/", "is a cloud metadata address"),
    ("http://169.254.10.1/", "169.254.10.1 is a link-local address"),
    ("http://[fe80::1]/", "fe80::1 is a link-local address"),
    ("http://10.1.2.3/hook", "10.1.2.3 is a private address"),
    ("http://192.168.1.20/hook", "192.168.1.20 is a private address"),
    ("http://172.16.0.5/hook", "172.16.0.5 is a private address"),
    ("http://[fd12:3456::1]/hook", "fd12:3456::1 is a unique-local (private) address"),
    ("http://0.0.0.0:8080/", "0.0.0.0 is the unspecified address"),
    ("http://100.64.0.1/", "100.64.0.1 is a reserved address"),
])
def test_a4c_a_webhook_to_a_non_public_address_is_refused_on_saving(
        desk: Desk, url: str, kind: str) -> None:
    desk.templates(ADMIN)
    before = stored(desk)
    with refusal(kind, "a webhook calls only public addresses unless the desk's allow-list "
                       "names it: pipedesk webhooks allow ADDRESS"):
        desk.add_action("0", "Closed", Webhook(url=url), ADMIN)
    assert stored(desk) == before


def test_a4c_public_addresses_and_names_are_taken(desk: Desk) -> None:
    for url in ("https://hooks.example.com/desk", "http://93.184.215.14/hook",
                "https://[2606:4700::1111]/hook"):
        desk.add_action("0", "Closed", Webhook(url=url), ADMIN)
    assert len(desk.config.pipelines[0].stages[3].actions) == 3


def test_a4c_an_address_desk_toml_allows_is_taken_and_called(desk: Desk, hook_server: str) -> None:
    allow_loopback_webhooks(desk)
    desk.add_action("0", "Waiting on us", Webhook(url=hook_server), ADMIN)
    desk.move_ticket(new_ticket(desk, "Printer on fire").id, "Waiting on us", ADMIN)
    work_round(desk)
    assert [posted["subject"] for posted in Hooks.received] == ["Printer on fire"]


def test_a4c_a_name_that_resolves_to_loopback_is_not_called(desk: Desk, hook_server: str) -> None:
    """The action was saved while the desk allowed loopback; now it does
    not. `localhost` resolves to 127.0.0.1: the call is refused, logged, and
    the server hears nothing."""
    allow_loopback_webhooks(desk)
    url = hook_server.replace("127.0.0.1", "localhost")
    desk.add_action("0", "Waiting on us", Webhook(url=url), ADMIN)
    desk.allow_webhook_hosts([], ADMIN)
    desk.move_ticket(new_ticket(desk).id, "Waiting on us", ADMIN)
    work_round(desk)

    assert Hooks.received == []
    run = desk.automation_log(ADMIN)[0]
    assert (run.kind, run.result) == ("webhook", "failed")
    assert run.detail.startswith(f"{url} was not called: localhost (")
    assert "is a loopback address (this machine); a webhook calls only public addresses" \
        in run.detail
    assert work_round(desk) == []  # not tried again: it would be refused again
    assert Hooks.received == []


@pytest.mark.files
def test_a4c_the_allow_list_in_desk_toml_is_checked_on_load(desk: Desk, run: Any,
                                                        home: Path) -> None:
    assert run("automation", "list", "0").code == 0
    text = (home / "desk.toml").read_text()
    (home / "desk.toml").write_text(text.replace("allow = []", 'allow = ["intranet"]'))
    result = run("automation", "list", "0")
    assert result.code == 1 and "Traceback" not in result.err
    assert "'intranet' is not an IP address or network" in result.err
    assert "desk.toml" in result.err


def test_a4c_the_command_line_refuses_a_loopback_webhook(run: Any, home: Path) -> None:
    new_desk(home)
    before = (home / "desk.toml").read_bytes()
    result = run("automation", "add", "0", "Closed", "webhook", "http://127.0.0.1:9/x")
    assert result.code == 1 and "Traceback" not in result.err
    assert result.err.startswith("pipedesk: 127.0.0.1 is a loopback address (this machine); "
                                 "a webhook calls only public addresses")
    assert (home / "desk.toml").read_bytes() == before
