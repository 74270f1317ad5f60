"""The desk's people on the command line (U1, U2, P6): `pipedesk user …`,
`pipedesk team …`, `pipedesk pipeline access`, who acts (the operating-
system login, or the user the person's config names) and what an agent
is refused.

The commands run in-process (`run`); who acts is chosen as a person does,
with a config file named by $PIPEDESK_CONFIG. The desk's administrator
`admin` has the login this test runs under (a new desk's maker)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from cli_fixtures import new_desk

from cli import root
from core.signing_in import current_login

PIPEDESK = Path(sys.executable).with_name("pipedesk")
ME = current_login()

Acting = Callable[[str | None], None]


@pytest.fixture
def acting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Acting]:
    """`acting("ingrid")`: the next commands act as the user the person's
    config names; `acting(None)`: as this login (the administrator). A
    config file is always named, so one of the machine's own is never read."""

    def act(user: str | None) -> None:
        config = tmp_path / f"config-{user or 'me'}.toml"
        config.write_text(f'user = "{user}"\n' if user else "", encoding="utf-8")
        monkeypatch.setenv("PIPEDESK_CONFIG", str(config))

    act(None)
    yield act


def desk_files(home: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(home.iterdir())
            if p.is_file() and p.name != ".lock"}


def add_people(run: Any) -> None:
    """Ingrid (an agent with no login, so her config may name her) and
    Sven, an agent in the team Support."""
    for args in (["user", "add", "ingrid@pipedesk.example", "--name", "Ingrid Berg"],
                 ["user", "add", "sven@pipedesk.example", "--name", "Sven Dahl",
                  "--visibility", "team", "--no-unassigned"],
                 ["team", "add", "Support"],
                 ["team", "members", "Support", "--add", "sven"]):
        done = run(*args)
        assert done.code == 0, done.err


# -- users (U1) -----------------------------------------------------------------------


