"""The local store: reopening, snapshots, torn and broken files, several
processes on one data dir (DESIGN.md, "Local data")."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from core_fixtures import MutableClock as Clock
from core_fixtures import data_dir, reopen
from core_fixtures import data_files as snapshot_of_files

from core import LOCAL_ADMIN, DataFileError, Desk, open_desk
from core.desk import TicketDraft
from core.events import Notice
from core.store import local

A = LOCAL_ADMIN


def fill(desk: Desk, n: int) -> list[str]:
    return [desk.create_ticket(A, "0", "New", f"Ticket {i}").id for i in range(n)]


def journal_seqs(directory: Path) -> list[int]:
    lines = (directory / "tickets.jsonl").read_bytes().splitlines()
    return [json.loads(line)["seq"] for line in lines]


def test_reopen_gives_the_same_desk(desk: Desk) -> None:
    fill(desk, 5)
    desk.move_ticket("2", "Closed", A)
    desk.edit_ticket("3", {"priority": "high"}, A)
    desk.delete_ticket("4", A)
    again = reopen(desk)
    assert again.state.tickets == desk.state.tickets
    assert again.state.seq == desk.state.seq == 8


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
    journal = desk._store.journal
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
def test_opening_compacts_a_long_tail(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "COMPACT_AFTER", 10)
    fill(desk, 12)
    assert not (data_dir(desk) / "tickets.json").exists()
    again = reopen(desk)
    snapshot = json.loads((data_dir(again) / "tickets.json").read_text())
    assert snapshot["seq"] == 12
    assert len(reopen(again).state.tickets) == 12


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
def test_a_broken_line_inside_the_journal_is_named(desk: Desk) -> None:
    fill(desk, 3)
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[1] = b'{"seq": 2, "oops"\n'
    journal.write_bytes(b"".join(lines))
    before = snapshot_of_files(data_dir(desk))
    with pytest.raises(DataFileError, match=r"tickets.jsonl, line 2: cannot read entry"):
        reopen(desk)
    assert snapshot_of_files(data_dir(desk)) == before


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


@pytest.mark.files
def test_another_process_s_changes_arrive_with_refresh(desk: Desk, clock: Clock) -> None:
    other = open_desk(data_dir(desk), clock=clock)
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


@pytest.mark.files
def test_a_writer_catches_up_before_it_checks(desk: Desk, clock: Clock) -> None:
    """A stale process must not break a rule another process's change set up."""
    other = open_desk(data_dir(desk), clock=clock)
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
    tid = desk.create_ticket(A, "0", "Waiting on us", "Stuck").id

    def disk_full(config: object) -> None:
        raise OSError("No space left on device")

    monkeypatch.setattr(desk._store, "save_settings", disk_full)
    with pytest.raises(OSError):
        desk.delete_stage("Waiting on us", A, move_to="New")
    assert "Waiting on us" not in [s.label for s in desk.pipeline("0", A).stages]
    assert desk.ticket(tid, A).stage == "1"
    monkeypatch.undo()
    assert "Waiting on us" not in (data_dir(reopen(desk)) / "desk.toml").read_text()
