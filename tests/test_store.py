"""The stores (DESIGN.md, "Local data"; core/store/base.py): reopening, the
snapshot and the journal's tail, torn and broken files named by file and
line, several desks and processes on one data dir, and the contract every
store keeps (its tests run over the local and the memory store)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    data_dir,
    data_files,
    email_triggers_off,
    journal_lines,
    line_of,
    new_ticket,
    refusal,
    reopen,
    stored,
)
from core_fixtures import MutableClock as Clock
from core_fixtures import data_files as snapshot_of_files

from core import LOCAL_ADMIN, DataFileError, Desk, data_dir_of, open_desk
from core.desk import TicketDraft
from core.events import Notice, TicketChanged, TicketCreated, TicketDeleted, ticket_ids
from core.store import LocalStore, MemoryStore, local


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
    ('role = "administrator"', 'role = "agent"', "at least one active user with role"),
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


# -- several processes on one data dir, and more of the local files ------------

A = LOCAL_ADMIN


def fill(desk: Desk, n: int) -> list[str]:
    return [desk.create_ticket(A, "0", "New", f"Ticket {i}").id for i in range(n)]


def journal_seqs(directory: Path) -> list[int]:
    lines = (directory / "tickets.jsonl").read_bytes().splitlines()
    return [json.loads(line)["seq"] for line in lines]


@pytest.mark.files
def test_a_batch_bigger_than_one_write_is_whole_and_in_order(desk: Desk) -> None:
    """A bulk import (and the automation after it) appends in slices; every
    line is there once, in order, and reads back as the same desk."""
    desk.create_tickets([TicketDraft("0", "New", f"Ticket {i}") for i in range(10_000)], A)
    assert journal_seqs(data_dir(desk)) == list(range(1, 10_001))
    again = reopen(desk)
    assert again.state.tickets == desk.state.tickets
    assert again.ticket("10000", A).subject == "Ticket 9999"


@pytest.mark.files
def test_the_journal_read_from_its_end_gives_the_same_lines_newest_first(desk: Desk) -> None:
    """Timelines and the log read the journal backwards, from match to
    match: with a line still being written at the end, they see every whole
    line holding the needle, newest first."""
    desk.create_tickets([TicketDraft("0", "New", f"Ticket {i}") for i in range(6_000)], A)
    store = desk.store
    assert isinstance(store, LocalStore)
    journal = store.journal
    with open(journal.path, "ab") as f:
        f.write(b'{"seq":6001,"at":"2026-11-23T09:00:00Z","actor":"user:admin","ev')
    whole = journal.path.read_bytes().splitlines()[:-1]
    for needle in (b'"ticket.created"', b'"Ticket 5999"', b'"Ticket 0"', b"no such text"):
        forwards = [json.loads(line)["seq"] for line in whole if needle in line]
        assert [e.seq for e in journal.newest_lines_with(needle)] == forwards[::-1]
    assert [e.seq for e in journal.newest_lines_with(b'"ticket.created"')][:2] == [6000, 5999]


@pytest.mark.files
def test_snapshot_then_journal_tail(desk: Desk) -> None:
    fill(desk, 3)
    desk.compact()
    snapshot = json.loads((data_dir(desk) / "tickets.json").read_text())
    assert (snapshot["seq"], len(snapshot["tickets"])) == (3, 3)
    desk.move_ticket("1", "Closed", A)  # after the snapshot: only in the journal
    again = reopen(desk)
    assert again.ticket("1", A).stage == "4"
    assert len(again.state.tickets) == 3
    # The journal keeps its whole history: timelines reach back past the snapshot.
    assert [i.what for i in again.timeline("1", A)] == [
        "Created in Support pipeline / New", "Moved"]


@pytest.mark.files
def test_a_journal_cut_mid_line_is_set_aside(desk: Desk) -> None:
    fill(desk, 3)
    journal = data_dir(desk) / "tickets.jsonl"
    data = journal.read_bytes()
    last_line_start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut = data[: last_line_start + 40]  # a crash while writing the third ticket
    journal.write_bytes(cut)
    again = reopen(desk)
    assert len(again.warnings) == 1 and "set aside in tickets.jsonl.corrupt" in again.warnings[0]
    assert sorted(again.state.tickets) == ["1", "2"]
    corrupt = (data_dir(again) / "tickets.jsonl.corrupt").read_bytes()
    assert corrupt.startswith(data[last_line_start: last_line_start + 40])
    # The journal goes on cleanly after it.
    assert again.create_ticket(A, "0", "New", "After the crash").id == "3"
    third = reopen(again)
    assert third.warnings == []
    assert journal_seqs(data_dir(third)) == [1, 2, 3]


@pytest.mark.files
def test_a_gap_in_the_journal_is_named(desk: Desk) -> None:
    fill(desk, 3)
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + lines[2])
    with pytest.raises(DataFileError, match=r"line 2: entry numbered 3 where 2 was expected"):
        reopen(desk)


@pytest.mark.files
@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("next_id = ", "next_id = = "), r"desk.toml, line \d+: column"),
    (lambda t: t.replace('state = "closed"', 'state = "shut"'),
     r"desk.toml, line \d+: pipelines\[0\].stages\[3\].state: Input should be"),
    (lambda t: t.replace('label = "Support pipeline"', 'lable = "Support pipeline"'),
     r"desk.toml, line \d+: pipelines\[0\].label: Field required"),
    (lambda t: t.replace('state = "closed"', 'state = "open"'),
     r"desk.toml, line \d+: Pipeline 'Support pipeline' must keep at least one Closed stage"),
    (lambda t: t.replace('label = "New", state = "open", properties = []',
                         'label = "New", state = "open", properties = [{ name = "close_date" }]'),
     r"desk.toml, line \d+: stage 'New' asks for property 'close_date', which is read-only"),
    (lambda t: t.replace("schema_version = 1", "schema_version = 99"),
     r"desk.toml, line 4: schema_version 99 is newer"),
])
def test_a_broken_desk_toml_is_refused_and_nothing_written(desk: Desk, edit: object,
                                                           message: str) -> None:
    fill(desk, 2)
    settings = data_dir(desk) / "desk.toml"
    settings.write_text(edit(settings.read_text()))  # type: ignore[operator]
    before = snapshot_of_files(data_dir(desk))
    with pytest.raises(DataFileError, match=message):
        reopen(desk)
    assert snapshot_of_files(data_dir(desk)) == before


@pytest.mark.files
def test_the_line_of_a_wrong_value_is_the_right_line(desk: Desk) -> None:
    settings = data_dir(desk) / "desk.toml"
    lines = settings.read_text().splitlines()
    target = next(n for n, line in enumerate(lines) if '"Waiting on us"' in line)
    lines[target] = lines[target].replace('"open"', '"opne"')
    settings.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError) as refused:
        reopen(desk)
    assert refused.value.line == target + 1


@pytest.mark.files
def test_4_a_broken_snapshot_is_named_by_line_and_made_again(desk: Desk) -> None:
    fill(desk, 5)
    desk.compact()
    snapshot = data_dir(desk) / "tickets.json"
    lines = snapshot.read_text().splitlines()
    ticket_line = next(n for n, line in enumerate(lines) if '"subject":"Ticket 3"' in line)
    lines[ticket_line] = lines[ticket_line].replace('"subject":"Ticket 3"', '"subject":3')
    snapshot.write_text("\n".join(lines) + "\n")
    again = reopen(desk)
    assert again.state.tickets == desk.state.tickets
    assert f"tickets.json could not be used (line {ticket_line + 1}: Expected `str`" \
        in again.warnings[0]
    assert '"subject":3' in (data_dir(desk) / "tickets.json.corrupt").read_text()


@pytest.mark.files
def test_a_snapshot_ahead_of_its_journal_is_refused(desk: Desk) -> None:
    fill(desk, 3)
    desk.compact()
    journal = data_dir(desk) / "tickets.jsonl"
    journal.write_bytes(journal.read_bytes().splitlines(keepends=True)[0])
    with pytest.raises(DataFileError, match="tickets.json: it covers tickets.jsonl up to entry 3"):
        reopen(desk)


@pytest.mark.files
def test_missing_settings_beside_tickets_is_refused(desk: Desk) -> None:
    fill(desk, 1)
    (data_dir(desk) / "desk.toml").unlink()
    with pytest.raises(DataFileError, match="desk.toml: missing"):
        reopen(desk)
    assert not (data_dir(desk) / "desk.toml").exists()



def test_another_process_s_changes_arrive_with_refresh(desk: Desk, clock: Clock) -> None:
    other = reopen(desk, clock)
    heard: list[Notice] = []
    desk.subscribe(heard.append)
    other.create_ticket(A, "0", "New", "From the other terminal")
    other.rename_stage("New", "Inbox", A)
    assert desk.refresh() is not None
    assert desk.ticket("1", A).subject == "From the other terminal"
    assert desk.pipeline("0", A).stages[0].label == "Inbox"
    assert [(len(n.entries), n.settings, n.local) for n in heard] == [(1, True, False)]
    assert desk.refresh() is None  # nothing new: nothing heard
    assert len(heard) == 1


def test_p5_a_stale_writer_is_refused_what_another_desk_forbids(desk: Desk, clock: Clock) -> None:
    """A stale process must not break a rule another process's change set up."""
    other = reopen(desk, clock)
    sales = other.create_pipeline("Sales", A)
    other.create_ticket(A, sales.id, "New", "Quote")
    with pytest.raises(Exception, match="holds 1 ticket"):
        desk.delete_pipeline(sales.id, A)  # this desk had not refreshed
    assert desk.create_ticket(A, "0", "New", "Mine").id == "2"  # no id taken twice


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from core import LOCAL_ADMIN, open_desk
    desk = open_desk(Path(sys.argv[1]))
    for n in range(int(sys.argv[3])):
        desk.create_ticket(LOCAL_ADMIN, "0", "New", f"{sys.argv[2]} {n}")
