"""People through the desk (U1, U2, P6, A4b, A4c): users made, edited and
deactivated; teams and their members; who acts for an operating-system
login (core/signing_in.py); automation that reaches only active users.
The leak walk over every query is tests/test_access_leaks.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from core_fixtures import ADMIN, add_agent, add_team, new_ticket, refusal, reopen

from core import Actor, Desk, open_desk
from core.automation.actions import AssignOwner, Notify, SetProperty
from core.signing_in import UnknownLogin, acting_user, current_login

INGRID = Actor.user("ingrid")


@pytest.fixture(autouse=True)
def _admin_login(desk: Desk) -> None:
    """The same administrator on both stores: a local desk's is the login
    that made it, a memory desk's has none."""
    desk.edit_user("admin", ADMIN, login="root")


def _log(desk: Desk) -> list[tuple[str, str, str]]:
    return [(i.kind, i.result, i.detail) for i in reversed(desk.automation_log(ADMIN))]


# -- users (U1) ---------------------------------------------------------------------


def test_u1_a_user_is_added_with_an_id_from_the_login_or_the_email(desk: Desk) -> None:
    ola = desk.add_user("ola.nordmann@pipedesk.example", "Ola  Nordmann", ADMIN,
                        role="administrator")
    kari = desk.add_user("kari@pipedesk.example", "Kari", ADMIN, visibility="own",
                         unassigned=False, login="kari")
    again = desk.add_user("ola.nordmann@other.example", "Another Ola", ADMIN)
    assert [(u.id, u.name, u.role) for u in (ola, kari, again)] == [
        ("ola-nordmann", "Ola Nordmann", "administrator"), ("kari", "Kari", "agent"),
        ("ola-nordmann2", "Another Ola", "agent")]
    kept = {u.id: u for u in reopen(desk).users(ADMIN)}
    assert (kept["kari"].login, kept["kari"].visibility, kept["kari"].unassigned) == (
        "kari", "own", False)


@pytest.mark.parametrize(("change", "message"), [
    ({"login": "root evil"}, "'root evil' is not a login"),
    ({"email": "not an address"}, "is not an email address"),
    ({"name": "  "}, "A user needs a name"),
    ({"name": "Kari\x1b[2J"}, "A user's name"),
])
def test_u1_a_wrong_field_is_refused_and_nothing_changes(desk: Desk, change: dict[str, str],
                                                       message: str) -> None:
    desk.add_user("kari@pipedesk.example", "Kari", ADMIN, login="kari")
    with refusal(message):
        desk.edit_user("kari", ADMIN, **change)  # type: ignore[arg-type]
    kari = next(u for u in reopen(desk).users(ADMIN) if u.id == "kari")
    assert (kari.name, kari.email, kari.login) == ("Kari", "kari@pipedesk.example", "kari")


def test_u1_a_login_and_an_email_name_one_user(desk: Desk) -> None:
    desk.add_user("kari@pipedesk.example", "Kari", ADMIN, login="kari")
    with refusal("The login 'kari' is Kari's (kari) already."):
        desk.add_user("k2@pipedesk.example", "Kari Two", ADMIN, login="kari")
    with refusal("Another user has the email 'KARI@pipedesk.example'."):
        desk.add_user("KARI@pipedesk.example", "Kari Two", ADMIN)
    assert [u.id for u in desk.users(ADMIN)] == ["admin", "kari"]


def test_u1_the_last_active_administrator_stays(desk: Desk) -> None:
    with refusal("at least one active user with role"):
        desk.deactivate_user("admin", ADMIN)
    with refusal("at least one active user with role"):
        desk.edit_user("admin", ADMIN, role="agent")
    desk.add_user("ola@pipedesk.example", "Ola", ADMIN, role="administrator")
    desk.deactivate_user("admin", Actor.user("ola"))
    assert not next(u for u in desk.users(Actor.user("ola")) if u.id == "admin").active


