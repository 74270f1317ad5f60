"""Text from tickets never drives the terminal (issue 11, item 1).

A single-line field holds printable text only, a multi-line one also new
lines and tabs (core/text.py): the desk refuses anything else, on every
command that keeps text, with the field, the character and where it is.
Text already on disk (from before the rule, or a hand edit) is shown
harmlessly by every command, one row per ticket; `--json` stays exact.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import new_desk
from core_fixtures import ADMIN, data_files, new_ticket, stored
from text_fixtures import HOSTILE, PRINTABLE, put_on_disk, unsafe_in

from core import Desk, DeskError, open_desk
from core.automation.actions import Notify, SendEmail
from core.automation.sandbox import Renderer
from core.automation.templates import BODY_CHARS, LINE_CHARS, Template
from core.mail.message import compose, recipient
from core.model import User
from core.text import check_line, check_text, json_safe, show_line, show_text

# -- the rule and the display, on their own -----------------------------------------------


@pytest.mark.parametrize("name", HOSTILE)
def test_shown_text_holds_nothing_a_terminal_obeys_and_keeps_its_length(name: str) -> None:
    text = HOSTILE[name]
    line, lines = show_line(text), show_text(text)
    assert unsafe_in(line) == [] and "\n" not in line
    assert unsafe_in(lines) == []
    assert len(line) == len(lines) == len(text)  # styles on a stretch stay on it
    if name in PRINTABLE:
        assert line == lines == text


def test_controls_are_shown_as_pictures_and_a_line_break_as_a_mark() -> None:
    assert show_line("Title \x1b]2;PWNED\x07") == "Title ␛]2;PWNED␇"
    assert show_line("a\nb") == "a␤b"
    assert show_text("a\nb\tc") == "a\nb\tc"
    assert show_line("invoice \u202efdp.exe") == "invoice �fdp.exe"
    assert show_line("\x9b31m") == "�31m"


def test_joiners_stay_inside_an_emoji_and_nowhere_else() -> None:
    coder = "\U0001f469\u200d\U0001f4bb"  # woman technologist: one emoji
    assert check_line(coder, "Subject") == coder and show_line(coder) == coder
    with pytest.raises(DeskError, match="invisible character"):
        check_line("\u200dSupport", "Subject")
    assert show_line("\u200dSupport") == "�Support"


def test_a_multi_line_field_keeps_new_lines_and_reads_crlf_as_one() -> None:
    assert check_text("Hello,\r\n\tthanks", "Description") == "Hello,\n\tthanks"
    with pytest.raises(DeskError, match=r"line break other than a plain new line \(U\+2028\)"):
        check_text("a\u2028b", "Description")


def test_json_escapes_what_a_terminal_would_obey_and_reads_back_the_same() -> None:
    data = {name: text for name, text in HOSTILE.items()}
    encoded = json_safe(json.dumps(data, ensure_ascii=False))
    assert unsafe_in(encoded) == []
    assert json.loads(encoded) == data


# -- the desk refuses it on input ---------------------------------------------------------

Command = Callable[[Desk, str], Any]


def _template(field: str) -> Command:
    def save(desk: Desk, text: str) -> Any:
        parts = {"name": "Reply", "subject": "Re", "body": "Hello"} | {field: text}
        return desk.save_template(Template(**parts), ADMIN)
    return save


# (what is set, how, what the refusal calls it, a multi-line field?)
FIELDS: list[tuple[str, Command, str, bool]] = [
    ("new subject", lambda d, t: new_ticket(d, t), "Subject", False),
    ("edited subject", lambda d, t: d.edit_ticket("1", {"subject": t}, ADMIN),
     "Subject", False),
    ("text property", lambda d, t: d.edit_ticket("1", {"account": t}, ADMIN),
     "Account", False),
    ("description", lambda d, t: d.edit_ticket("1", {"content": t}, ADMIN),
     "Description", True),
    ("contact name", lambda d, t: d.add_contact("ada@example.com", ADMIN, name=t),
     "A contact's name", False),
    ("user name", lambda d, t: d.add_users([User(id="ingrid", name=t)], ADMIN),
     "A user's name", False),
    ("pipeline label", lambda d, t: d.create_pipeline(t, ADMIN), "The pipeline label", False),
    ("stage label", lambda d, t: d.add_stage("0", t, "open", ADMIN), "The stage label", False),
    ("property label", lambda d, t: d.create_property("seats", "text", ADMIN, label=t),
     "The property label", False),
    ("option", lambda d, t: d.create_property("tier", "choice", ADMIN, options=["Gold", t]),
     "Option", False),
    ("template name", _template("name"), "A template's name", False),
    ("template subject", _template("subject"), "The subject of template", False),
    ("template body", _template("body"), "The body of template", True),
    ("notification message", lambda d, t: d.add_action(
        "0", "2", Notify(owner=True, message=t), ADMIN), "The notification's message", False),
    ("comment on an action", lambda d, t: d.comment_action("0", "2", (0,), t, ADMIN),
     "A comment", True),
]

# Labels and options run their spaces together (a pasted line break
# included), as they always have: "a\nb" is kept as "a b".
SPACES_RUN_TOGETHER = {"pipeline label", "stage label", "property label", "option"}


@pytest.fixture
def ready(desk: Desk) -> Desk:
    """A desk with what the commands above build on: ticket #1, a text
    property, an action."""
    new_ticket(desk)
    desk.create_property("account", "text", ADMIN)
    desk.add_action("0", "2", SendEmail(template="Ticket received"), ADMIN)
    return desk


@pytest.mark.parametrize(("field", "command", "called", "multi_line"), FIELDS,
                         ids=[f[0] for f in FIELDS])
@pytest.mark.parametrize("name", [n for n in HOSTILE if n not in PRINTABLE])
def test_every_command_keeping_text_refuses_what_a_terminal_would_obey(
        ready: Desk, field: str, command: Command, called: str, multi_line: bool,
        name: str) -> None:
    text = HOSTILE[name]
    if name == "line break" and (multi_line or field in SPACES_RUN_TOGETHER):
        command(ready, text)  # kept as several lines, or as one with a space
        return
    before = stored(ready)
    with pytest.raises(DeskError) as refused:
        command(ready, text)
    message = refused.value.message
    bad = next(c for c in text if unsafe_in(c) or c == "\n")
    assert message.startswith(called) and f"U+{ord(bad):04X}" in message, message
    assert f"position {text.index(bad) + 1}" in message
    assert stored(ready) == before  # nothing written


@pytest.mark.parametrize(("field", "command", "called", "multi_line"), FIELDS,
                         ids=[f[0] for f in FIELDS])
def test_text_that_looks_like_markup_is_kept_as_it_is(
        ready: Desk, field: str, command: Command, called: str, multi_line: bool) -> None:
    command(ready, "[bold]x[/] and [link=https://example.com]y[/link]")


# -- the command line refuses it too --------------------------------------------------------


@pytest.mark.parametrize(("args", "called"), [
    (["ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "{}"], "Subject"),
    (["pipeline", "create", "{}"], "The pipeline label"),
    (["stage", "add", "0", "{}", "--state", "open"], "The stage label"),
    (["contact", "add", "ada@example.com", "--name", "{}"], "A contact's name"),
    (["property", "create", "seats", "--type", "text", "--label", "{}"], "The property label"),
    (["automation", "add", "0", "1", "notify", "--owner", "--message", "{}"],
     "The notification's message"),
], ids=["subject", "pipeline", "stage", "contact", "property", "notify"])
@pytest.mark.parametrize("name", ["window title", "direction override", "C1 CSI"])
def test_the_command_line_refuses_it_with_the_field_and_exit_1(
        run: Any, home: Path, args: list[str], called: str, name: str) -> None:
    new_desk(home)
    before = data_files(home)
    result = run(*(a.format(HOSTILE[name]) for a in args))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith(f"pipedesk: {called}") and "U+" in result.err
    assert "Traceback" not in result.err and unsafe_in(result.err) == []
    assert data_files(home) == before


# -- text already on disk is shown harmlessly -----------------------------------------------


@pytest.fixture
def hostile_desk(run: Any, home: Path) -> Path:
    """A desk from before the rule: a ticket per hostile text (#1 …), and
    hostile text in a pipeline's and a stage's label, a contact's name, a
    property's label and option, a template's subject, an action and a
    comment on it; ticket #1 moved into that stage, so the log has a run."""
    assert run("contact", "add", "ada@example.com", "--name", "CONTACTNAME").code == 0
    assert run("property", "create", "tier", "--type", "choice", "--label", "TIERLABEL",
               "--option", "TIEROPTION").code == 0
    assert run("automation", "add", "0", "2", "notify", "--owner", "--message",
               "NOTIFYMESSAGE").code == 0
    assert run("automation", "comment", "0", "2", "1", "COMMENTTEXT").code == 0
    for n in range(1, len(HOSTILE) + 1):
        assert run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject",
                   f"SUBJECT{n}X", "--contact", "ada@example.com",
                   "--set", "tier=TIEROPTION").code == 0
    assert run("ticket", "move", "1", "2").code == 0
    swaps = {f"SUBJECT{n}X": text for n, text in enumerate(HOSTILE.values(), start=1)}
    title = HOSTILE["window title"]
    swaps |= {"CONTACTNAME": title, "TIERLABEL": title, "TIEROPTION": title,
              "NOTIFYMESSAGE": title, "COMMENTTEXT": title,
              "Support pipeline": f"Support {title}",
              "Waiting on contact": f"Waiting {title}",
              "We have your request": f"We have {title}"}
    put_on_disk(home, swaps)
    return home