""")


def test_two_processes_appending_at_once_lose_and_double_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    open_desk(data_dir)
    count = 150
    root = str(Path(__file__).resolve().parent.parent)
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(data_dir), name, str(count)],
                                cwd=root) for name in ("left", "right")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    desk = open_desk(data_dir)
    subjects = sorted(t.subject for t in desk.state.tickets.values())
    assert subjects == sorted(f"{side} {n}" for side in ("left", "right") for n in range(count))
    assert sorted(int(i) for i in desk.state.tickets) == list(range(1, 2 * count + 1))
    assert journal_seqs(data_dir) == list(range(1, 2 * count + 1))
    assert desk.warnings == []


@pytest.mark.files
def test_s6_a_failed_settings_write_still_shows_the_stage_gone(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal already moved the tickets: the running desk follows it,
    and the next open writes desk.toml."""
    email_triggers_off(desk)
    tid = desk.create_ticket(A, "0", "Waiting on us", "Stuck").id

    def disk_full(config: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(desk.store, "save_settings", disk_full)
    with pytest.raises(OSError):
        desk.delete_stage("Waiting on us", A, move_to="New")
    assert "Waiting on us" not in [s.label for s in desk.pipeline("0", A).stages]
    assert desk.ticket(tid, A).stage == "1"
    monkeypatch.undo()
    assert "Waiting on us" not in (data_dir(reopen(desk)) / "desk.toml").read_text()


# -- the store's contract (core/store/base.py), kept by every store -------------


def test_store_numbers_the_entries_of_two_desks_one_after_another(desk: Desk) -> None:
    other = reopen(desk)
    for n in range(3):
        new_ticket(desk, f"Mine {n}")
        new_ticket(other, f"Theirs {n}")  # catches up first: numbered after mine
    seqs = [e.seq for e in desk.store.newest_entries()]
    assert seqs == list(range(6, 0, -1))
    assert sorted(t.subject for t in reopen(desk).state.tickets.values()) == [
        "Mine 0", "Mine 1", "Mine 2", "Theirs 0", "Theirs 1", "Theirs 2"]


def test_store_a_failed_command_leaves_nothing_half_written(desk: Desk) -> None:
    """Entries and settings staged in a transaction that fails are dropped
    whole: a new desk over the store sees neither."""
    new_ticket(desk)
    before = stored(desk)
    draft = desk.config.model_copy(deep=True)
    draft.pipelines[0].label = "Renamed in a failed command"
    with pytest.raises(RuntimeError), desk.store.transaction(desk.state, desk.config) as txn:
        txn.record(str(ADMIN), desk.now(), [TicketDeleted(ticket="1", subject="Printer on fire")])
        txn.save_settings(draft)
        raise RuntimeError("the command failed")
    assert stored(desk) == before
    again = reopen(desk)
    assert [t.subject for t in again.state.tickets.values()] == ["Printer on fire"]
    assert again.pipeline("0", ADMIN).label == "Support pipeline"


def test_store_s6_entries_and_settings_commit_as_one(desk: Desk) -> None:
    """A stage deletion is an entry (the tickets' moves) and new settings
    (the stages): another desk sees both at once, or neither."""
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    other = reopen(desk)
    desk.delete_stage("Waiting on us", ADMIN, move_to="New")
    notice = other.refresh()
    assert notice is not None and notice.settings and len(notice.entries) == 1
    assert "Waiting on us" not in [s.label for s in other.pipeline("0", ADMIN).stages]
    assert other.ticket(ticket.id, ADMIN).stage == "1"


def test_store_a_second_desk_catches_up_with_tickets_and_settings(desk: Desk) -> None:
    other = reopen(desk)
    assert other.refresh() is None  # nothing new: nothing to tell
    ticket = new_ticket(desk)
    notice = other.refresh()
    assert notice is not None and not notice.local and not notice.settings
    assert [e.seq for e in notice.entries] == [1]
    assert other.ticket(ticket.id, ADMIN).subject == "Printer on fire"
    other.rename_pipeline("0", "Helpdesk", ADMIN)
    notice = desk.refresh()
    assert notice is not None and notice.settings
    assert desk.pipeline("0", ADMIN).label == "Helpdesk"


def test_store_t7_newest_entries_mentioning_a_ticket_come_newest_first(desk: Desk) -> None:
    first = new_ticket(desk, "First")
    second = new_ticket(desk, "Second")
    desk.edit_ticket(first.id, {"priority": "high"}, ADMIN)
    desk.move_ticket(second.id, "Closed", ADMIN)
    mine = [e for e in desk.store.newest_entries(ticket=first.id)
            if first.id in ticket_ids(e.event)]
    assert [(e.seq, type(e.event)) for e in mine] == [(3, TicketChanged), (1, TicketCreated)]
    created = list(desk.store.newest_entries(kind=TicketCreated))
    assert [e.seq for e in created if isinstance(e.event, TicketCreated)] == [2, 1]
    assert [item.what for item in desk.timeline(first.id, ADMIN)] == [
        "Created in Support pipeline / New", "Edited"]


def test_store_a_memory_desk_writes_no_files(tmp_path: Path, clock: MutableClock) -> None:
    """The memory store is for previews and tests: its desk leaves the
    working directory as it was, and a new Desk over it is the same desk."""
    store = MemoryStore()
    desk = Desk(store, clock=clock)
    assert desk.created and data_dir_of(desk) is None
    new_ticket(desk)
    again = Desk(store, clock=clock)
    assert not again.created
    assert again.state.tickets == desk.state.tickets
    assert list(tmp_path.iterdir()) == []
