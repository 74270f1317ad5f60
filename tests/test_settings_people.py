"""The desk's people (U1) as pure functions on a DeskConfig built in
memory (core/settings/people.py)."""

from __future__ import annotations

from core_fixtures import refusal

from core.model import User, new_desk_config
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