@pytest.mark.parametrize("args", [
    ["ticket", "list"], ["ticket", "show", "1"], ["ticket", "show", "2"],
    ["ticket", "show", "3"], ["pipeline", "list"], ["stage", "list", "0"],
    ["contact", "list"], ["property", "list"], ["automation", "list", "0"],
    ["automation", "log"], ["automation", "templates"], ["stage", "props", "2"],
], ids=" ".join)
def test_every_listing_shows_hostile_text_harmlessly(hostile_desk: Path, run: Any,
                                                     args: list[str]) -> None:
    result = run(*args)
    assert result.code == 0, result.err
    assert unsafe_in(result.out) == [] and unsafe_in(result.err) == []


def test_ticket_list_keeps_one_row_per_ticket(hostile_desk: Path, run: Any) -> None:
    rows = run("ticket", "list").out.splitlines()
    assert len(rows) == 1 + len(HOSTILE)
    assert [row.split()[0] for row in rows[1:]] == [f"#{n}" for n in range(1, 8)]
    assert any(row.endswith("Title ␛]2;PWNED␇") for row in rows)
    assert any(row.endswith("a␤b") for row in rows)
    assert any(row.endswith("[bold]x[/]") for row in rows)


def test_ticket_show_shows_the_subject_and_its_properties_as_text(hostile_desk: Path,
                                                                  run: Any) -> None:
    shown = run("ticket", "show", "1").out
    assert shown.startswith("#1 Title ␛]2;PWNED␇\n")
    assert "Support Title ␛]2;PWNED␇" in shown  # the pipeline's label
    assert "Contact " in shown
    lines = run("ticket", "show", "3").out.splitlines()
    assert lines[0] == "#3 a␤b"