def test_u1_a_deactivated_user_keeps_their_name_and_does_nothing(desk: Desk) -> None:
    add_agent(desk)
    ticket = desk.create_ticket(INGRID, "0", "New", "Printer on fire")
    desk.deactivate_user("ingrid", ADMIN)
    # Their name stays on the timeline; the desk refuses them at once (U3).
    assert [item.actor for item in desk.timeline(ticket.id, ADMIN)] == ["user:ingrid"]
    assert [u.name for u in desk.users(ADMIN) if u.id == "ingrid"] == ["Ingrid Berg"]
    with refusal("The user Ingrid Berg (ingrid) is deactivated on this desk; ask an "
                 "administrator (Administrator, login root) to activate the user again."):
        desk.tickets(INGRID)
    with refusal("is deactivated"):
        desk.move_ticket(ticket.id, "Closed", INGRID)
    # Nobody gives them new tickets; the ones they had stay theirs.
    desk.edit_ticket(ticket.id, {"owner": "admin"}, ADMIN)
    with refusal("Owner: Ingrid Berg (ingrid) is deactivated; choose an active user."):
        desk.edit_ticket(ticket.id, {"owner": "ingrid"}, ADMIN)
    desk.edit_user("ingrid", ADMIN, active=True)
    assert [t.id for t in desk.tickets(INGRID)] == [ticket.id]


def test_u1_only_administrators_change_people(desk: Desk) -> None:
    add_agent(desk)
    attempts: list[tuple[Callable[[], object], str]] = [
        (lambda: desk.add_user("x@pipedesk.example", "X", INGRID), "add users"),
        (lambda: desk.edit_user("ingrid", INGRID, visibility="all"), "change users"),
        (lambda: desk.deactivate_user("admin", INGRID), "change users"),
        (lambda: desk.add_team("Night", INGRID), "add teams"),
        (lambda: desk.set_pipeline_access("0", INGRID, ["ingrid"], None),
         "manage pipeline access"),
    ]
    for attempt, doing in attempts:
        with refusal(f"Only administrators may {doing}; ask one (Administrator, login root)."):
            attempt()
    assert [u.id for u in reopen(desk).users(ADMIN)] == ["admin", "ingrid"]


# -- teams (U1) ---------------------------------------------------------------------


def test_u1_teams_are_added_renamed_given_members_and_removed(desk: Desk) -> None:
    add_agent(desk)
    add_agent(desk, "sven", "Sven Dahl")
    team = desk.add_team("First line", ADMIN)
    assert team.id == "first-line"
    desk.set_team_members("First line", ADMIN, add=["ingrid", "sven@pipedesk.example"])
    desk.rename_team("first-line", "Support", ADMIN)
    desk.set_team_members("support", ADMIN, remove=["sven"])
    assert [(t.id, t.name, t.members) for t in reopen(desk).teams(ADMIN)] == [
        ("first-line", "Support", ["ingrid"])]
    with refusal("Sven Dahl (sven) is not a member of 'Support'."):
        desk.set_team_members("support", ADMIN, remove=["sven"])
    with refusal("No team 'night'. Teams: first-line (Support)."):
        desk.rename_team("night", "Night", ADMIN)
    desk.remove_team("Support", ADMIN)
    assert desk.teams(ADMIN) == []


def test_u1_a_team_that_tickets_access_or_an_action_name_stays(desk: Desk) -> None:
    add_agent(desk)
    add_team(desk, "support", "Support", ["ingrid"])
    ticket = new_ticket(desk, team="support")
    with refusal("Team 'Support' has 1 ticket(s); give them to another team (or none) first."):
        desk.remove_team("support", ADMIN)
    desk.edit_ticket(ticket.id, {"team": ""}, ADMIN)
    desk.set_pipeline_access("0", ADMIN, ["team:support"], None)
    with refusal("Team 'Support' is named in the access of 'Support pipeline'"):
        desk.remove_team("support", ADMIN)
    desk.set_pipeline_access("0", ADMIN, None, None)
    desk.add_action("0", "New", AssignOwner(team="support"), ADMIN)
    with refusal("Team 'Support' is named by an action of stage 'New'"):
        desk.remove_team("support", ADMIN)
    assert [t.id for t in reopen(desk).teams(ADMIN)] == ["support"]


# -- pipeline access (P6) -------------------------------------------------------------


def test_p6_access_names_users_and_teams_and_everyone_again(desk: Desk) -> None:
    add_agent(desk)
    add_agent(desk, "sven", "Sven Dahl")
    add_team(desk, "support", "Support", ["ingrid"])
    pipeline = desk.set_pipeline_access("0", ADMIN, ["Support", "sven"], ["user:ingrid"])
    assert (pipeline.access.view, pipeline.access.edit) == (
        ["team:support", "user:sven"], ["user:ingrid"])
    ticket = new_ticket(desk)
    sven = Actor.user("sven")
    assert [t.id for t in desk.tickets(sven)] == [ticket.id]
    with refusal("You may view but not change tickets in 'Support pipeline'; ask an "
                 "administrator (Administrator, login root) for edit access."):
        desk.move_ticket(ticket.id, "Closed", sven)
    desk.move_ticket(ticket.id, "Closed", INGRID)
    desk.set_pipeline_access("0", ADMIN, ["ingrid"], None)
    with refusal(f"No ticket #{ticket.id}."):
        desk.ticket(ticket.id, sven)
    assert desk.pipelines(sven) == []
    desk.set_pipeline_access("0", ADMIN, None, None)
    assert [t.id for t in reopen(desk).tickets(sven)] == [ticket.id]


