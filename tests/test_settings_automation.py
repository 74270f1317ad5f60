"""A stage's automation (A4) as pure functions on a DeskConfig built in
memory (core/settings/automation.py): what an action may name, where it
goes, and A4d's edits and comments."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from core_fixtures import refusal

from core.automation.actions import (
    Action,
    AssignOwner,
    Branch,
    Comment,
    Delay,
    Notify,
    SendEmail,
    SetProperty,
    Webhook,
)
from core.model import DeskConfig, Stage, Team, User, new_desk_config
from core.settings import automation

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def config() -> DeskConfig:
    made = new_desk_config()
    made.users.append(User(id="ingrid", name="Ingrid Berg"))
    made.teams.append(Team(id="t1", name="Billing team", members=["ingrid"]))
    return made


def closed(config: DeskConfig) -> Stage:
    return config.pipelines[0].stages[3]


def kinds(actions: list[Action]) -> list[str]:
    return [a.kind for a in actions]


# -- what an action may name (A4, checked on saving) ----------------------------------------


def test_a4_an_action_names_stages_users_and_teams_by_id_once_saved(config: DeskConfig) -> None:
    given = Branch(property="priority", value="HIGH",
                   then=[SetProperty(property="stage", value="waiting on US"),
                         Notify(user="Ingrid Berg", message="Look at #{{ ticket.id }}")],
                   otherwise=[AssignOwner(team="billing TEAM")])
    checked = automation.check_action(config, config.pipelines[0], given)
    assert isinstance(checked, Branch)
    move, notify = checked.then
    [assign] = checked.otherwise
    assert isinstance(move, SetProperty) and move.value == "3"
    assert isinstance(notify, Notify) and notify.user == "ingrid"
    assert isinstance(assign, AssignOwner) and assign.team == "t1"
    # The action given is left as it was: the draft holds a copy.
    assert isinstance(given.then[0], SetProperty) and given.then[0].value == "waiting on US"


@pytest.mark.parametrize(("action", "message"), [
    (SendEmail(template="Welcome"),
     "No template 'Welcome'. Templates: Ticket received, Ticket closed."),
    (Notify(user="olga"), "Owner: no user 'olga'. Users: admin, ingrid."),
    (AssignOwner(team="Sales"), "Team: no team 'Sales'. Teams: t1."),
    (Notify(user="ingrid", message="Hi {{ contact.nme }}"),
     "The notification's message, "),
    (Notify(user="ingrid", message="two\nlines"), "The notification's message"),
    (SetProperty(property="close_date", value="2026-01-01"),
     "Close date is read-only: pipedesk sets it."),
    (SetProperty(property="priority", value="soon"), "Priority must be one of Low, Medium"),
    (SetProperty(property="stage", value="Archive"), "No stage 'Archive' in 'Support pipeline'"),
    (Branch(property="mood", value="glad"), "No property 'mood'"),
    (Webhook(url="http://127.0.0.1:9/hook"), "127.0.0.1"),
    (Branch(property="priority", value="HIGH", then=[SendEmail(template="Welcome")]),
     "No template 'Welcome'"),
])
def test_a4_an_action_naming_what_the_desk_lacks_is_refused(config: DeskConfig, action: Action,
                                                            message: str) -> None:
    with refusal(message):
        automation.check_action(config, config.pipelines[0], action)


def test_a4_a_webhook_to_an_allowed_address_is_kept(config: DeskConfig) -> None:
    config.webhooks.allow = ["127.0.0.0/8"]
    hook = Webhook(url="http://127.0.0.1:9/hook")
    assert automation.check_action(config, config.pipelines[0], hook) == hook


# -- add, edit, remove, move (A4, A4d) ---------------------------------------------------------


def test_a4_an_action_is_added_at_the_end_or_where_told(config: DeskConfig) -> None:
    assert automation.add(config, "0", "Closed", SendEmail(template="Ticket closed")) == (0,)
    assert automation.add(config, "0", "4", Delay(duration="2h")) == (1,)
    assert automation.add(config, "0", "closed", Notify(owner=True), at=(1,)) == (1,)
    assert kinds(closed(config).actions) == ["send-email", "notify", "delay"]


def test_a4_an_action_goes_into_a_branch_arm(config: DeskConfig) -> None:
    automation.add(config, "0", "Closed", Branch(property="priority", value="HIGH"))
    assert automation.add(config, "0", "Closed", Notify(owner=True), at=(0, "then", 0)) == (
        0, "then", 0)
    branch = closed(config).actions[0]
    assert isinstance(branch, Branch) and kinds(branch.then) == ["notify"]


def test_a4_a_place_the_stage_has_not_is_refused(config: DeskConfig) -> None:
    with refusal("Stage 'Closed' has no action 3."):
        automation.add(config, "0", "Closed", Notify(owner=True), at=(2,))
    with refusal("Stage 'Closed' has no action 1."):
        automation.remove(config, "0", "Closed", (0,))
    assert closed(config).actions == []


def test_a4d_an_edit_keeps_the_comments_and_a_branchs_arms(config: DeskConfig) -> None:
    closed(config).actions = [Branch(property="priority", value="HIGH",
                                     then=[Notify(owner=True)],
                                     comments=[Comment(author="Ingrid", at=AT, text="Why?")])]
    edited = automation.edit(config, "0", "Closed", (0,), Branch(property="team", value="t1"))
    assert isinstance(edited, Branch)
    assert (edited.property, edited.value) == ("team", "t1")
    assert [c.text for c in edited.comments] == ["Why?"]
    assert kinds(edited.then) == ["notify"]
    assert closed(config).actions == [edited]
    # Given arms of its own, a branch keeps those instead.
    armed = automation.edit(config, "0", "Closed", (0,),
                            Branch(property="team", value="t1", otherwise=[Delay(duration="1h")]))
    assert isinstance(armed, Branch) and (kinds(armed.then), kinds(armed.otherwise)) == (
        [], ["delay"])


def test_a4d_an_edit_is_checked_like_a_new_action(config: DeskConfig) -> None:
    closed(config).actions = [Notify(owner=True)]
    with refusal("No template 'Welcome'"):
        automation.edit(config, "0", "Closed", (0,), SendEmail(template="Welcome"))
    assert kinds(closed(config).actions) == ["notify"]


def test_a4d_remove_takes_one_action_or_it_and_all_after(config: DeskConfig) -> None:
    closed(config).actions = [Notify(owner=True), Delay(duration="1h"),
                              SendEmail(template="Ticket closed"), Notify(owner=True)]
    removed = automation.remove(config, "0", "Closed", (1,))
    assert kinds(removed) == ["delay"]
    assert kinds(closed(config).actions) == ["notify", "send-email", "notify"]
    rest = automation.remove(config, "0", "Closed", (1,), and_after=True)
    assert kinds(rest) == ["send-email", "notify"]
    assert kinds(closed(config).actions) == ["notify"]


def test_a4_move_shifts_an_action_within_its_sequence_only(config: DeskConfig) -> None:
    closed(config).actions = [Notify(owner=True), Delay(duration="1h")]
    assert automation.move(config, "0", "Closed", (0,), +1) == (1,)
    assert kinds(closed(config).actions) == ["delay", "notify"]
    with refusal("The action is at the end of its sequence already."):
        automation.move(config, "0", "Closed", (1,), +1)
    with refusal("The action is at the end of its sequence already."):
        automation.move(config, "0", "Closed", (0,), -1)
    assert kinds(closed(config).actions) == ["delay", "notify"]


def test_a4d_a_comment_is_kept_with_author_time_and_text(config: DeskConfig) -> None:
    closed(config).actions = [Notify(owner=True)]
    made = automation.comment(config, "0", "Closed", (0,), "  Ask Ingrid first.  ",
                              "Ingrid Berg", AT)
    assert made == Comment(author="Ingrid Berg", at=AT, text="Ask Ingrid first.")
    assert closed(config).actions[0].comments == [made]


@pytest.mark.parametrize(("text", "message"), [("   ", "A comment needs some text."),
                                               ("bell\a", "A comment")])
def test_a4d_an_empty_or_unprintable_comment_is_refused(config: DeskConfig, text: str,
                                                        message: str) -> None:
    closed(config).actions = [Notify(owner=True)]
    with refusal(message):
        automation.comment(config, "0", "Closed", (0,), text, "Ingrid Berg", AT)
    assert closed(config).actions[0].comments == []
