"""Email templates (A4a) as pure functions on a DeskConfig built in memory
(core/settings/templates.py)."""

from __future__ import annotations

import pytest
from core_fixtures import refusal

from core.automation.actions import Branch, SendEmail
from core.automation.templates import TICKET_CLOSED, TICKET_RECEIVED, Template
from core.model import DeskConfig, new_desk_config
from core.settings import templates

WELCOME = Template(name="Welcome", subject="Hello {{ contact.name }}", body="Hi.\n")


@pytest.fixture
def config() -> DeskConfig:
    return new_desk_config()


def names(config: DeskConfig) -> list[str]:
    return [t.name for t in config.templates]


def test_a4a_a_new_template_comes_after_the_builtin_ones(config: DeskConfig) -> None:
    saved = templates.save(config, WELCOME)
    assert names(config) == [TICKET_RECEIVED, TICKET_CLOSED, "Welcome"]
    assert saved == WELCOME and saved.builtin is False


def test_a4a_a_template_cannot_claim_to_be_builtin(config: DeskConfig) -> None:
    saved = templates.save(config, WELCOME.model_copy(update={"builtin": True}))
    assert saved.builtin is False


@pytest.mark.parametrize(("template", "replacing", "message"), [
    (WELCOME.model_copy(update={"name": "ticket CLOSED"}), None,
     "A template named 'Ticket closed' exists already."),
    (WELCOME, "Goodbye", "No template 'Goodbye'."),
    (WELCOME.model_copy(update={"subject": "Hi {{ contact.nme }}"}), None,
     "Template 'Welcome', subject "),
    (WELCOME.model_copy(update={"body": "{% if %}"}), None, "Template 'Welcome', body "),
    (WELCOME.model_copy(update={"subject": "two\nlines"}), None,
     "The subject of template 'Welcome'"),
    (WELCOME, TICKET_RECEIVED, "'Ticket received' is a built-in template; its name stays."),
])
def test_a4a_a_refused_template_changes_nothing(config: DeskConfig, template: Template,
                                                replacing: str | None, message: str) -> None:
    before = config.model_copy(deep=True)
    with refusal(message):
        templates.save(config, template, replacing=replacing)
    assert config == before


def test_a4a_a_builtin_template_is_edited_in_place_and_stays_builtin(config: DeskConfig) -> None:
    edited = Template(name=TICKET_CLOSED, subject="Closed: {{ ticket.subject }}", body="Bye.\n")
    saved = templates.save(config, edited, replacing="ticket closed")
    assert saved.builtin is True and saved.subject == "Closed: {{ ticket.subject }}"
    assert names(config) == [TICKET_RECEIVED, TICKET_CLOSED]
    assert config.templates[1] == saved


def test_a4a_renaming_a_template_renames_it_in_the_actions_that_send_it(
        config: DeskConfig) -> None:
    templates.save(config, WELCOME)
    stages = config.pipelines[0].stages
    stages[0].actions = [SendEmail(template="welcome")]
    stages[3].actions = [Branch(property="priority", value="HIGH",
                                then=[SendEmail(template="Welcome")]),
                         SendEmail(template=TICKET_CLOSED)]
    templates.save(config, WELCOME.model_copy(update={"name": "Greeting"}), replacing="Welcome")
    assert names(config) == [TICKET_RECEIVED, TICKET_CLOSED, "Greeting"]
    sent = [(stage.label, pipeline.label) for pipeline, stage, _ in
            templates.sending(config, "greeting")]
    assert sent == [("New", "Support pipeline"), ("Closed", "Support pipeline")]
    last = stages[3].actions[1]
    assert isinstance(last, SendEmail) and last.template == TICKET_CLOSED


def test_a4a_a_template_of_ones_own_is_deleted(config: DeskConfig) -> None:
    templates.save(config, WELCOME)
    assert templates.delete(config, "WELCOME").name == "Welcome"
    assert names(config) == [TICKET_RECEIVED, TICKET_CLOSED]


@pytest.mark.parametrize(("name", "message"), [
    (TICKET_RECEIVED, "'Ticket received' is a built-in template; edit it instead."),
    ("Goodbye", "No template 'Goodbye'."),
    ("Welcome", "Stage 'Waiting on us' of 'Support pipeline' sends 'Welcome'; "
                "remove that action first."),
])
def test_a4a_a_template_that_is_builtin_unknown_or_sent_is_not_deleted(
        config: DeskConfig, name: str, message: str) -> None:
    templates.save(config, WELCOME)
    config.pipelines[0].stages[2].actions = [SendEmail(template="Welcome")]
    with refusal(message):
        templates.delete(config, name)
    assert names(config) == [TICKET_RECEIVED, TICKET_CLOSED, "Welcome"]
