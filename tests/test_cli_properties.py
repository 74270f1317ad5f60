"""Issue 4 item 6 through the command line: properties, conditional stage
properties (S7), card properties (P7)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_property_create_list_archive(run: Any) -> None:
    assert run("property", "create", "seats", "--type", "number").code == 0
    assert run("property", "create", "tier", "--type", "choice", "--option", "Gold",
               "--option", "Silver", "--label", "Customer tier").code == 0
    listed = {p["name"]: p for p in run("property", "list", "--json").json()}
    assert (listed["tier"]["label"], listed["tier"]["options"]) == ("Customer tier",
                                                                    ["Gold", "Silver"])
    assert listed["priority"]["builtin"] and listed["close_date"]["read_only"]
    assert run("property", "archive", "seats").code == 0
    assert "seats" not in {p["name"] for p in run("property", "list", "--json").json()}
    archived = {p["name"]: p for p in run("property", "list", "--archived", "--json").json()}
    assert archived["seats"]["archived"] is True


def test_property_edit_label_and_options(run: Any) -> None:
    """Item 4: a custom property's label and a choice's options change; its
    name and type stay."""
    run("property", "create", "tier", "--type", "choice", "--option", "Gold")
    run("property", "create", "seats", "--type", "number")
    done = run("property", "edit", "tier", "--label", "Customer tier", "--option", "Gold",
               "--option", "Platinum")
    assert done.code == 0, done.err
    listed = {p["name"]: p for p in run("property", "list", "--json").json()}
    assert (listed["tier"]["label"], listed["tier"]["options"]) == ("Customer tier",
                                                                    ["Gold", "Platinum"])
    cases = [
        (("property", "edit", "seats", "--option", "A"), "only a choice property has options"),
        (("property", "edit", "tier", "--option", "Gold", "--option", "gold"),
         "Option 'Gold' is given twice"),
        (("property", "edit", "tier", "--label", "  "), "needs a label"),
        (("property", "edit", "priority", "--label", "P"), "built-in property"),
        (("property", "edit", "nothing", "--label", "N"), "No custom property 'nothing'"),
        (("property", "create", "n2", "--type", "number", "--option", "A"),
         "Only a choice property has options"),
    ]
    for args, message in cases:
        result = run(*args)
        assert (result.code, message in result.err) == (1, True), (args, result.err)
    assert run("property", "edit", "tier").code == 2
    after = {p["name"]: p for p in run("property", "list", "--json").json()}
    assert after["tier"] == listed["tier"]


def test_property_refusals(run: Any) -> None:
    cases = [
        (("property", "create", "x", "--type", "colour"), "No property type 'colour'"),
        (("property", "create", "Bad Name", "--type", "text"), "must start with a letter"),
        (("property", "create", "tier", "--type", "choice"), "needs at least one option"),
        (("property", "create", "priority", "--type", "text"), "exists already"),
        (("property", "archive", "priority"), "built-in property"),
        (("property", "archive", "nothing"), "No custom property 'nothing'"),
    ]
    for args, message in cases:
        result = run(*args)
        assert (result.code, message in result.err) == (1, True), (args, result.err)


def test_stage_props_s7_asked_on_the_move(run: Any) -> None:
    run("property", "create", "resolution", "--type", "text")
    added = run("stage", "props", "Closed", "--add", "resolution", "--required", "--json")
    assert added.json() == [{"name": "resolution", "label": "Resolution", "required": True}]
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi")
    refused = run("ticket", "move", "1", "Closed")
    assert refused.code == 1 and "requires Resolution" in refused.err
    assert run("ticket", "move", "1", "Closed", "--set", "resolution=Fixed").code == 0
    read_only = run("stage", "props", "Closed", "--add", "close_date")
    assert read_only.code == 1 and "read-only" in read_only.err
    taken = run("property", "archive", "resolution")
    assert taken.code == 1 and "asks for 'resolution'" in taken.err
    assert run("stage", "props", "Closed", "--remove", "resolution", "--json").json() == []
    assert run("property", "archive", "resolution").code == 0
    assert run("stage", "props", "Closed", "--required").code == 2


def test_pipeline_cards_p7(run: Any) -> None:
    run("property", "create", "tier", "--type", "choice", "--option", "Gold")
    assert run("pipeline", "cards", "0", "subject", "tier", "age").code == 0
    [support] = run("pipeline", "list", "--json").json()
    assert support["card_properties"] == ["subject", "tier", "age"]
    unknown = run("pipeline", "cards", "0", "subject", "colour")
    assert unknown.code == 1 and "No property 'colour'" in unknown.err
    twice = run("pipeline", "cards", "0", "age", "age")
    assert twice.code == 1 and "only once" in twice.err
    no_subject = run("pipeline", "cards", "0", "tier", "age")
    assert no_subject.code == 1
    assert "The subject heads every card; it cannot be taken off the cards." in no_subject.err
    assert run("pipeline", "list", "--json").json()[0]["card_properties"] == [
        "subject", "tier", "age"]
    on_cards = run("property", "archive", "tier")
    assert on_cards.code == 1 and "take it off the cards first" in on_cards.err


def test_a_property_label_is_taken_once(run: Any) -> None:
    """Issue 11: `--label Priority` was accepted, and `ticket show` then
    showed two Priority rows."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi",
        "--set", "priority=high")
    for name, label, taken in [("prio", "Priority", "priority, built-in"),
                               ("urgency", "priority", "priority, built-in")]:
        refused = run("property", "create", name, "--type", "text", "--label", label)
        assert refused.code == 1, refused.out
        assert f"A property labelled 'Priority' exists already ({taken})" in refused.err
    assert run("property", "create", "tier", "--type", "text", "--label", "Tier").code == 0
    again = run("property", "create", "level", "--type", "text", "--label", "TIER")
    assert again.code == 1 and "'Tier' exists already (tier, custom)" in again.err
    relabel = run("property", "edit", "tier", "--label", "Priority")
    assert relabel.code == 1 and "exists already (priority, built-in)" in relabel.err
    shown = run("ticket", "show", "1").out.splitlines()
    assert [line.split()[0] for line in shown if line.strip().startswith("Priority")] == [
        "Priority"]


