"""Every command line command on a team's server (issue 16 item 1:
"makes the TUI and every CLI command work against the server"; U2, P6,
U3 through the server; docs/sync.md).

Two walks over the leak test's desk (tests/test_access_leaks.py: two
teams, a private pipeline, a view-only one, mail, notifications, an
automation log), served by pipedesk under uvicorn:

- every command that lists or shows says, for each kind of user, on the
  server (`--server`, as the user's token) exactly what it says on the
  desk itself (`--data-dir`, as the same user): the same JSON, the same
  refusals;
- every command that changes settings, people or contacts, run by an
  administrator with `--server`, makes its change on the server's desk,
  and an agent's is refused by the server with nothing changed.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import Result
from core_fixtures import ADMIN, MutableClock
from server_fixtures import served
from test_access_leaks import READING, USERS, World, build, read_command

from cli import main
from core import Desk, open_desk


@dataclass
class Served:
    world: World
    base: str
    tokens: dict[str, str]  # user -> their token
    cache: Path  # the clients' folders: each user's replica kept between commands


@pytest.fixture(scope="module")
def served_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    desk = open_desk(tmp_path_factory.mktemp("walk") / "desk", clock=MutableClock())
    world = build(desk)
    tokens = {u: desk.create_token(u if u != "admin" else ADMIN.id, ADMIN, f"{u}'s laptop")[1]
              for u in USERS}
    with served(desk) as base:
        yield Served(world, base, tokens, tmp_path_factory.mktemp("clients"))


def pipedesk(args: list[str], capsys: pytest.CaptureFixture[str]) -> Result:
    capsys.readouterr()
    try:
        main(args)
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out = capsys.readouterr()
    return Result(code, out.out, out.err)


def as_user(site: Served, user: str, args: list[str], tmp: Path, remote: bool,
            capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Result:
    """`pipedesk ARGS` as `user`: on the server with their token, or on the
    desk's own data dir as the user their config names."""
    config = tmp / f"{user}.toml"
    config.write_text(f'user = "{user}"\n')
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    monkeypatch.setenv("PIPEDESK_TOKEN", site.tokens[user])
    monkeypatch.setenv("PIPEDESK_CACHE", str(site.cache / user))
    where = ["--server", site.base] if remote else [
        "--data-dir", str(site.world.desk.store.root)]  # type: ignore[attr-defined]
    return pipedesk([*where, *args], capsys)