def test_u1_user_add_list_edit_and_deactivate(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    added = run("user", "add", "Ingrid@Pipedesk.example", "--name", "Ingrid Berg",
                "--visibility", "team", "--no-unassigned", "--login", "ingrid")
    assert added.code == 0, added.err
    assert added.out == ("Added user ingrid: Ingrid Berg <Ingrid@pipedesk.example>, agent, "
                         "sees team tickets, login ingrid.\n")
    listed = run("user", "list")
    assert listed.out.splitlines()[0].split() == [
        "ID", "NAME", "EMAIL", "ROLE", "LOGIN", "SEES", "STATUS"]
    assert listed.out.splitlines()[2].split() == [
        "ingrid", "Ingrid", "Berg", "Ingrid@pipedesk.example", "agent", "ingrid", "team",
        "active"]
    assert run("user", "list", "--json").json() == [
        {"id": "admin", "name": "Administrator", "email": "", "role": "administrator",
         "login": ME, "visibility": "all", "unassigned": True, "active": True},
        {"id": "ingrid", "name": "Ingrid Berg", "email": "Ingrid@pipedesk.example",
         "role": "agent", "login": "ingrid", "visibility": "team", "unassigned": False,
         "active": True}]

    # By login, by email (any case) or by id.
    edited = run("user", "edit", "INGRID@pipedesk.example", "--role", "administrator",
                 "--unassigned", "--name", "Ingrid B.")
    assert edited.code == 0, edited.err
    assert edited.out == ("User ingrid: Ingrid B. <Ingrid@pipedesk.example>, administrator, "
                          "sees team + unassigned tickets, login ingrid.\n")
    gone = run("user", "deactivate", "ingrid")
    assert gone.code == 0 and "Deactivated user ingrid (Ingrid B.)" in gone.out
    assert run("user", "list").out.splitlines()[2].split()[-1] == "deactivated"
    assert run("user", "list", "--json").json()[1]["active"] is False
    back = run("user", "edit", "ingrid", "--active")
    assert back.code == 0 and "deactivated" not in back.out


def test_u1_user_refusals_say_what_is_wrong(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    run("user", "add", "ingrid@pipedesk.example", "--name", "Ingrid Berg", "--login", "ingrid")
    before = desk_files(home)

    unknown = run("user", "edit", "olga", "--name", "Olga")
    assert unknown.code == 1
    assert "No user 'olga'. Users: admin, ingrid." in unknown.err
    assert run("user", "deactivate", "olga").code == 1

    twice = run("user", "add", "other@pipedesk.example", "--name", "Other", "--login", "ingrid")
    assert twice.code == 1 and "The login 'ingrid' is Ingrid Berg's (ingrid) already." in twice.err
    taken = run("user", "edit", "ingrid", "--email", "")
    assert taken.code == 0
    assert run("user", "add", "x@pipedesk.example", "--name", "X", "--role", "boss").code == 2

    nothing = run("user", "edit", "ingrid")
    assert nothing.code == 2
    assert ("Say what to change: --name, --email, --role, --visibility, "
            "--unassigned/--no-unassigned, --login or --active/--inactive.") in nothing.err

    before = desk_files(home)
    for args in (["user", "edit", "admin", "--role", "agent"],
                 ["user", "edit", "admin", "--inactive"],
                 ["user", "deactivate", "admin"]):
        last = run(*args)
        assert last.code == 1, args
        assert "at least one active user with role = \"administrator\"" in last.err
        assert "Traceback" not in last.err
    assert desk_files(home) == before


# -- teams (U1) -----------------------------------------------------------------------


def test_u1_team_add_list_rename_members_remove(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    run("user", "add", "ingrid@pipedesk.example", "--name", "Ingrid Berg")
    added = run("team", "add", "First line")
    assert added.code == 0
    assert added.out.startswith("Added team first-line 'First line'")
    assert run("team", "members", "first-line").out == "(none)\n"

    changed = run("team", "members", "First line", "--add", "ingrid", "--add", "admin")
    assert changed.out == "Members of 'First line': Ingrid Berg (ingrid), Administrator (admin).\n"
    assert run("team", "members", "first-line", "--json").json() == [
        {"id": "ingrid", "name": "Ingrid Berg"}, {"id": "admin", "name": "Administrator"}]
    members = run("team", "members", "first-line").out.splitlines()
    assert members[0].split() == ["ID", "NAME", "EMAIL"]
    assert members[1].split() == ["ingrid", "Ingrid", "Berg", "ingrid@pipedesk.example"]
    out = run("team", "members", "first-line", "--remove", "admin").out
    assert out == "Members of 'First line': Ingrid Berg (ingrid).\n"

    renamed = run("team", "rename", "first-line", "Support")
    assert renamed.out == "Team first-line is now 'Support'.\n"
    assert run("team", "list", "--json").json() == [
        {"id": "first-line", "name": "Support",
         "members": [{"id": "ingrid", "name": "Ingrid Berg"}]}]
    listed = run("team", "list").out.splitlines()
    assert listed[1].split() == ["first-line", "Support", "Ingrid", "Berg", "(ingrid)"]

    run("user", "deactivate", "ingrid")
    assert "Ingrid Berg (ingrid, deactivated)" in run("team", "list").out

    removed = run("team", "remove", "Support")
    assert removed.code == 0 and removed.out == "Removed team first-line 'Support'.\n"
    assert run("team", "list").out == "(none)\n"


def test_u1_team_refusals(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    run("team", "add", "Support")
    run("team", "add", "Billing")
    unknown = run("team", "rename", "ops", "Ops")
    assert unknown.code == 1
    assert "No team 'ops'. Teams: support (Support), billing (Billing)." in unknown.err
    assert run("team", "members", "ops").code == 1
    assert run("team", "remove", "ops").code == 1
    stranger = run("team", "members", "support", "--add", "olga")
    assert stranger.code == 1 and "No user 'olga'" in stranger.err

    dup = run("team", "add", "SUPPORT")
    assert dup.code == 1 and "Team 'Support' (id support) exists already" in dup.err
    dup_rename = run("team", "rename", "billing", "support")
    assert dup_rename.code == 1 and "exists already" in dup_rename.err

    # A team that a ticket or a pipeline's access names stays.
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer",
        "--set", "team=support")
    held = run("team", "remove", "support")
    assert held.code == 1
    assert "Team 'Support' has 1 ticket(s); give them to another team" in held.err
    assert run("pipeline", "access", "0", "--view", "billing").code == 0
    named = run("team", "remove", "billing")
    assert named.code == 1
    assert ("Team 'Billing' is named in the access of 'Support pipeline'; change it first "
            "(pipedesk pipeline access 0).") in named.err
    assert [t["id"] for t in run("team", "list", "--json").json()] == ["support", "billing"]


# -- an agent is refused every administrator command (U1) -------------------------------

# Commands an agent may run: working tickets, reading, and what runs the
# desk's rounds. Every other command changes settings and is refused to
# agents: a new command lands in one list or the other, or this test fails.
AGENT_MAY = {
    "ticket create", "ticket list", "ticket show", "ticket move", "ticket set", "ticket note",
    "ticket reply", "ticket delete", "ticket attachment", "export",
    "contact list", "contact add", "contact edit",
    "pipeline list", "stage list", "property list", "automation list", "automation log",
    "automation templates", "channel list", "mail show", "mail quarantine list",
    "webhooks show", "notifications", "user list", "team list",
    # A4d: anyone may comment on an action.
    "automation comment",
    # Mail in is the channel's doing, and the rounds are the desk's.
    "mail fetch", "mail ingest", "mail quarantine retry", "worker", "serve",
    # The app in a browser: anyone may open the app, as themselves.
    "web",
    # Signing in to a server touches no desk here: the server's decides;
    # conflicts are the client's own changes, sent to the server again.
    "login", "conflicts list", "conflicts retry", "conflicts discard",
}

# Each administrator command, written so that an administrator's run would
# do something (the desk the test builds has these things).
ADMIN_ONLY: dict[str, list[str]] = {
    "demo": ["demo", "--tickets", "1"],
    "pipeline create": ["pipeline", "create", "Billing"],
    "pipeline rename": ["pipeline", "rename", "0", "Help"],
    "pipeline reorder": ["pipeline", "reorder", "Sales", "1"],
    "pipeline delete": ["pipeline", "delete", "Sales"],
    "pipeline cards": ["pipeline", "cards", "0", "subject"],
    "pipeline access": ["pipeline", "access", "0", "--view", "support"],
    "pipeline sla": ["pipeline", "sla", "0", "urgent", "--respond", "30m"],
    "stage add": ["stage", "add", "0", "Escalated", "--state", "open"],
    "stage rename": ["stage", "rename", "2", "Asked"],
    "stage reorder": ["stage", "reorder", "2", "3"],
    "stage set-state": ["stage", "set-state", "3", "closed"],
    "stage delete": ["stage", "delete", "3", "--move-to", "2"],
    "stage props": ["stage", "props", "1", "--add", "tier"],
    "property create": ["property", "create", "size", "--type", "text"],
    "property edit": ["property", "edit", "tier", "--label", "Level"],
    "property archive": ["property", "archive", "tier"],
    "automation add assign": ["automation", "add", "0", "New", "assign", "--user", "ingrid"],
    "automation add delay": ["automation", "add", "0", "New", "delay", "2h"],
    "automation add notify": ["automation", "add", "0", "New", "notify", "--owner"],
    "automation add send-email": ["automation", "add", "0", "New", "send-email",
                                  "--template", "hello"],
    "automation add set": ["automation", "add", "0", "New", "set", "priority=high"],
    "automation add webhook": ["automation", "add", "0", "New", "webhook",
                               "https://hooks.pipedesk.example/in"],
    "automation remove": ["automation", "remove", "0", "New", "1"],
    "automation set": ["automation", "set", "0", "close-date", "off"],
    "automation template save": ["automation", "template", "save", "bye", "--subject", "Bye",
                                 "--body", "Bye"],
    "automation template delete": ["automation", "template", "delete", "hello"],
    "channel add": ["channel", "add", "email", "sales@pipedesk.example", "--pipeline", "0"],
    "channel set": ["channel", "set", "help@pipedesk.example", "create-tickets", "off"],
    "channel remove": ["channel", "remove", "help@pipedesk.example"],
    "mail smtp": ["mail", "smtp", "--off"],
    "mail from": ["mail", "from", "desk@pipedesk.example"],
    "webhooks allow": ["webhooks", "allow", "hooks.pipedesk.example"],
    "user add": ["user", "add", "olga@pipedesk.example", "--name", "Olga"],
    "user edit": ["user", "edit", "ingrid", "--role", "administrator"],
    "user deactivate": ["user", "deactivate", "sven"],
    "team add": ["team", "add", "Billing"],
    "team rename": ["team", "rename", "support", "Help"],
    "team members": ["team", "members", "support", "--add", "ingrid"],
    "team remove": ["team", "remove", "support"],
    "token create": ["token", "create", "--user", "ingrid"],
    "token list": ["token", "list"],
    "token revoke": ["token", "revoke", "t1"],
}

# What else an administrator command may be given that changes something.
ADMIN_TOO = [
    ["team", "members", "support", "--remove", "sven"],
    ["pipeline", "access", "0", "--everyone"],
    ["pipeline", "access", "0", "--edit", "ingrid"],
]


def every_command(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))
        else:
            yield " ".join((*path, name))


def test_u1_every_command_is_either_an_agents_or_an_administrators() -> None:
    commands = set(every_command(root))
    assert not AGENT_MAY & set(ADMIN_ONLY)
    unlisted = commands - AGENT_MAY - set(ADMIN_ONLY)
    assert not unlisted, (f"say whether agents may run {sorted(unlisted)}: add each to "
                          "AGENT_MAY or (with arguments) to ADMIN_ONLY")
    assert not (AGENT_MAY | set(ADMIN_ONLY)) - commands, "a listed command is gone"


@pytest.mark.parametrize("args", [*ADMIN_ONLY.values(), *ADMIN_TOO],
                         ids=lambda args: " ".join(args))
def test_u1_an_agent_is_refused_each_administrator_command(
        run: Any, home: Path, acting: Acting, args: list[str]) -> None:
    new_desk(home)
    add_people(run)
    for setup in (["pipeline", "create", "Sales"],
                  ["property", "create", "tier", "--type", "choice", "--option", "gold"],
                  ["automation", "template", "save", "hello", "--subject", "Hi",
                   "--body", "Hello"],
                  ["automation", "add", "0", "New", "delay", "1h"],
                  ["channel", "add", "email", "help@pipedesk.example", "--pipeline", "0"],
                  ["ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "S"]):
        done = run(*setup)
        assert done.code == 0, done.err
    before = desk_files(home)

    acting("ingrid")
    refused = run(*args)
    assert refused.code == 1, refused.out
    assert refused.err.startswith("pipedesk: Only administrators may "), refused.err
    assert f"ask one (Administrator, login {ME})." in refused.err
    assert "Traceback" not in refused.err
    assert desk_files(home) == before


# -- who acts (U1) ---------------------------------------------------------------------


def test_u1_an_unknown_login_is_told_whom_to_ask(run: Any, home: Path, acting: Acting,
                                                 tmp_path: Path) -> None:
    new_desk(home)
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer")
    # The administrator gives their own login away, and is locked out.
    assert run("user", "edit", "admin", "--login", "someone-else").code == 0
    before = desk_files(home)
    for args in (["ticket", "list"], ["ticket", "show", "1"], ["user", "list", "--json"],
                 ["ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "X"]):
        refused = run(*args)
        assert refused.code == 1, args
        assert refused.out == ""
        assert (f"pipedesk: The login {ME!r} is not a user of the desk in {home}; ask an "
                "administrator (Administrator, login someone-else) to add you: pipedesk user "
                f"add EMAIL --name NAME --login {ME}") in refused.err
        assert "Traceback" not in refused.err
    assert desk_files(home) == before

    # The app is refused the same way, before it takes the screen.
    env = {**os.environ, "PIPEDESK_HOME": str(home),
           "PIPEDESK_CONFIG": os.environ["PIPEDESK_CONFIG"]}
    app = subprocess.run([str(PIPEDESK)], env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, timeout=60)
    assert app.returncode == 1
    assert f"The login {ME!r} is not a user of the desk in {home}" in app.stderr
    assert "login someone-else" in app.stderr
    assert "Traceback" not in app.stderr
    assert "\x1b[?1049h" not in app.stdout  # the app never took the screen


def test_u1_a_deactivated_user_is_refused(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    add_people(run)
    assert run("user", "deactivate", "ingrid").code == 0
    acting("ingrid")
    for args in (["ticket", "list"], ["user", "list"], ["team", "members", "support"],
                 ["pipeline", "access", "0"]):
        refused = run(*args)
        assert refused.code == 1, args
        assert ("The user Ingrid Berg (ingrid) is deactivated on the desk in "
                f"{home}; ask an administrator (Administrator, login {ME}) to activate the user "
                "again.") in refused.err
        assert "Traceback" not in refused.err
    acting("olga")
    stranger = run("ticket", "list")
    assert stranger.code == 1
    assert "Your config names the user 'olga', which the desk in" in stranger.err


# -- pipeline access (P6) ----------------------------------------------------------------


def test_p6_pipeline_access_shows_sets_and_resets(run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    add_people(run)
    assert "VIEW" not in run("pipeline", "list").out  # everyone's: the table as ever
    shown = run("pipeline", "access", "0")
    assert shown.out == "Pipeline 0 'Support pipeline':\n  view: everyone\n  edit: everyone\n"
    assert run("pipeline", "access", "0", "--json").json() == {
        "id": "0", "label": "Support pipeline", "view": None, "edit": None}

    # --view alone leaves edit as it is, and the other way round.
    viewed = run("pipeline", "access", "Support pipeline", "--view", "Support",
                 "--view", "ingrid")
    assert viewed.out == ("Pipeline 0 'Support pipeline':\n  view: team Support, Ingrid Berg\n"
                          "  edit: everyone\n")
    edited = run("pipeline", "access", "0", "--edit", "user:ingrid", "--json").json()
    assert edited["view"] == [{"kind": "team", "id": "support", "name": "Support"},
                              {"kind": "user", "id": "ingrid", "name": "Ingrid Berg"}]
    assert edited["edit"] == [{"kind": "user", "id": "ingrid", "name": "Ingrid Berg"}]

    listed = run("pipeline", "list")
    assert listed.out.splitlines()[0].split()[-2:] == ["VIEW", "EDIT"]
    assert listed.out.splitlines()[1].endswith("team Support, Ingrid Berg  Ingrid Berg")
    assert run("pipeline", "list", "--json").json()[0]["access"] == {
        "view": edited["view"], "edit": edited["edit"]}

    before = desk_files(home)
    both = run("pipeline", "access", "0", "--everyone", "--view", "ingrid")
    assert both.code == 2 and "--everyone resets both lists; give it alone" in both.err
    unknown = run("pipeline", "access", "0", "--view", "olga")
    assert unknown.code == 1 and "No user or team 'olga'." in unknown.err
    assert run("pipeline", "access", "9").code == 1
    assert desk_files(home) == before

    reset = run("pipeline", "access", "0", "--everyone")
    assert reset.out == "Pipeline 0 'Support pipeline':\n  view: everyone\n  edit: everyone\n"


def test_p6_a_pipeline_viewed_by_a_team_is_hidden_from_others(
        run: Any, home: Path, acting: Acting) -> None:
    new_desk(home)
    add_people(run)
    run("pipeline", "create", "Sales")
    assert run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject",
               "Printer on fire", "--set", "owner=sven").code == 0
    assert run("ticket", "create", "--pipeline", "Sales", "--stage", "New", "--subject",
               "Quote").code == 0
    assert run("pipeline", "access", "0", "--view", "support").code == 0

    acting("ingrid")  # not in Support
    assert [p["label"] for p in run("pipeline", "list", "--json").json()] == ["Sales"]
    assert "Support pipeline" not in run("pipeline", "list").out
    assert [t["subject"] for t in run("ticket", "list", "--json").json()] == ["Quote"]
    assert "Printer" not in run("ticket", "list").out
    hidden = run("ticket", "show", "1")
    assert hidden.code == 1 and "No ticket #1" in hidden.err
    assert "Printer" not in hidden.err
    assert run("ticket", "show", "1", "--json").code == 1

    acting("sven")  # in Support
    assert [p["label"] for p in run("pipeline", "list", "--json").json()] == [
        "Support pipeline", "Sales"]
    assert run("ticket", "show", "1").code == 0
    assert "Printer on fire" in run("ticket", "list").out

    # View but not edit: the move is refused with the reason.
    acting(None)
    assert run("pipeline", "access", "0", "--edit", "ingrid").code == 0
    acting("sven")
    moved = run("ticket", "move", "1", "Waiting on us")
    assert moved.code == 1
    assert (f"You may view but not change tickets in 'Support pipeline'; ask an administrator "
            f"(Administrator, login {ME}) for edit access.") in moved.err
    assert run("ticket", "show", "1", "--json").json()["ticket"]["stage"] == "1"