def test_p6_a_name_that_is_a_user_and_a_team_must_say_which(desk: Desk) -> None:
    add_agent(desk, "support", "Support Bot")
    add_team(desk, "support", "Support", [])
    with refusal("'support' is both a user and a team; write user:support or team:support."):
        desk.set_pipeline_access("0", ADMIN, ["support"], None)
    with refusal("No user or team 'nobody'."):
        desk.set_pipeline_access("0", ADMIN, ["nobody"], None)
    assert desk.set_pipeline_access("0", ADMIN, ["team:support"], None).access.view == [
        "team:support"]


# -- U2 visibility ------------------------------------------------------------------


def test_u2_team_only_and_own_only_with_and_without_unassigned(desk: Desk) -> None:
    for user in ("ingrid", "sven", "bob"):
        add_agent(desk, user, user.capitalize())
    add_team(desk, "support", "Support", ["ingrid", "sven"])
    add_team(desk, "billing", "Billing", ["bob"])
    mine = new_ticket(desk, "Ingrid's", owner="ingrid")
    mates = new_ticket(desk, "Sven's", owner="sven")
    bobs = new_ticket(desk, "Bob's", owner="bob")
    nobodys = new_ticket(desk, "Nobody's")
    billing = new_ticket(desk, "Billing's", team="billing")

    def seen() -> list[str]:
        return [t.subject for t in desk.tickets(INGRID)]

    assert len(seen()) == 5  # "all" is the default
    desk.edit_user("ingrid", ADMIN, visibility="team")
    # Billing's ticket has no owner either, but it is given to another team.
    assert seen() == ["Ingrid's", "Sven's", "Nobody's"]
    desk.edit_user("ingrid", ADMIN, unassigned=False)
    assert seen() == ["Ingrid's", "Sven's"]
    desk.edit_user("ingrid", ADMIN, visibility="own", unassigned=True)
    assert seen() == ["Ingrid's", "Nobody's"]
    desk.set_team_members("billing", ADMIN, add=["ingrid"])
    desk.edit_user("ingrid", ADMIN, visibility="team", unassigned=False)
    assert seen() == ["Ingrid's", "Sven's", "Bob's", "Billing's"]
    # Edit and delete follow sight: Nobody's ticket is not hers to change.
    with refusal(f"No ticket #{nobodys.id}."):
        desk.delete_ticket(nobodys.id, INGRID)
    assert desk.stage_counts("0", INGRID)["1"] == 4
    # She may give her ticket to someone she does not see; then it is gone for her.
    desk.set_team_members("billing", ADMIN, remove=["ingrid"])
    desk.edit_ticket(mine.id, {"owner": "bob"}, INGRID)
    assert seen() == ["Sven's"]
    assert {mates.id, bobs.id, billing.id} <= {t.id for t in desk.tickets(ADMIN)}


# -- automation and people (A4b, A4c) ----------------------------------------------------


def test_a4c_round_robin_skips_deactivated_members(desk: Desk) -> None:
    for user in ("ada", "bo", "cy"):
        add_agent(desk, user, user.capitalize())
    add_team(desk, "support", "Support", ["ada", "bo", "cy"])
    desk.add_action("0", "New", AssignOwner(team="support"), ADMIN)
    desk.deactivate_user("bo", ADMIN)
    owners = [new_ticket(desk, f"T{n}").owner for n in range(3)]
    assert "bo" not in owners and set(owners) == {"ada", "cy"}
    for user in ("ada", "cy"):
        desk.deactivate_user(user, ADMIN)
    new_ticket(desk, "Nobody left")
    assert ("assign-owner", "failed",
            "team 'support' has no active members to take turns") in _log(desk)