@pytest.mark.parametrize("line", list(READING))
def test_u2_p6_every_reading_command_says_on_the_server_what_it_says_on_the_desk(
        served_world: Served, line: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    w = served_world.world
    targets = ("B_MAIL", "S_INGRID", "M_MOVED") if "{ticket}" in line else ("",)
    for user, target in ((u, t) for u in USERS for t in targets):
        args = line.format(billing=w.pipelines["billing"], stage=w.billing_stage,
                           ticket=w.ids.get(target, "")).split()
        # The JSON says all a command shows (the words around it are the
        # same code either way); an attachment is its bytes.
        runs = [args] if read_command(line) == "ticket attachment" else [[*args, "--json"]]
        for one in runs:
            said = []
            for remote in (False, True):
                # Each in a folder of its own: an attachment is saved there.
                folder = tmp_path / f"{user}-{target}-{remote}-{len(one)}"
                folder.mkdir()
                monkeypatch.chdir(folder)
                done = as_user(served_world, user, one, tmp_path, remote, capsys, monkeypatch)
                saved = {f.name: f.read_bytes() for f in folder.iterdir()}
                said.append((done.code, done.out, done.err, saved))
            here, there = said
            assert there == here, (user, one)
            assert "Traceback" not in here[2]


# -- the changes ------------------------------------------------------------------------
#
# Each command line command that changes settings, people, contacts or the
# quarantine (the ticket, stage, pipeline and automation ones are in
# tests/test_cli_server.py), as an administrator with --server; then the
# server's desk, opened afresh on its data dir, has the change. Each makes
# names of its own, so that they hold in any order.

Run = Callable[..., Result]


def _stage_of(desk: Desk, pipeline: str) -> Any:
    return desk.pipeline(pipeline, ADMIN).stages[0]


def _comment(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("automation", "comment", w.pipelines["billing"], w.billing_stage, "1",
               "Who reads this?").code == 0
    action = _stage_of(desk(), w.pipelines["billing"]).actions[0]
    assert [c.text for c in action.comments][-1:] == ["Who reads this?"]
    assert action.comments[-1].author == "Administrator"


def _template(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("automation", "template", "save", "Night shift", "--subject", "On call",
               "--body", "We are on it, {contact.name}.").code == 0
    assert "Night shift" in [t.name for t in desk().templates(ADMIN)]
    assert run("automation", "template", "delete", "Night shift").code == 0
    assert "Night shift" not in [t.name for t in desk().templates(ADMIN)]


def _switches(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    sales = w.pipelines["sales"]
    assert run("automation", "set", sales, "chat", "on").code == 0
    assert run("automation", "set", sales, "close-date", "off").code == 0
    assert run("automation", "set", sales, "email-sent", "on", "--stage", "Waiting on contact"
               ).code == 0
    pipeline = desk().pipeline(sales, ADMIN)
    automation = pipeline.automation
    assert automation.include_chat and not automation.close_date
    waiting = next(s for s in pipeline.stages if s.label == "Waiting on contact")
    assert automation.email_sent.on and automation.email_sent.stage == waiting.id


def _channels(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    address = "night@pipedesk.example"
    assert run("channel", "add", "email", address, "--pipeline", w.pipelines["sales"]).code == 0
    assert run("channel", "set", address, "create-tickets", "off").code == 0
    [channel] = [c for c in desk().channels(ADMIN) if c.address == address]
    assert (channel.pipeline, channel.create_tickets) == (w.pipelines["sales"], False)
    assert run("channel", "remove", address).code == 0
    assert address not in [c.address for c in desk().channels(ADMIN)]


def _contacts(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("contact", "add", "nils@customer.example", "--name", "Nils").code == 0
    assert run("contact", "edit", "nils@customer.example", "--marketing").code == 0
    nils = desk().contact("nils@customer.example", ADMIN)
    assert (nils.name, nils.marketing) == ("Nils", True)


def _mail(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("mail", "from", "Night desk <night@pipedesk.example>").code == 0
    assert run("mail", "smtp", "smtp.pipedesk.example", "--user", "desk",
               "--password-env", "SMTP_PASSWORD").code == 0
    mail = desk().mail_settings(ADMIN)
    assert mail.sender == "Night desk <night@pipedesk.example>"
    assert mail.smtp is not None and (mail.smtp.host, mail.smtp.user, mail.smtp.password_env
                                      ) == ("smtp.pipedesk.example", "desk", "SMTP_PASSWORD")
    assert run("mail", "smtp", "--off").code == 0
    assert desk().mail_settings(ADMIN).smtp is None


def _cards_and_access(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    sales = w.pipelines["sales"]
    assert run("pipeline", "cards", sales, "subject", "priority", "owner").code == 0
    assert run("pipeline", "access", sales, "--view", "team:billing", "--edit", "bob").code == 0
    pipeline = desk().pipeline(sales, ADMIN)
    assert pipeline.card_properties == ["subject", "priority", "owner"]
    assert (pipeline.access.view, pipeline.access.edit) == (["team:billing"], ["user:bob"])


def _properties(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("property", "create", "severity", "--type", "choice", "--option", "S1",
               "--option", "S2").code == 0
    assert run("property", "edit", "severity", "--label", "Sev", "--option", "S1", "--option",
               "S2", "--option", "S3").code == 0
    made = desk().property("severity")
    assert (made.label, list(made.options)) == ("Sev", ["S1", "S2", "S3"])
    assert run("property", "archive", "severity").code == 0
    [archived] = [p for p in desk().properties(ADMIN, archived=True) if p.name == "severity"]
    assert archived.archived


def _webhooks(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("webhooks", "allow", "10.20.0.0/16").code == 0
    assert desk().webhook_allow_list(ADMIN) == ["10.20.0.0/16"]


def _people(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    assert run("user", "add", "nina@pipedesk.example", "--name", "Nina").code == 0
    assert run("user", "edit", "nina", "--visibility", "own").code == 0
    assert run("team", "add", "Night").code == 0
    assert run("team", "rename", "night", "Night owls").code == 0
    assert run("team", "members", "night", "--add", "nina").code == 0
    seen = desk()
    nina = next(u for u in seen.users(ADMIN) if u.id == "nina")
    team = next(t for t in seen.teams(ADMIN) if t.id == "night")
    assert (nina.visibility, team.name, team.members) == ("own", "Night owls", ["nina"])
    assert run("user", "deactivate", "nina").code == 0
    assert run("team", "remove", "night").code == 0
    seen = desk()
    assert not next(u for u in seen.users(ADMIN) if u.id == "nina").active
    assert "night" not in [t.id for t in seen.teams(ADMIN)]


def _tokens(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    import json

    made = run("token", "create", "--user", "olav", "--name", "night", "--json")
    assert made.code == 0, made.err
    token = json.loads(made.out)
    held = {t.id: t for t in desk().api_tokens(ADMIN)}
    assert held[token["id"]].user == "olav" and held[token["id"]].revoked is None
    assert desk().token_actor(token["token"]).id == "olav"  # the secret the server made
    assert run("token", "revoke", token["id"]).code == 0
    assert {t.id: t for t in desk().api_tokens(ADMIN)}[token["id"]].revoked is not None


def _quarantine(run: Run, w: World, desk: Callable[[], Desk]) -> None:
    [lost] = [q for q in desk().quarantine(ADMIN) if q.channel is None]
    assert run("channel", "add", "email", "nobody@pipedesk.example", "--pipeline", "0"
               ).code == 0
    done = run("mail", "quarantine", "retry", lost.key, "--json")
    assert done.code == 0, done.err
    [said] = json_of(done.out)
    seen = desk()
    assert said["outcome"] == "created" and seen.ticket(said["ticket"], ADMIN).pipeline == "0"
    assert lost.key not in [q.key for q in seen.quarantine(ADMIN)]


def json_of(out: str) -> Any:
    import json

    return json.loads(out)


CHANGES: dict[str, Callable[[Run, World, Callable[[], Desk]], None]] = {
    "automation comment": _comment,
    "automation template save, delete": _template,
    "automation set (chat, close-date, email-sent)": _switches,
    "channel add, set, remove": _channels,
    "contact add, edit": _contacts,
    "mail from, smtp": _mail,
    "pipeline cards, access": _cards_and_access,
    "property create, edit, archive": _properties,
    "webhooks allow": _webhooks,
    "user add, edit, deactivate; team add, rename, members, remove": _people,
    "token create, revoke": _tokens,
    "mail quarantine retry": _quarantine,
}


@pytest.fixture(scope="module")
def changed_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    desk = open_desk(tmp_path_factory.mktemp("changes") / "desk", clock=MutableClock())
    world = build(desk)
    tokens = {u: desk.create_token(u if u != "admin" else ADMIN.id, ADMIN, f"{u}'s laptop")[1]
              for u in USERS}
    with served(desk) as base:
        yield Served(world, base, tokens, tmp_path_factory.mktemp("clients"))


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_settings_people_and_contacts_change_is_made_on_the_server(
        changed_world: Served, change: str, tmp_path: Path,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    root = changed_world.world.desk.store.root  # type: ignore[attr-defined]

    def run(*args: str) -> Result:
        done = as_user(changed_world, "admin", list(args), tmp_path, True, capsys,
                       monkeypatch)
        assert "Traceback" not in done.err and "not sent to a server" not in done.err, done
        return done

    CHANGES[change](run, changed_world.world, lambda: open_desk(root))


def test_u1_an_agents_settings_change_is_refused_by_the_server_and_nothing_changes(
        changed_world: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = changed_world.world.desk.store.root  # type: ignore[attr-defined]
    before = open_desk(root).config
    for line in ("property create plan --type text", "user add x@pipedesk.example --name X",
                 "webhooks allow 10.0.0.0/8", "token list", "mail smtp --off"):
        done = as_user(changed_world, "ingrid", shlex.split(line), tmp_path, True, capsys,
                       monkeypatch)
        assert done.code == 1 and "administrator" in done.err, (line, done)
        assert "Traceback" not in done.err
    assert open_desk(root).config == before
