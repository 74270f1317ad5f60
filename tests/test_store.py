"""The local store (DESIGN.md, "Local data"): reopening, the snapshot and the
journal's tail, torn and broken files named by file and line, and a second
desk on the same data dir following the first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    data_dir,
    data_files,
    journal_lines,
    line_of,
    new_ticket,
    refusal,
    reopen,
    stored,
)

from core import DataFileError, Desk, open_desk
from core.events import Notice, TicketCreated
from core.store import local


def busy(desk: Desk) -> None:
    """Some of everything: pipelines, stages, contacts, tickets moved, edited
    and deleted."""
    desk.create_pipeline("Billing", ADMIN)
    desk.add_stage("0", "Escalated", "open", ADMIN)
    desk.add_contact("kari@example.no", ADMIN, name="Kari", marketing=True)
    for n in range(6):
        new_ticket(desk, f"Ticket {n}")
    desk.move_ticket("2", "Closed", ADMIN)
    desk.move_ticket("3", "New", ADMIN, pipeline="Billing")
    desk.edit_ticket("4", {"priority": "high", "contact": "kari@example.no"}, ADMIN)
    desk.delete_ticket("5", ADMIN)


def same_desk(a: Desk, b: Desk) -> None:
    assert a.config == b.config
    assert a.state.tickets == b.state.tickets
    assert a.state.contacts == b.state.contacts
    assert (a.state.seq, a.state.last_ticket_id) == (b.state.seq, b.state.last_ticket_id)


def open_fails(data_dir: Path) -> DataFileError:
    """Opening refuses with a DataFileError and writes nothing at all."""
    before = data_files(data_dir)
    with pytest.raises(DataFileError) as info:
        open_desk(data_dir, clock=MutableClock())
    assert data_files(data_dir) == before
    return info.value


# -- reopening -------------------------------------------------------------------


def test_reopen_gives_the_same_desk(desk: Desk) -> None:
    busy(desk)
    again = reopen(desk)
    same_desk(again, desk)
    assert [t.subject for t in again.tickets(ADMIN)] == [
        "Ticket 0", "Ticket 1", "Ticket 2", "Ticket 3", "Ticket 5"]
    assert again.warnings == []


@pytest.mark.files
def test_the_journal_is_one_numbered_line_per_change(desk: Desk) -> None:
    busy(desk)
    lines = journal_lines(data_dir(desk))
    assert [line["seq"] for line in lines] == list(range(1, 12))
    assert [line["event"]["type"] for line in lines] == (
        ["contact.added"] + ["ticket.created"] * 6 + ["ticket.changed"] * 3
        + ["ticket.deleted"])
    assert {line["actor"] for line in lines} == {"user:admin"}


@pytest.mark.files
def test_compaction_then_reopen(desk: Desk) -> None:
    busy(desk)
    desk.compact()
    snapshot = json.loads((data_dir(desk) / "tickets.json").read_text())
    assert (snapshot["seq"], snapshot["last_ticket_id"], len(snapshot["tickets"])) == (11, 6, 5)
    assert snapshot["journal_offset"] == (data_dir(desk) / "tickets.jsonl").stat().st_size
    again = reopen(desk)
    same_desk(again, desk)
    # The journal is kept whole: timelines reach back past the snapshot.
    assert [i.what for i in again.timeline("2", ADMIN)] == [
        "Created in Support pipeline / New", "Moved"]
    assert new_ticket(again).id == "7"


@pytest.mark.files
def test_load_is_the_snapshot_plus_the_journal_s_tail(desk: Desk) -> None:
    busy(desk)
    desk.compact()
    desk.move_ticket("1", "Escalated", ADMIN)  # only in the journal's tail
    new_ticket(desk, "After the snapshot")
    # Prove the snapshot is what is read (not a replay of the whole
    # journal): a change made only in tickets.json shows up.
    path = data_dir(desk) / "tickets.json"
    path.write_text(path.read_text().replace('"subject":"Ticket 0"', '"subject":"From snapshot"'))
    again = reopen(desk)
    assert again.ticket("1", ADMIN).subject == "From snapshot"
    assert again.ticket("1", ADMIN).stage == desk.ticket("1", ADMIN).stage
    assert again.ticket("7", ADMIN).subject == "After the snapshot"
    assert again.state.seq == 13


@pytest.mark.files
def test_opening_compacts_a_long_tail(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "COMPACT_AFTER", 5)
    for n in range(7):
        new_ticket(desk, f"Ticket {n}")
    assert not (data_dir(desk) / "tickets.json").exists()
    again = reopen(desk)
    assert json.loads((data_dir(desk) / "tickets.json").read_text())["seq"] == 7
    same_desk(reopen(desk), again)


# -- a torn last line ---------------------------------------------------------------


def tear_last_line(data_dir: Path, keep: int = 20) -> bytes:
    """Cut the journal's last line after `keep` bytes, as a crash mid-write
    would; returns the piece left behind."""
    path = data_dir / "tickets.jsonl"
    data = path.read_bytes()
    start = data.rstrip(b"\n").rfind(b"\n") + 1
    path.write_bytes(data[:start + keep])
    return data[start:start + keep]


@pytest.mark.files
def test_a_journal_cut_mid_line_is_set_aside_with_a_warning(desk: Desk) -> None:
    for n in range(3):
        new_ticket(desk, f"Ticket {n}")
    piece = tear_last_line(data_dir(desk))

    again = reopen(desk)
    [warning] = again.warnings
    assert "tickets.jsonl" in warning and "cut short" in warning
    assert "tickets.jsonl.corrupt" in warning
    assert (data_dir(desk) / "tickets.jsonl.corrupt").read_bytes() == piece + b"\n"
    # Everything before the torn line is loaded; the torn ticket is not.
    assert [t.subject for t in again.tickets(ADMIN)] == ["Ticket 0", "Ticket 1"]
    assert (data_dir(desk) / "tickets.jsonl").read_bytes().endswith(b"\n")

    # The next change goes on a line of its own, and the desk opens clean.
    assert new_ticket(again, "After the crash").id == "3"
    assert [line["seq"] for line in journal_lines(data_dir(desk))] == [1, 2, 3]
    third = reopen(desk)
    assert third.warnings == []
    assert [t.subject for t in third.tickets(ADMIN)] == ["Ticket 0", "Ticket 1", "After the crash"]


@pytest.mark.files
def test_a_torn_line_after_the_snapshot_is_set_aside_too(desk: Desk) -> None:
    new_ticket(desk, "Before")
    desk.compact()
    new_ticket(desk, "Torn")
    tear_last_line(data_dir(desk), keep=5)
    again = reopen(desk)
    assert len(again.warnings) == 1
    assert [t.subject for t in again.tickets(ADMIN)] == ["Before"]
    assert new_ticket(again).id == "2"
    assert reopen(desk).warnings == []


@pytest.mark.files
def test_a_live_writer_sets_aside_another_process_s_torn_line(desk: Desk) -> None:
    other = reopen(desk)
    new_ticket(other, "Whole")
    new_ticket(other, "Torn")
    tear_last_line(data_dir(desk))  # the other process died mid-write
    assert desk.refresh() is not None  # a reader takes whole lines only ...
    assert desk.warnings == []  # ... and leaves the rest to a writer
    ticket = new_ticket(desk, "Mine")
    assert ticket.id == "2"
    assert len(desk.warnings) == 1
    assert [line["seq"] for line in journal_lines(data_dir(desk))] == [1, 2]
    assert [t.subject for t in reopen(desk).tickets(ADMIN)] == ["Whole", "Mine"]


# -- desk.toml that cannot be read ------------------------------------------------------


@pytest.mark.files
def test_a_toml_syntax_error_names_desk_toml_and_the_line(desk: Desk) -> None:
    busy(desk)
    desk.compact()
    new_ticket(desk)
    path = data_dir(desk) / "desk.toml"
    text = path.read_text().replace('label = "Billing"', 'label = "Billing', 1)
    path.write_text(text)
    err = open_fails(data_dir(desk))
    assert err.path == "desk.toml"
    assert err.line == line_of(path, 'label = "Billing')
    assert str(err).startswith(f"desk.toml, line {err.line}: ")


@pytest.mark.files
@pytest.mark.parametrize("garbage", ["pipelines = [", "[[pipelines]\n", "next_id = = 3",
                                     "schema_version = 1\nschema_version = 2"])
def test_any_broken_toml_is_refused_before_anything_is_written(desk: Desk, garbage: str) -> None:
    new_ticket(desk)
    path = data_dir(desk) / "desk.toml"
    path.write_text(path.read_text() + "\n" + garbage + "\n")
    err = open_fails(data_dir(desk))
    assert err.path == "desk.toml" and err.line is not None
    assert err.line <= len(path.read_text().splitlines())


@pytest.mark.files
def test_a_desk_toml_cut_short_names_the_line_it_stops_on(desk: Desk) -> None:
    path = data_dir(desk) / "desk.toml"
    text = path.read_text()
    path.write_text(text[: text.index('"Waiting on us"') + 5])
    err = open_fails(data_dir(desk))
    assert err.line == len(path.read_text().splitlines())
    assert "Unterminated string at the end of the file" in err.problem


@pytest.mark.files
def test_desk_toml_that_is_not_utf8_is_refused(desk: Desk) -> None:
    path = data_dir(desk) / "desk.toml"
    path.write_bytes(path.read_bytes().replace(b"Support pipeline", b"Support \xff pipeline"))
    assert "not UTF-8" in str(open_fails(data_dir(desk)))


def replace_in_settings(desk: Desk, old: str, new: str) -> Path:
    path = data_dir(desk) / "desk.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.files
def test_a_wrong_stage_state_is_named_with_its_line(desk: Desk) -> None:
    path = replace_in_settings(desk, 'label = "Waiting on us", state = "open"',
                               'label = "Waiting on us", state = "opne"')
    err = open_fails(data_dir(desk))
    assert "pipelines[0].stages[2].state" in err.problem
    assert "'open' or 'closed'" in err.problem
    assert err.line == line_of(path, '"opne"')


@pytest.mark.files
def test_a_stage_asking_for_a_read_only_property_is_refused(desk: Desk) -> None:
    replace_in_settings(desk, 'state = "closed", properties = []',
                        'state = "closed", properties = [{ name = "close_date" }]')
    err = open_fails(data_dir(desk))
    assert err.path == "desk.toml"
    assert "stage 'Closed' asks for property 'close_date', which is read-only" in err.problem


@pytest.mark.files
def test_a_stage_asking_for_an_undefined_property_is_refused(desk: Desk) -> None:
    replace_in_settings(desk, 'state = "closed", properties = []',
                        'state = "closed", properties = [{ name = "resolution" }]')
    assert "which the desk does not define" in open_fails(data_dir(desk)).problem


@pytest.mark.files
@pytest.mark.parametrize(("old", "new", "problem", "at"), [
    ("include_chat = false", "include_chats = false",
     "pipelines[0].automation.include_chats: unknown key (a typo?)",
     "include_chats = false"),
    ('label = "Support pipeline"', 'lable = "Support pipeline"',
     "pipelines[0].label: Field required (and 1 more problem)", 'id = "0"'),
    ("next_id = 5", 'next_id = "five"', "next_id: Input should be a valid integer",
     'next_id = "five"'),
    ('role = "administrator"', 'role = "boss"', "users[0].role", 'role = "boss"'),
    ("close_date = true", 'close_date = "sometimes"', "automation.close_date",
     'close_date = "sometimes"'),
])
def test_a_wrong_value_is_named_with_its_line(desk: Desk, old: str, new: str, problem: str,
                                              at: str) -> None:
    path = replace_in_settings(desk, old, new)
    err = open_fails(data_dir(desk))
    assert problem in err.problem
    assert err.line == line_of(path, at)


@pytest.mark.files
@pytest.mark.parametrize(("old", "new", "problem"), [
    ('{ id = "4", label = "Closed", state = "closed"',
     '{ id = "4", label = "Closed", state = "open"',
     "must keep at least one Closed stage"),
    ('{ id = "2", label', '{ id = "1", label', "id '1' is used twice"),
    ('label = "Waiting on us"', 'label = "new"', "has two stages labelled 'new'"),
    ("next_id = 5", "next_id = 3", "next_id 3 is not above the highest id in use (4)"),
    ('role = "administrator"', 'role = "agent"', "at least one user with role"),
    ("schema_version = 1", "schema_version = 99", "newer than this pipedesk understands"),
])
def test_settings_that_break_a_rule_are_refused(desk: Desk, old: str, new: str,
                                                problem: str) -> None:
    replace_in_settings(desk, old, new)
    err = open_fails(data_dir(desk))
    assert err.path == "desk.toml"
    assert problem in err.problem


@pytest.mark.files
def test_a_missing_desk_toml_beside_tickets_is_refused(desk: Desk) -> None:
    new_ticket(desk)
    (data_dir(desk) / "desk.toml").unlink()
    err = open_fails(data_dir(desk))
    assert "desk.toml: missing, but this data dir holds tickets" in str(err)
    assert not (data_dir(desk) / "desk.toml").exists()


@pytest.mark.files
def test_a_live_desk_never_overwrites_a_desk_toml_it_cannot_read(desk: Desk) -> None:
    new_ticket(desk)
    path = replace_in_settings(desk, 'state = "closed"', 'state = "shut"')
    before = stored(desk)
    with pytest.raises(DataFileError, match="desk.toml, line"):
        desk.create_pipeline("Billing", ADMIN)
    with pytest.raises(DataFileError, match="desk.toml, line"):
        desk.move_ticket("1", "Closed", ADMIN)
    assert stored(desk) == before
    assert 'state = "shut"' in path.read_text()


# -- tickets.json and tickets.jsonl that cannot be read -----------------------------------


def snapshot_desk(desk: Desk) -> Path:
    desk.add_contact("kari@example.no", ADMIN)
    for subject in ("First", "Second", "Third"):
        new_ticket(desk, subject)
    desk.compact()
    return data_dir(desk) / "tickets.json"


def rebuilt(desk: Desk, path: Path, *said: str) -> Desk:
    """Opening a desk whose snapshot is damaged: the journal holds
    everything, so the desk opens as it was, with a warning that names the
    snapshot and what was wrong; the damaged file is kept beside it and a
    good one written (the next open is quiet)."""
    damaged = path.read_bytes()
    again = reopen(desk)
    same_desk(again, desk)
    assert len(again.warnings) == 1
    warning = again.warnings[0]
    for fragment in ("tickets.json could not be used", "set aside in tickets.json.corrupt",
                     *said):
        assert fragment in warning, (fragment, warning)
    assert (data_dir(desk) / "tickets.json.corrupt").read_bytes() == damaged
    assert json.loads(path.read_bytes())["seq"] == desk.state.seq
    third = reopen(desk)
    assert third.warnings == []
    same_desk(third, desk)
    return again


@pytest.mark.files
def test_4_a_garbage_snapshot_is_set_aside_and_made_again(desk: Desk) -> None:
    path = snapshot_desk(desk)
    path.write_text("this is not json\n")
    rebuilt(desk, path, "line 1: JSON is malformed")


@pytest.mark.files
def test_4_a_wrong_type_in_a_snapshot_ticket_is_named_by_its_line(desk: Desk) -> None:
    path = snapshot_desk(desk)
    path.write_text(path.read_text().replace('"subject":"Second"', '"subject":2'))
    line = line_of(path, '"subject":2')
    rebuilt(desk, path, f"line {line}: Expected `str`, got `int`")


@pytest.mark.files
def test_4_a_wrong_type_in_a_snapshot_contact_is_named_by_its_line(desk: Desk) -> None:
    path = snapshot_desk(desk)
    path.write_text(path.read_text().replace('"marketing":false', '"marketing":"no"'))
    line = line_of(path, '"marketing":"no"')
    rebuilt(desk, path, f"line {line}: Expected `bool`, got `str`")


@pytest.mark.files
def test_4_a_snapshot_cut_short_is_set_aside_and_made_again(desk: Desk) -> None:
    path = snapshot_desk(desk)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    last = data[: len(data) // 2].count(b"\n") + 1
    rebuilt(desk, path, f"line {last}: Input data was truncated")


@pytest.mark.files
def test_4_an_earlier_set_aside_snapshot_is_kept(desk: Desk) -> None:
    path = snapshot_desk(desk)
    earlier = data_dir(desk) / "tickets.json.corrupt"
    earlier.write_bytes(b"an earlier damaged snapshot")
    path.write_text("not json either")
    again = reopen(desk)
    assert "set aside in tickets.json.corrupt-2" in again.warnings[0]
    assert earlier.read_bytes() == b"an earlier damaged snapshot"
    assert (data_dir(desk) / "tickets.json.corrupt-2").read_text() == "not json either"


@pytest.mark.files
def test_a_snapshot_covering_more_journal_than_there_is_is_refused(desk: Desk) -> None:
    snapshot_desk(desk)
    journal = data_dir(desk) / "tickets.jsonl"
    journal.write_bytes(b"".join(journal.read_bytes().splitlines(keepends=True)[:2]))
    err = open_fails(data_dir(desk))
    assert err.path == "tickets.json"
    assert re.search(r"covers tickets\.jsonl up to entry 4 \(byte \d+\), but that file "
                     r"holds only 2 entries", err.problem)
    assert "restore the journal from a backup" in err.problem


@pytest.mark.files
@pytest.mark.parametrize("bad", [
    b"this is not json",
    b'{"seq": 2, "at": "2026-11-23T09:00:00Z", "actor": "user:admin"}',
    b'{"seq": 2, "at": "2026-11-23T09:00:00Z", "actor": "user:admin",'
    b' "event": {"type": "ticket.exploded"}}',
    b"{}",
])
def test_a_broken_line_inside_the_journal_is_named(desk: Desk, bad: bytes) -> None:
    for n in range(4):
        new_ticket(desk, f"Ticket {n}")
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[1] = bad + b"\n"
    journal.write_bytes(b"".join(lines))
    err = open_fails(data_dir(desk))
    assert (err.path, err.line) == ("tickets.jsonl", 2)
    assert str(err).startswith("tickets.jsonl, line 2: cannot read entry")


@pytest.mark.files
def test_a_broken_line_and_a_torn_tail_leave_the_journal_untouched(desk: Desk) -> None:
    """A file that cannot be read is never rewritten, not even to set a
    torn tail aside."""
    for n in range(4):
        new_ticket(desk, f"Ticket {n}")
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b"garbage\n" + b"".join(lines[2:])[:-10])
    assert open_fails(data_dir(desk)).line == 2
    assert not (data_dir(desk) / "tickets.jsonl.corrupt").exists()


@pytest.mark.files
def test_missing_or_reordered_journal_lines_are_named(desk: Desk) -> None:
    for n in range(4):
        new_ticket(desk, f"Ticket {n}")
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + lines[2] + lines[3])
    err = open_fails(data_dir(desk))
    assert (err.path, err.line) == ("tickets.jsonl", 2)
    assert "entry numbered 3 where 2 was expected" in err.problem


def test_a_data_dir_that_cannot_be_made_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with refusal("Cannot create the data dir"):
        open_desk(blocker / "desk")


# -- a second desk on the same data dir ----------------------------------------------


def test_refresh_brings_another_desk_s_tickets_and_notices_them(desk: Desk) -> None:
    other = reopen(desk)
    heard: list[Notice] = []
    other.subscribe(heard.append)
    assert other.refresh() is None  # nothing new: nothing said
    ticket = new_ticket(desk, "From the other terminal")
    desk.move_ticket(ticket.id, "Closed", ADMIN)

    notice = other.refresh()
    assert notice is not None and notice.local is False and notice.settings is False
    assert [e.seq for e in notice.entries] == [1, 2]
    assert isinstance(notice.entries[0].event, TicketCreated)
    assert heard == [notice]
    assert other.ticket(ticket.id, ADMIN).stage == "4"
    assert other.refresh() is None
    assert heard == [notice]


def test_refresh_brings_another_desk_s_settings(desk: Desk) -> None:
    other = reopen(desk)
    heard: list[Notice] = []
    other.subscribe(heard.append)
    billing = desk.create_pipeline("Billing", ADMIN)
    desk.rename_stage("1", "Fresh", ADMIN)
    notice = other.refresh()
    assert notice is not None and notice.settings is True and notice.local is False
    assert heard == [notice]
    assert [p.label for p in other.pipelines(ADMIN)] == ["Support pipeline", "Billing"]
    assert other.pipeline(billing.id, ADMIN).label == "Billing"
    assert other.stage("1", ADMIN)[1].label == "Fresh"


def test_own_changes_are_told_as_local(desk: Desk) -> None:
    heard: list[Notice] = []
    unsubscribe = desk.subscribe(heard.append)
    new_ticket(desk)
    desk.create_pipeline("Billing", ADMIN)
    assert [(n.local, n.settings, len(n.entries)) for n in heard] == [
        (True, False, 1), (True, True, 0)]
    unsubscribe()
    new_ticket(desk)
    assert len(heard) == 2


def test_a_writer_catches_up_before_it_checks(desk: Desk) -> None:
    """A stale desk's command is checked against what the other wrote."""
    other = reopen(desk)
    heard: list[Notice] = []
    other.subscribe(heard.append)
    new_ticket(desk, "Theirs")
    desk.create_pipeline("Billing", ADMIN)
    # `other` has not refreshed, yet it neither reuses the ticket id nor the label.
    assert new_ticket(other, "Mine").id == "2"
    with refusal("A pipeline labelled 'Billing' exists already"):
        other.create_pipeline("billing", ADMIN)
    assert [n.local for n in heard] == [False, True]
    assert [t.subject for t in reopen(desk).tickets(ADMIN)] == ["Theirs", "Mine"]


def test_a_ticket_deleted_elsewhere_is_gone_here_too(desk: Desk) -> None:
    other = reopen(desk)
    new_ticket(desk)
    other.refresh()
    desk.delete_ticket("1", ADMIN)
    with refusal("No ticket #1"):
        other.edit_ticket("1", {"priority": "low"}, ADMIN)
