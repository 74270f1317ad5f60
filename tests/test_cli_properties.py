"""Issue 4 item 6 through the command line: properties, conditional stage
properties (S7), card properties (P7)."""

from __future__ import annotations

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
