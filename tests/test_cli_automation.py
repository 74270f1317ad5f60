"""`pipedesk automation …`, `pipedesk notifications`, `pipedesk worker`
(issue 5 item 10): the same Desk methods as the Automate tab."""

from __future__ import annotations

import mailbox
import tomllib
from pathlib import Path
from typing import Any

from cli_fixtures import Result, new_desk


def _ok(result: Result) -> Result:
    assert result.code == 0, result.err
    return result


def test_add_list_and_remove_actions(run: Any, home: Path) -> None:
    _ok(run("automation", "add", "0", "Closed", "send-email", "--template", "Ticket closed"))
    _ok(run("automation", "add", "0", "Closed", "notify", "--owner"))
    _ok(run("automation", "add", "0", "Closed", "notify", "--user", "admin",
            "--message", "Closed one"))
    _ok(run("automation", "add", "0", "Closed", "set", "priority=low"))
    _ok(run("automation", "add", "0", "New", "delay", "2h"))
    _ok(run("automation", "add", "0", "New", "webhook", "https://hooks.example.com/desk"))
    _ok(run("automation", "add", "0", "New", "assign", "--user", "admin"))
    listed = _ok(run("automation", "list", "0")).out
    assert "1. Send email: Ticket closed" in listed
    assert "3. Notify user Administrator: Closed one" in listed  # named as people read it
    assert "2. Call webhook https://hooks.example.com/desk" in listed
    data = _ok(run("automation", "list", "0", "--json")).json()
    closed = data["stages"][3]
    assert [a["kind"] for a in closed["actions"]] == ["send-email", "notify", "notify",
                                                      "set-property"]
    # The same in desk.toml, as a person reads it there.
    raw = tomllib.loads((home / "desk.toml").read_text())
    assert raw["pipelines"][0]["stages"][0]["actions"][0] == {
        "comments": [], "kind": "delay", "duration": "2h"}
    removed = _ok(run("automation", "remove", "0", "Closed", "2", "--and-after")).out
    assert removed.splitlines() == ["Removed: Notify the owner.",
                                    "Removed: Notify user Administrator: Closed one.",
                                    "Removed: Set priority = Low."]
    _ok(run("automation", "remove", "0", "New", "1"))
    after = _ok(run("automation", "list", "0", "--json")).json()
    assert [a["kind"] for a in after["stages"][0]["actions"]] == ["webhook", "assign-owner"]
    _ok(run("automation", "comment", "0", "New", "1", "Ops wants this"))
    assert "“Ops wants this” — Administrator" in _ok(run("automation", "list", "0")).out


def test_switches(run: Any) -> None:
    assert _ok(run("automation", "set", "0", "close-date", "off")).out == \
        "Support pipeline: close-date off.\n"
    _ok(run("automation", "set", "0", "chat", "on"))
    data = _ok(run("automation", "list", "0", "--json")).json()
    assert (data["close_date"], data["include_chat"]) == (False, True)


def test_wrong_input_says_what_and_where_and_changes_nothing(run: Any, home: Path) -> None:
    new_desk(home)
    _ok(run("automation", "list", "0"))
    before = (home / "desk.toml").read_bytes()
    cases = [
        (("automation", "add", "0", "Closed", "send-email", "--template", "Welcome"),
         "No template 'Welcome'"),
        (("automation", "add", "0", "Nowhere", "notify", "--owner"), "No stage"),
        (("automation", "add", "0", "Closed", "delay", "soon"), "is not a duration"),
        (("automation", "add", "0", "Closed", "webhook", "ftp://x"), "http:// or https://"),
        (("automation", "add", "0", "Closed", "set", "priority=asap"), "Priority must be"),
        (("automation", "remove", "0", "Closed", "7"), "has no action 7"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.code == 1, (args, result.out)
        assert message in result.err and "Traceback" not in result.err, result.err
    usage = run("automation", "add", "0", "Closed", "notify")
    assert usage.code == 2 and "Give one of --user U, --team T or --owner" in usage.err
    assert run("automation", "remove", "0", "Closed", "x.y").code == 2
    assert (home / "desk.toml").read_bytes() == before


def test_a_closed_ticket_emails_its_contact_from_the_command_line(run: Any,
                                                                  home: Path) -> None:
    _ok(run("contact", "add", "ada@example.com", "--name", "Ada Lovelace"))
    _ok(run("automation", "add", "0", "Closed", "send-email", "--template", "Ticket closed"))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer",
            "--contact", "ada@example.com"))
    _ok(run("ticket", "move", "1", "Closed"))
    [sent] = list(mailbox.Maildir(home / "outbox", create=False))
    assert sent["To"] == "Ada Lovelace <ada@example.com>"
    log = _ok(run("automation", "log", "--json")).json()
    assert [(e["ticket"], e["kind"], e["result"]) for e in log] == [
        ("1", "send-email", "queued")]
    table = _ok(run("automation", "log")).out
    assert "send-email" in table and "queued" in table