def test_json_output_stays_exact(hostile_desk: Path, run: Any) -> None:
    listed = run("ticket", "list", "--json")
    assert unsafe_in(listed.out) == []
    assert [t["subject"] for t in listed.json()] == list(HOSTILE.values())
    shown = run("ticket", "show", "1", "--json").json()
    assert shown["ticket"]["pipeline_label"] == f"Support {HOSTILE['window title']}"


def test_a_snapshot_holding_hostile_text_is_shown_harmlessly(hostile_desk: Path,
                                                              run: Any) -> None:
    open_desk(hostile_desk).compact()
    assert (hostile_desk / "tickets.json").exists()
    result = run("ticket", "list")
    assert unsafe_in(result.out) == [] and len(result.out.splitlines()) == 1 + len(HOSTILE)


def test_an_error_quoting_hostile_text_is_shown_harmlessly(hostile_desk: Path,
                                                           run: Any) -> None:
    result = run("pipeline", "delete", "0")  # "Pipeline 'Support …' holds 7 tickets"
    assert result.code == 1 and "Support Title ␛]2;PWNED␇" in result.err
    assert unsafe_in(result.err) == []


# -- email filled in from hostile text ---------------------------------------------------------


def test_a_template_filled_with_hostile_text_gives_text() -> None:
    """As the courier fills in and composes an email: the template filled in
    by the child process, the message composed from what it made."""
    template = Template(name="Echo", subject="Re: {{ ticket.subject }}",
                        body="You wrote:\n{{ ticket.content }}\n")
    values = {"ticket": {"subject": HOSTILE["window title"],
                         "content": "line one\n\x1b[31mred\x1b[0m \u202e"}}
    with Renderer() as renderer:
        subject, body = renderer.fill([("subject", template.subject, LINE_CHARS),
                                       ("body", template.body, BODY_CHARS)], values)
    message = compose(sender="Support <support@example.com>",
                      to=recipient("Ada", "ada@example.com"), subject=subject, body=body,
                      now=datetime(2026, 11, 23, tzinfo=UTC)).message
    assert str(message["Subject"]) == "Re: Title ]2;PWNED"
    assert message.get_content() == "You wrote:\nline one\n␛[31mred␛[0m �\n"