def test_stage_props_add_keeps_a_required_property_required(run: Any, home: Path) -> None:
    """Issue 11: `--add NAME` on a property the stage requires made it
    optional without a word. It is kept unless --optional says so, and the
    command says what changed."""
    added = run("stage", "props", "Closed", "--add", "priority", "--required")
    assert added.code == 0 and "Stage 'Closed' now asks for Priority (required)." in added.out
    settings = (home / "desk.toml").read_bytes()
    again = run("stage", "props", "Closed", "--add", "priority")
    assert again.code == 0
    assert "Priority is already required in 'Closed'; nothing changed." in again.out
    assert (home / "desk.toml").read_bytes() == settings
    listed = run("stage", "props", "Closed", "--json").json()
    assert listed == [{"name": "priority", "label": "Priority", "required": True}]
    optional = run("stage", "props", "Closed", "--add", "priority", "--optional", "--json")
    assert "Priority is now optional in 'Closed'." in optional.err
    assert optional.json() == [{"name": "priority", "label": "Priority", "required": False}]
    required = run("stage", "props", "Closed", "--add", "Priority", "--required")
    assert "Priority is now required in 'Closed'." in required.out
    alone = run("stage", "props", "Closed", "--optional")
    assert alone.code == 2 and "--optional goes with --add NAME" in alone.err


def test_a_day_that_does_not_exist_is_said_as_that(run: Any, home: Path) -> None:
    """Issue 11: 2026-02-30 was told 'takes a date as YYYY-MM-DD'."""
    run("property", "create", "renewal", "--type", "date")
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi")
    journal = (home / "tickets.jsonl").read_bytes()
    for value, why in [("2026-02-30", "February has 28 days in 2026"),
                       ("2026-13-45", "there is no month 13")]:
        done = run("ticket", "set", "1", f"renewal={value}")
        assert done.code == 1
        assert done.err == f"pipedesk: Renewal: {value} is not a date: {why}.\n"
    assert (home / "tickets.jsonl").read_bytes() == journal


def test_priorities_read_as_people_write_them(run: Any) -> None:
    """T4, issue 11: LOW / MEDIUM showed in messages and the property list;
    the stored and JSON value stays in capitals."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi",
        "--set", "priority=high")
    refused = run("ticket", "set", "1", "priority=asap")
    assert refused.err == ("pipedesk: Priority must be one of Low, Medium, High, Urgent; "
                           "got 'asap'.\n")
    [priority] = [line for line in run("property", "list").out.splitlines()
                  if line.startswith("priority")]
    assert priority.endswith("Low, Medium, High, Urgent")
    assert "High" in run("ticket", "list").out.splitlines()[1].split()
    run("automation", "add", "0", "Closed", "set", "priority=URGENT")
    assert "1. Set priority = Urgent" in run("automation", "list", "0").out
    # What scripts read is unchanged.
    [listed] = [p for p in run("property", "list", "--json").json() if p["name"] == "priority"]
    assert listed["options"] == ["LOW", "MEDIUM", "HIGH", "URGENT"]
    assert run("ticket", "show", "1", "--json").json()["ticket"]["priority"] == "HIGH"
