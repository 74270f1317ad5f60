"""The desk's people (U1), users and teams, as pure functions on a
DeskConfig built in memory (core/settings/people.py), and teams added
through the desk."""

from __future__ import annotations

import pytest
from core_fixtures import ADMIN, add_agent, refusal, reopen

from core import Actor, Desk
from core.model import DeskConfig, Team, User, new_desk_config
from core.settings import people


def test_u1_users_are_added_after_the_ones_the_desk_has() -> None:
    config = new_desk_config()
    given = [User(id="ingrid", name="Ingrid Berg", email="ingrid@pipedesk.example"),
             User(id="ola", name="Ola Nordmann", role="administrator")]
    assert people.add_users(config, given) == given
    assert [(u.id, u.role) for u in config.users] == [
        ("admin", "administrator"), ("ingrid", "agent"), ("ola", "administrator")]
    # The settings hold copies: changing the given user later changes nothing.
    given[0].name = "Someone else"
    assert config.users[1].name == "Ingrid Berg"


def test_u1_a_users_name_is_one_line_and_a_refusal_adds_no_one() -> None:
    config = new_desk_config()
    with refusal("A user's name"):
        people.add_users(config, [User(id="ingrid", name="Ingrid Berg"),
                                  User(id="ola", name="Ola\nNordmann")])
    assert [u.id for u in config.users] == ["admin"]


def with_agents() -> DeskConfig:
    config = new_desk_config()
    people.add_users(config, [User(id="ingrid", name="Ingrid Berg"),
                              User(id="sven", name="Sven Dahl")])
    return config


def test_u1_teams_have_a_name_and_members_and_a_user_may_be_in_several() -> None:
    config = with_agents()
    added = people.add_teams(config, [
        Team(id="support", name=" First \t line ", members=["ingrid", "sven", "ingrid"]),
        Team(id="billing", name="Billing", members=["ingrid"])])
    assert [(t.id, t.name, t.members) for t in config.teams] == [
        ("support", "First line", ["ingrid", "sven"]), ("billing", "Billing", ["ingrid"])]
    assert added == config.teams


@pytest.mark.parametrize(("team", "message"), [
    (Team(id="first", name="Support"), "Team 'Support' (id support) exists already"),
    (Team(id="SUPPORT", name="Other"), "Team 'Support' (id support) exists already"),
    (Team(id="ops", name="   "), "Team 'ops' needs a name."),
    (Team(id="", name="Ops"), "A team's id is a word with no spaces around it; got ''."),
    (Team(id="ops", name="Ops", members=["ingrid", "olga"]),
     "Team 'Ops': no user 'olga'. Users: admin, ingrid, sven."),
    (Team(id="ops", name="Ops\x1b[31m"), "A team's name"),
])
def test_u1_a_team_clashing_unnamed_or_with_strangers_is_refused_and_none_added(
        team: Team, message: str) -> None:
    config = with_agents()
    people.add_teams(config, [Team(id="support", name="Support")])
    with refusal(message):
        people.add_teams(config, [Team(id="night", name="Night shift"), team])
    assert [t.id for t in config.teams] == ["support"]


def test_u1_two_new_teams_alike_are_refused_together() -> None:
    config = with_agents()
    with refusal("Team 'Ops' (id ops) exists already"):
        people.add_teams(config, [Team(id="ops", name="Ops"), Team(id="ops2", name="OPS")])
    assert config.teams == []


def test_u1_a_team_added_through_the_desk_is_kept_and_found_by_name(desk: Desk) -> None:
    add_agent(desk)
    desk.add_teams([Team(id="support", name="Support", members=["ingrid"])], ADMIN)
    ticket = desk.create_ticket(ADMIN, "0", "New", "Printer on fire", values={"team": "support"})
    assert ticket.team == "support"
    assert [(t.name, t.members) for t in reopen(desk).config.teams] == [("Support", ["ingrid"])]
    with refusal("Only administrators may add teams"):
        desk.add_teams([Team(id="ops", name="Ops")], Actor.user("ingrid"))
    assert [t.id for t in reopen(desk).config.teams] == ["support"]
