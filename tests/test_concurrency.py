"""Several OS processes on one data dir at once (DESIGN.md, "Local data":
writers take a file lock, every process follows the journal's growth).

Each writer is a fresh Python process that waits for a start signal, so the
writers really run side by side."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from core_fixtures import ADMIN, MutableClock, journal_lines

from core import Desk, open_desk

ROOT = Path(__file__).resolve().parent.parent

PRELUDE = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from core import LOCAL_ADMIN, open_desk
    data_dir, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    desk = open_desk(data_dir)
    (data_dir.parent / f"ready-{name}").touch()
    go = data_dir.parent / "go"
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.001)
""")

# A short pause between commands, as between an agent's keystrokes: the
# writer lock is polled, so a writer that never pauses keeps it to itself.
CREATE_TICKETS = PRELUDE + textwrap.dedent("""
    for n in range(count):
        desk.create_ticket(LOCAL_ADMIN, "0", "New", f"{name} {n}")
        time.sleep(0.002)
""")

CREATE_PIPELINES = PRELUDE + textwrap.dedent("""
    for n in range(count):
        desk.create_pipeline(f"{name} {n}", LOCAL_ADMIN)
        time.sleep(0.002)
""")

# "left" sets a priority on every ticket while "right" closes every ticket.
WORK_TICKETS = PRELUDE + textwrap.dedent("""
    for n in range(1, count + 1):
        if name == "left":
            desk.edit_ticket(str(n), {"priority": "urgent"}, LOCAL_ADMIN)
        else:
            desk.move_ticket(str(n), "Closed", LOCAL_ADMIN)
        time.sleep(0.002)
""")


def run_side_by_side(data_dir: Path, script: str, count: int,
                     while_running: Desk | None = None) -> int:
    """Start a "left" and a "right" writer, let them go at once, and wait.
    Meanwhile `while_running` (a reader) refreshes; returns how often its
    refresh brought something."""
    for signal in ("go", "ready-left", "ready-right"):
        (data_dir.parent / signal).unlink(missing_ok=True)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(data_dir), side, str(count)],
                                cwd=ROOT, stderr=subprocess.PIPE, text=True)
               for side in ("left", "right")]
    # Both import and open the desk, say they are ready, and wait for "go".
    deadline = time.monotonic() + 60
    while not all((data_dir.parent / f"ready-{side}").exists() for side in ("left", "right")):
        assert time.monotonic() < deadline and all(w.poll() is None for w in writers)
        time.sleep(0.005)
    (data_dir.parent / "go").touch()
    heard = 0
    while while_running is not None and any(w.poll() is None for w in writers):
        heard += while_running.refresh() is not None
        time.sleep(0.005)
    errors = [w.communicate(timeout=120)[1] for w in writers]
    assert [w.returncode for w in writers] == [0, 0], errors
    return heard


def test_two_processes_creating_200_tickets_each_lose_and_double_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    reader = open_desk(data_dir, clock=MutableClock())
    count = 200
    heard = run_side_by_side(data_dir, CREATE_TICKETS, count, while_running=reader)

    desk = open_desk(data_dir, clock=MutableClock())
    tickets = desk.tickets(ADMIN)
    assert len(tickets) == 2 * count
    assert sorted(int(t.id) for t in tickets) == list(range(1, 2 * count + 1))
    subjects = sorted(t.subject for t in tickets)
    assert subjects == sorted(f"{side} {n}" for side in ("left", "right") for n in range(count))
    # Each writer's tickets got ids in the order it made them.
    for side in ("left", "right"):
        mine = [t for t in sorted(tickets, key=lambda t: int(t.id)) if t.subject.startswith(side)]
        assert [t.subject for t in mine] == [f"{side} {n}" for n in range(count)]
    assert [line["seq"] for line in journal_lines(data_dir)] == list(range(1, 2 * count + 1))
    assert desk.warnings == []
    assert not (data_dir / "tickets.jsonl.corrupt").exists()
    # The two really wrote side by side: their entries take turns in the journal.
    sides = [t.subject.split()[0] for t in sorted(tickets, key=lambda t: int(t.id))]
    assert sum(a != b for a, b in zip(sides, sides[1:], strict=False)) > 1

    # A reader that followed along (whole lines only) ends where a fresh open does.
    assert heard > 0
    reader.refresh()
    assert reader.state.tickets == desk.state.tickets
    assert reader.warnings == []


def test_two_processes_changing_settings_at_once_lose_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    open_desk(data_dir, clock=MutableClock())
    count = 12
    run_side_by_side(data_dir, CREATE_PIPELINES, count)
    desk = open_desk(data_dir, clock=MutableClock())
    labels = [p.label for p in desk.pipelines(ADMIN)]
    assert sorted(labels) == sorted(["Support pipeline"] + [
        f"{side} {n}" for side in ("left", "right") for n in range(count)])
    ids = [p.id for p in desk.pipelines(ADMIN)] + [
        s.id for p in desk.pipelines(ADMIN) for s in p.stages]
    assert len(ids) == len(set(ids)) == 5 * (2 * count + 1)


def test_two_processes_changing_the_same_tickets_keep_both_changes(tmp_path: Path) -> None:
    data_dir = tmp_path / "desk"
    first = open_desk(data_dir, clock=MutableClock())
    count = 60
    for n in range(count):
        first.create_ticket(ADMIN, "0", "New", f"Ticket {n}")
    run_side_by_side(data_dir, WORK_TICKETS, count)
    desk = open_desk(data_dir, clock=MutableClock())
    assert {(t.priority, t.stage) for t in desk.tickets(ADMIN)} == {("URGENT", "4")}
    assert all(t.close_date is not None for t in desk.tickets(ADMIN))
    assert [line["seq"] for line in journal_lines(data_dir)] == list(range(1, 3 * count + 1))