def test_notifications_and_the_worker(run: Any) -> None:
    _ok(run("automation", "add", "0", "Waiting on us", "notify", "--user", "admin"))
    _ok(run("automation", "add", "0", "Waiting on us", "delay", "1m"))
    _ok(run("automation", "add", "0", "Waiting on us", "set", "priority=high"))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "Waiting on us",
            "--subject", "Printer"))
    shown = _ok(run("notifications", "--json")).json()
    assert [(n["ticket"], n["unread"]) for n in shown] == [("1", True)]
    assert "“Printer” entered Waiting on us" in _ok(run("notifications", "--mark-read")).out
    assert _ok(run("notifications", "--json")).json()[0]["unread"] is False
    # The delay is not due at PIPEDESK_NOW: a worker round leaves it.
    assert _ok(run("worker", "--once")).out == ""
    assert _ok(run("ticket", "show", "1", "--json")).json()["ticket"]["priority"] is None


def test_templates_are_listed(run: Any, home: Path) -> None:
    new_desk(home)
    listed = _ok(run("automation", "templates", "--json")).json()
    assert [(t["name"], t["transactional"]) for t in listed] == [
        ("Ticket received", True), ("Ticket closed", True)]


def test_the_worker_runs_a_delay_once_it_is_due(run: Any, monkeypatch: Any) -> None:
    _ok(run("automation", "add", "0", "Waiting on us", "delay", "1h"))
    _ok(run("automation", "add", "0", "Waiting on us", "set", "priority=urgent"))
    _ok(run("ticket", "create", "--pipeline", "0", "--stage", "Waiting on us",
            "--subject", "Printer"))
    monkeypatch.setenv("PIPEDESK_NOW", "2026-11-23T10:00:00+00:00")  # an hour on
    assert _ok(run("worker", "--once")).out == "Ran 1 delayed step.\n"
    assert _ok(run("ticket", "show", "1", "--json")).json()["ticket"]["priority"] == "URGENT"
    assert _ok(run("worker", "--once")).out == ""  # once only
    log = _ok(run("automation", "log", "--json")).json()
    assert [(e["action"], e["kind"], e["result"]) for e in log[:2]] == [
        ("2 (after the delay)", "set-property", "done"), ("1", "delay", "waiting")]
    table = _ok(run("automation", "log")).out
    assert "2 set-property (after the delay)" in table and "+1" not in table


def test_7_a_delay_too_long_or_of_thousands_of_digits_is_refused(run: Any, home: Path) -> None:
    """As seen: `automation add … delay 999999999999d` ended in an
    OverflowError, thousands of digits in a ValueError of Python's."""
    new_desk(home)
    settings = (home / "desk.toml").read_bytes()
    for duration, said in (("999999999999d", "'999999999999d' is longer than any desk waits"),
                           ("9" * 5000 + "d", "'999999999999999999999999…' is longer than"),
                           ("521w", "give at most 520w (ten years)")):
        done = run("automation", "add", "0", "New", "delay", duration)
        assert (done.code, "Traceback" in done.err) == (1, False), done.err
        assert said in done.err
    assert (home / "desk.toml").read_bytes() == settings
    _ok(run("automation", "add", "0", "New", "delay", "520w"))


def test_7_the_worker_interval_is_a_number_of_seconds(run: Any) -> None:
    """As seen: `worker --interval nan` ended in a ValueError from sleep."""
    for interval in ("nan", "inf", "-1", "0"):
        done = run("worker", "--interval", interval)
        assert done.code == 2 and "Invalid value for '--interval'" in done.err, done.err
        assert "Traceback" not in done.err
