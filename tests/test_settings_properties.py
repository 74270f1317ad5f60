"""Property definitions and S7's stage properties as pure functions on a
DeskConfig built in memory (core/settings/properties.py)."""

from __future__ import annotations

import pytest
from core_fixtures import refusal

from core.automation.actions import Branch, SetProperty
from core.model import DeskConfig, PropertyType, StageProperty, new_desk_config
from core.settings import properties


@pytest.fixture
def config() -> DeskConfig:
    return new_desk_config()


def custom_names(config: DeskConfig) -> list[str]:
    return [p.name for p in config.properties]


# -- finding a property -----------------------------------------------------------------


def test_t4_a_property_is_found_by_name_in_any_case(config: DeskConfig) -> None:
    assert properties.find_property(config, "  PRIORITY ").label == "Priority"
    properties.create(config, "region", "text")
    assert properties.find_property(config, "Region").name == "region"


def test_t4_an_unknown_property_is_refused_naming_only_the_settable_ones(
        config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    with refusal("No property 'mood'. Properties you can set: subject, content, priority, "
                 "owner, team, contact, region.") as info:
        properties.find_property(config, "mood")
    assert "close_date" not in info.value.message


def test_an_archived_property_is_not_found_any_more(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    properties.archive(config, "region")
    with refusal("No property 'region'"):
        properties.find_property(config, "region")
    assert "region" not in properties.property_index(config)


# -- create -------------------------------------------------------------------------------


def test_a_created_property_gets_a_label_from_its_name_unless_given_one(
        config: DeskConfig) -> None:
    made = properties.create(config, "first_reply", "date-time")
    assert (made.label, made.type, made.builtin) == ("First reply", PropertyType.DATETIME, False)
    labelled = properties.create(config, "sla", "number", label="  Service\tlevel ")
    assert labelled.label == "Service level"
    assert custom_names(config) == ["first_reply", "sla"]


def test_a_choice_property_keeps_its_options_trimmed_and_in_order(config: DeskConfig) -> None:
    made = properties.create(config, "tier", "choice", options=[" Gold ", "Silver", "", "Bronze"])
    assert made.options == ["Gold", "Silver", "Bronze"]


@pytest.mark.parametrize(("name", "type", "options", "message"), [
    ("tier", "colour", [], "No property type 'colour'. Types: text, long-text, number"),
    ("tier", "choice", [], "A choice property needs at least one option"),
    ("tier", "choice", ["Gold", "gold"], "Option 'Gold' is given twice"),
    ("tier", "text", ["Gold"], "Only a choice property has options; this one is text"),
    ("Tier", "text", [], "Property name 'Tier' must start with a letter and hold only"),
    ("2nd", "text", [], "Property name '2nd' must start with a letter"),
    ("subject", "text", [], "A property named 'subject' exists already"),
])
def test_a_bad_property_definition_is_refused_and_nothing_added(
        config: DeskConfig, name: str, type: str, options: list[str], message: str) -> None:
    with refusal(message):
        properties.create(config, name, type, options=options)
    assert custom_names(config) == []


def test_a_property_label_is_used_once_whatever_the_case(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    with refusal("A property labelled 'Region' exists already (region, custom); labels are "
                 "unique, whatever the case."):
        properties.create(config, "area", "text", label="REGION")
    with refusal("A property labelled 'Priority' exists already (priority, built-in)"):
        properties.create(config, "urgency", "text", label="priority")
    assert custom_names(config) == ["region"]


# -- edit ------------------------------------------------------------------------------------


def test_edit_changes_label_and_options_but_not_name_or_type(config: DeskConfig) -> None:
    properties.create(config, "tier", "choice", options=["Gold", "Silver"])
    edited = properties.edit(config, "tier", label="Support tier", options=["Gold", " Bronze "])
    assert (edited.name, edited.type, edited.label, edited.options) == (
        "tier", PropertyType.CHOICE, "Support tier", ["Gold", "Bronze"])


def test_edit_may_keep_a_propertys_own_label(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    assert properties.edit(config, "region", label="REGION").label == "REGION"


@pytest.mark.parametrize(("name", "label", "options", "message"), [
    ("priority", "Urgency", None, "'priority' is a built-in property; it cannot be changed"),
    ("mood", "Mood", None, "No custom property 'mood' to change"),
    ("region", None, ["North"], "'region' is a text property; only a choice property has options"),
    ("region", "Subject", None, "A property labelled 'Subject' exists already (subject, built"),
    ("tier", None, ["Gold", "GOLD"], "Option 'Gold' is given twice"),
])
def test_a_refused_edit_changes_nothing(config: DeskConfig, name: str, label: str | None,
                                        options: list[str] | None, message: str) -> None:
    properties.create(config, "region", "text")
    properties.create(config, "tier", "choice", options=["Gold"])
    before = config.model_copy(deep=True)
    with refusal(message):
        properties.edit(config, name, label=label, options=options)
    assert config == before


# -- archive --------------------------------------------------------------------------------


def test_archive_keeps_the_definition_marked_archived(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    archived = properties.archive(config, "region")
    assert archived.archived is True
    assert custom_names(config) == ["region"]
    with refusal("No custom property 'region' to archive"):
        properties.archive(config, "region")


def test_a_builtin_property_is_not_archived(config: DeskConfig) -> None:
    with refusal("'owner' is a built-in property; it cannot be archived"):
        properties.archive(config, "owner")


def test_p7_a_property_the_cards_show_is_not_archived(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    config.pipelines[0].card_properties.append("region")
    with refusal("The cards of 'Support pipeline' show 'region'; take it off the cards first"):
        properties.archive(config, "region")
    assert config.properties[0].archived is False


def test_s7_a_property_a_stage_asks_for_is_not_archived(config: DeskConfig) -> None:
    properties.create(config, "region", "text")
    config.pipelines[0].stages[1].properties.append(StageProperty(name="region"))
    with refusal("Stage 'Waiting on contact' of 'Support pipeline' asks for 'region'; "
                 "remove it from the stage first"):
        properties.archive(config, "region")
    assert config.properties[0].archived is False


@pytest.mark.parametrize("action", [Branch(property="region", value="North"),
                                    SetProperty(property="region", value="North")])
def test_a4_a_property_an_action_uses_is_not_archived(config: DeskConfig,
                                                      action: Branch | SetProperty) -> None:
    properties.create(config, "region", "text")
    config.pipelines[0].stages[3].actions.append(action)
    with refusal("Action 1 of stage 'Closed' uses 'region'; change or remove that action first"):
        properties.archive(config, "region")
    assert config.properties[0].archived is False


# -- S7: the properties a stage asks for --------------------------------------------------


def test_s7_a_stage_asks_for_a_property_added_at_the_end(config: DeskConfig) -> None:
    stage = config.pipelines[0].stages[0]
    stage.properties = [StageProperty(name="owner", required=True)]
    chosen = properties.asking_for(stage, properties.find_property(config, "team"))
    assert chosen == (StageProperty(name="owner", required=True),
                      StageProperty(name="team", required=False))
    required = properties.asking_for(stage, properties.find_property(config, "team"),
                                     required=True)
    assert required is not None and required[-1] == StageProperty(name="team", required=True)
    # The stage itself is changed only by the stage edit that takes the tuple.
    assert stage.properties == [StageProperty(name="owner", required=True)]


def test_s7_asking_again_keeps_the_required_flag_unless_told(config: DeskConfig) -> None:
    stage = config.pipelines[0].stages[0]
    stage.properties = [StageProperty(name="owner", required=True)]
    owner = properties.find_property(config, "owner")
    assert properties.asking_for(stage, owner) is None
    assert properties.asking_for(stage, owner, required=True) is None
    assert properties.asking_for(stage, owner, required=False) == (
        StageProperty(name="owner", required=False),)
    assert stage.properties[0].required is True


def test_s7_a_property_the_stage_does_not_ask_for_cannot_be_removed(config: DeskConfig) -> None:
    stage = config.pipelines[0].stages[0]
    stage.properties = [StageProperty(name="owner"), StageProperty(name="team")]
    assert properties.not_asking_for(stage, " OWNER ") == (StageProperty(name="team"),)
    with refusal("Stage 'New' does not ask for 'priority'"):
        properties.not_asking_for(stage, "priority")