def test_a4b_notifications_reach_active_users_and_a_deactivated_owner_is_reported(
        desk: Desk) -> None:
    for user in ("ada", "bo"):
        add_agent(desk, user, user.capitalize())
    add_team(desk, "support", "Support", ["ada", "bo"])
    desk.add_action("0", "Waiting on us", Notify(team="support", message="Look"), ADMIN)
    desk.add_action("0", "Waiting on us", Notify(owner=True), ADMIN)
    ticket = new_ticket(desk, "Owned by Bo", owner="bo")
    desk.deactivate_user("bo", ADMIN)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert [n.text for n in desk.notifications(Actor.user("ada"))] == ["Look"]
    assert all("bo" not in n.users for n in desk.state.notifications.values())
    reported = "the ticket's owner Bo (bo) is deactivated; nobody was notified"
    assert ("notify", "skipped", reported) in _log(desk)
    # On the ticket's own timeline too (A6, T7).
    assert any(reported in item.what for item in desk.timeline(ticket.id, ADMIN))


def test_a4c_an_action_naming_a_deactivated_user_fails_with_the_reason(desk: Desk) -> None:
    add_agent(desk)
    desk.add_action("0", "Waiting on us", AssignOwner(user="ingrid"), ADMIN)
    desk.add_action("0", "Waiting on us", SetProperty(property="priority", value="high"),
                    ADMIN)
    desk.deactivate_user("ingrid", ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert ("assign-owner", "failed",
            "Owner: Ingrid Berg (ingrid) is deactivated; choose an active user.") in _log(desk)
    assert desk.ticket(ticket.id, ADMIN).priority == "HIGH"  # the sequence went on


# -- who is acting (core/signing_in.py) -------------------------------------------------


def test_u1_a_new_desk_makes_its_login_the_administrator(tmp_path: Path) -> None:
    desk = open_desk(tmp_path / "desk")
    assert desk.sign_in(current_login()) == ADMIN
    assert [u.login for u in desk.users(ADMIN)] == [current_login()]


def test_u1_each_login_acts_as_its_own_user_and_a_stranger_is_told_whom_to_ask(
        desk: Desk) -> None:
    desk.add_user("ingrid@pipedesk.example", "Ingrid", ADMIN, login="ingrid")
    assert desk.sign_in("ingrid") == INGRID
    assert desk.sign_in("root") == ADMIN
    with pytest.raises(UnknownLogin) as refused:
        desk.sign_in("mallory")
    assert refused.value.message == (
        "The login 'mallory' is not a user of this desk; ask an administrator "
        "(Administrator, login root) to add you: pipedesk user add EMAIL --name NAME "
        "--login mallory")


def test_u1_the_per_user_config_names_a_user_without_a_login_or_ones_own(desk: Desk) -> None:
    add_agent(desk)  # no login
    desk.add_user("sven@pipedesk.example", "Sven", ADMIN, login="sven")
    assert desk.sign_in("kari", named="ingrid") == INGRID
    assert desk.sign_in("sven", named="sven@pipedesk.example") == Actor.user("sven")
    with refusal("works under the login 'sven', not 'kari'"):
        desk.sign_in("kari", named="sven")
    with refusal("Your config names the user 'olga', which this desk does not have"):
        desk.sign_in("root", named="olga")
    desk.deactivate_user("ingrid", ADMIN)
    with refusal("The user Ingrid Berg (ingrid) is deactivated on this desk"):
        desk.sign_in("kari", named="ingrid")


def test_u1_a_desk_from_before_logins_gives_its_administrator_the_first_login(
        desk: Desk) -> None:
    add_agent(desk)
    desk.edit_user("admin", ADMIN, login="")
    assert not any(u.login for u in desk.users(ADMIN))
    assert desk.sign_in("kari") == ADMIN
    assert [u.login for u in reopen(desk).users(ADMIN)] == ["kari", ""]
    # From then on the desk knows its logins: another is refused.
    with pytest.raises(UnknownLogin):
        desk.sign_in("mallory")
    assert acting_user(desk.config, "kari") == ADMIN


def test_u1_a_group_writable_data_dir_keeps_its_files_the_groups(tmp_path: Path) -> None:
    """Several agents' logins on one host (docs/people.md): the journal one
    makes, the next must be able to append to, whatever their umask."""
    import os
    import stat

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2775)
    before = os.umask(0o022)
    try:
        desk = open_desk(shared)
        new_ticket(desk)
        modes = {f.name: stat.S_IMODE(f.stat().st_mode)
                 for f in shared.iterdir() if f.is_file()}
    finally:
        os.umask(before)
    assert modes["tickets.jsonl"] & 0o060 == 0o060
    assert modes["desk.toml"] & 0o060 == 0o060
    assert modes[".lock"] & 0o060 == 0o060
    assert all(mode & 0o002 == 0 for mode in modes.values())  # never others'
