"""The command line end to end, in a temporary data dir.

Most tests run `cli.main` in-process (the same code the console script
runs); a few start the installed `pipedesk` as a user would, to check exit
codes and that no traceback ever reaches the terminal.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_fixtures import new_desk

from cli import main

NOW = "2026-11-23T09:00:00+00:00"
PIPEDESK = Path(sys.executable).with_name("pipedesk")


def files_of(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(directory.iterdir()) if p.is_file() and p.name != ".lock"}


# -- pipelines -------------------------------------------------------------------


def test_a_new_desk_lists_support_pipeline_with_its_four_stages(run: Any, home: Path) -> None:
    """P1"""
    new_desk(home)
    pipelines = run("pipeline", "list", "--json").json()
    assert [p["label"] for p in pipelines] == ["Support pipeline"]
    stages = run("stage", "list", "Support pipeline", "--json").json()
    assert [(s["label"], s["state"]) for s in stages] == [
        ("New", "open"), ("Waiting on contact", "open"), ("Waiting on us", "open"),
        ("Closed", "closed")]
    table = run("stage", "list", "0").out
    assert "Waiting on contact" in table and "Closed" in table


def test_pipeline_create_rename_reorder_delete(run: Any) -> None:
    """P2, P3, P4, P5, P8"""
    created = run("pipeline", "create", "Sales")
    assert created.code == 0 and "Sales" in created.out
    sales_id = next(p["id"] for p in run("pipeline", "list", "--json").json()
                    if p["label"] == "Sales")
    assert run("pipeline", "rename", sales_id, "Billing").code == 0
    assert run("pipeline", "reorder", "Billing", "1").code == 0
    listed = run("pipeline", "list", "--json").json()
    assert [p["label"] for p in listed] == ["Billing", "Support pipeline"]
    assert listed[0]["id"] == sales_id  # P8: the id survived rename and reorder
    assert run("pipeline", "delete", sales_id).code == 0
    assert [p["label"] for p in run("pipeline", "list", "--json").json()] == [
        "Support pipeline"]


def test_pipeline_refusals_exit_1_with_a_message(run: Any) -> None:
    """P2 unique labels, P5 holds tickets / last pipeline, unknown id."""
    run("pipeline", "create", "Sales")
    dup = run("pipeline", "create", "sales")
    assert dup.code == 1 and "exists already" in dup.err and "Traceback" not in dup.err
    run("ticket", "create", "--pipeline", "Sales", "--stage", "New", "--subject", "Quote")
    held = run("pipeline", "delete", "Sales")
    assert held.code == 1 and "holds 1 ticket" in held.err
    unknown = run("pipeline", "rename", "42", "X")
    assert unknown.code == 1 and "No pipeline '42'" in unknown.err
    out_of_range = run("pipeline", "reorder", "Sales", "9")
    assert out_of_range.code == 1 and "out of range" in out_of_range.err
    assert run("ticket", "delete", "1", "--yes").code == 0
    assert run("pipeline", "delete", "Sales").code == 0
    last = run("pipeline", "delete", "Support pipeline")
    assert last.code == 1 and "last pipeline" in last.err


def test_pipeline_list_says_its_counts_are_tickets(run: Any) -> None:
    """Issue 11: OPEN / CLOSED beside STAGES looked like stage counts."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi")
    run("ticket", "create", "--pipeline", "0", "--stage", "Closed", "--subject", "Done")
    header, row = run("pipeline", "list").out.splitlines()
    assert header.split() == ["#", "ID", "LABEL", "STAGES", "OPEN", "TICKETS", "CLOSED",
                              "TICKETS"]
    assert row.split() == ["1", "0", "Support", "pipeline", "4", "1", "1"]


def test_counts_read_with_thousands_separators_and_json_keeps_digits(run: Any) -> None:
    """Issue 11: counts printed 17622 in one place and 50,000 in another."""
    assert run("demo", "--tickets", "2600").out == "Added 2,600 sample tickets.\n"
    [row] = run("pipeline", "list").out.splitlines()[1:]
    opened, closed = (int(n.replace(",", "")) for n in row.split()[-2:])
    assert opened + closed == 2600 and "," in row.split()[-2]
    [data] = run("pipeline", "list", "--json").json()
    assert (data["open_tickets"], data["closed_tickets"]) == (opened, closed)
    held = run("pipeline", "delete", "0")
    assert held.code == 1 and "holds 2,600 tickets" in held.err


# -- stages ------------------------------------------------------------------------


def test_stage_add_rename_reorder_set_state_delete(run: Any) -> None:
    """S1, S3, S4, S6 (with --move-to)"""
    added = run("stage", "add", "0", "Escalated", "--state", "open")
    assert added.code == 0
    stage_id = run("stage", "list", "0", "--json").json()[-1]["id"]
    assert run("stage", "rename", stage_id, "Escalated to L2").code == 0
    assert run("stage", "reorder", stage_id, "2").code == 0
    assert run("stage", "set-state", stage_id, "closed").code == 0
    stages = run("stage", "list", "0", "--json").json()
    assert (stages[1]["id"], stages[1]["label"], stages[1]["state"]) == (
        stage_id, "Escalated to L2", "closed")
    run("ticket", "create", "--pipeline", "0", "--stage", stage_id, "--subject", "Disk full")
    refused = run("stage", "delete", stage_id)
    assert refused.code == 1 and "holds 1 ticket" in refused.err
    deleted = run("stage", "delete", stage_id, "--move-to", "New")
    assert deleted.code == 0 and "1 ticket moved" in deleted.out
    ticket = run("ticket", "show", "1", "--json").json()["ticket"]
    assert ticket["stage_label"] == "New"


def test_stage_refusals(run: Any) -> None:
    """S2 and ambiguous / unknown stage names."""
    last_closed = run("stage", "delete", "Closed")
    assert last_closed.code == 1 and "at least one Closed stage" in last_closed.err
    to_closed = [run("stage", "set-state", s, "closed") for s in ("1", "2")]
    assert all(r.code == 0 for r in to_closed)
    last_open = run("stage", "set-state", "3", "closed")
    assert last_open.code == 1 and "at least one Open stage" in last_open.err
    run("pipeline", "create", "Sales")
    ambiguous = run("stage", "rename", "New", "Fresh")
    assert ambiguous.code == 1 and "fits 2 stages" in ambiguous.err
    unknown = run("stage", "rename", "Nowhere", "X")
    assert unknown.code == 1 and "No stage 'Nowhere'" in unknown.err
    bad_state = run("stage", "add", "0", "Odd", "--state", "maybe")
    assert bad_state.code == 2


# -- contacts and tickets -----------------------------------------------------------


def test_contacts(run: Any) -> None:
    assert run("contact", "add", "kari@example.no", "--name", "Kari Nordmann",
               "--marketing").code == 0
    contacts = run("contact", "list", "--json").json()
    assert contacts == [{"email": "kari@example.no", "name": "Kari Nordmann",
                         "marketing": True, "tickets": 0}]
    dup = run("contact", "add", "KARI@example.no")
    assert dup.code == 1 and "exists already" in dup.err
    for bad in ("no-at-sign", "two@@example.com", "a b@example.com", "a@b.com\r\nBcc: x@y.com"):
        refused = run("contact", "add", bad)
        assert refused.code == 1 and "not an email address" in refused.err, bad
    assert len(run("contact", "list", "--json").json()) == 1


def test_contact_list_says_how_many_tickets_name_each(run: Any) -> None:
    run("contact", "add", "kari@example.no", "--name", "Kari Nordmann", "--marketing")
    run("contact", "add", "ola@example.no")
    for subject in ("Printer on fire", "Invoice twice"):
        run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", subject,
            "--contact", "KARI@example.no")
    listed = run("contact", "list")
    assert listed.code == 0
    assert listed.out.splitlines() == [
        "EMAIL            NAME           MARKETING  TICKETS",
        "kari@example.no  Kari Nordmann  yes        2",
        "ola@example.no                  no         0",
    ]
    assert [c["tickets"] for c in run("contact", "list", "--json").json()] == [2, 0]


def test_contact_edit_changes_the_name_and_marketing_flag_and_says_so(run: Any) -> None:
    run("contact", "add", "kari@example.no", "--name", "Kari")
    edited = run("contact", "edit", "KARI@example.no", "--name", "Kari Nordmann",
                 "--marketing")
    assert edited.code == 0, edited.err
    assert edited.out == ("Kari Nordmann <kari@example.no>: name 'Kari' → 'Kari Nordmann', "
                          "marketing contact no → yes.\n")
    assert run("contact", "list", "--json").json() == [
        {"email": "kari@example.no", "name": "Kari Nordmann", "marketing": True, "tickets": 0}]
    flag = run("contact", "edit", "kari@example.no", "--no-marketing")
    assert flag.out == "Kari Nordmann <kari@example.no>: marketing contact yes → no.\n"
    same = run("contact", "edit", "kari@example.no", "--name", "Kari Nordmann")
    assert (same.code, same.out) == (0, "Kari Nordmann <kari@example.no>: nothing changed.\n")
    assert run("contact", "list", "--json").json()[0]["name"] == "Kari Nordmann"


def test_contact_edit_refusals_change_nothing(run: Any, home: Path) -> None:
    run("contact", "add", "kari@example.no", "--name", "Kari")
    before = files_of(home)
    for args, message in [
        (["nobody@example.no", "--name", "X"], "No contact 'nobody@example.no'"),
        (["kari@example.no"], "Give a new name or marketing flag"),
        (["kari@example.no", "--name", "Kari\nBcc: x@y.com"], "one line of text"),
    ]:
        refused = run("contact", "edit", *args)
        assert refused.code == 1 and message in refused.err, (args, refused.err)
        assert "Traceback" not in refused.err
    assert files_of(home) == before
    assert run("contact", "edit", "kari@example.no", "--email", "new@example.no").code == 2


def test_ticket_lifecycle(run: Any) -> None:
    """T1, T2, T3, T4, T5, T7 through the command line."""
    run("contact", "add", "kari@example.no")
    created = run("ticket", "create", "--pipeline", "Support pipeline", "--stage", "New",
                  "--subject", "Printer on fire", "--contact", "kari@example.no",
                  "--set", "priority=urgent")
    assert created.code == 0 and "#1" in created.out
    moved = run("ticket", "move", "1", "Closed")
    assert moved.code == 0 and "Closed" in moved.out
    shown = run("ticket", "show", "1", "--json").json()
    assert shown["ticket"]["close_date"] == NOW.replace("+00:00", "Z")
    assert shown["ticket"]["priority"] == "URGENT"
    assert run("ticket", "set", "1", "priority=low", "owner=admin").code == 0
    assert run("ticket", "move", "1", "Waiting on us").code == 0
    shown = run("ticket", "show", "1", "--json").json()
    assert shown["ticket"]["close_date"] is None
    assert (shown["ticket"]["priority"], shown["ticket"]["owner"]) == ("LOW", "admin")
    whats = [item["what"] for item in shown["timeline"]]
    assert whats == ["Created in Support pipeline / New", "Moved", "Edited", "Moved"]
    assert {"property": "Priority", "from": "Urgent", "to": "Low"} in shown["timeline"][2][
        "changes"]
    human = run("ticket", "show", "1").out
    assert "Printer on fire" in human and "Timeline" in human and "Stage: New -> Closed" in human
    listed = run("ticket", "list", "--stage", "Waiting on us", "--json").json()
    assert [t["id"] for t in listed] == ["1"]
    assert run("ticket", "delete", "1", "--yes").code == 0
    assert run("ticket", "list", "--json").json() == []
    gone = run("ticket", "show", "1")
    assert gone.code == 1 and "No ticket #1" in gone.err


def test_ticket_move_to_another_pipeline(run: Any) -> None:
    """T2: another pipeline, then its stage."""
    run("pipeline", "create", "Sales")
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Quote")
    moved = run("ticket", "move", "1", "Waiting on us", "--pipeline", "Sales")
    assert moved.code == 0 and "Sales / Waiting on us" in moved.out
    assert run("ticket", "list", "--pipeline", "Sales", "--json").json()[0]["id"] == "1"


def test_ticket_list_across_pipelines_says_each_ticket_s_pipeline(run: Any) -> None:
    """Issue 11: two pipelines both have a stage 'New'; the list said only
    'New'. Narrowed to one pipeline (or a stage), the column would only
    repeat itself, and a desk of one pipeline has no need of it."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer")
    assert run("ticket", "list").out.splitlines()[0].split() == [
        "ID", "STAGE", "PRIORITY", "OWNER", "SUBJECT"]
    run("pipeline", "create", "Sales")
    run("ticket", "create", "--pipeline", "Sales", "--stage", "New", "--subject", "Quote")
    header, *rows = run("ticket", "list").out.splitlines()
    assert header.split() == ["ID", "PIPELINE", "STAGE", "PRIORITY", "OWNER", "SUBJECT"]
    assert [r.split() for r in rows] == [["#1", "Support", "pipeline", "New", "Printer"],
                                        ["#2", "Sales", "New", "Quote"]]
    for narrowed in (("--pipeline", "Sales"), ("--stage", "1")):
        done = run("ticket", "list", *narrowed)
        assert done.code == 0 and "PIPELINE" not in done.out.splitlines()[0], narrowed


def test_ticket_refusals(run: Any) -> None:
    """Unknown property, wrong type, unknown stage, read-only, unknown contact."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Hi")
    cases = [
        (("ticket", "set", "1", "colour=red"), "No property 'colour'"),
        (("ticket", "set", "1", "priority=whenever"), "must be one of"),
        (("ticket", "set", "1", "owner=nobody"), "no user 'nobody'"),
        (("ticket", "set", "1", "close_date=2026-01-01"), "read-only"),
        (("ticket", "set", "1", "subject="), "needs a subject"),
        (("ticket", "move", "1", "Nowhere"), "No stage 'Nowhere'"),
        (("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "x",
          "--contact", "ghost"), "No contact 'ghost'"),
        (("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "  "),
         "needs a subject"),
        (("ticket", "show", "999"), "No ticket #999"),
    ]
    for args, message in cases:
        result = run(*args)
        assert (result.code, message in result.err) == (1, True), (args, result.err)
    # Nothing of the refused commands reached the ticket.
    ticket = run("ticket", "show", "1", "--json").json()
    assert [i["what"] for i in ticket["timeline"]] == ["Created in Support pipeline / New"]


def test_usage_errors_exit_2(run: Any) -> None:
    assert run("ticket", "set", "1", "no-equals-sign").code == 2
    assert run("ticket", "create", "--stage", "New", "--subject", "x").code == 2
    assert run("nonsense").code == 2


def test_delete_without_yes_asks_and_keeps_the_ticket(run: Any) -> None:
    """T5: no confirmation, no deletion."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Keep me")
    refused = run("ticket", "delete", "1")
    assert refused.code == 2 and "--yes" in refused.err
    assert run("ticket", "show", "1").code == 0


def test_demo_is_deterministic_for_a_seed(run: Any, home: Path, tmp_path: Path) -> None:
    assert run("demo", "--tickets", "50", "--seed", "7").code == 0
    first = run("ticket", "list", "--json").json()
    other = tmp_path / "other"
    assert main_json(["--data-dir", str(other), "demo", "--tickets", "50", "--seed", "7"]) == 0
    # The same seed in another data dir, read back by the real program.
    assert subprocess_json(other) == first
    assert len(first) == 50
    assert len({t["stage"] for t in first}) == 4  # spread over the stages


def main_json(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0


def subprocess_json(data_dir: Path) -> Any:
    env = {**os.environ, "PIPEDESK_NOW": NOW}
    done = subprocess.run([str(PIPEDESK), "--data-dir", str(data_dir), "ticket", "list",
                           "--json"], capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout)


# -- the real program, bad files ----------------------------------------------------


def pipedesk(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIPEDESK_NOW": NOW, "PIPEDESK_HOME": str(home)}
    return subprocess.run([str(PIPEDESK), *args], capture_output=True, text=True, env=env)


def test_pipedesk_home_is_the_data_dir(tmp_path: Path) -> None:
    home = tmp_path / "from-env"
    done = pipedesk(home, "pipeline", "create", "Sales")
    assert done.returncode == 0
    assert (home / "desk.toml").exists()
    assert "Sales" in (home / "desk.toml").read_text()


def test_malformed_desk_toml_names_file_and_line_and_writes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    assert pipedesk(home, "ticket", "create", "--pipeline", "0", "--stage", "New",
                    "--subject", "Before").returncode == 0
    settings = home / "desk.toml"
    lines = settings.read_text().splitlines()
    broken_at = next(n for n, line in enumerate(lines) if line.startswith("next_id"))
    lines[broken_at] = "next_id = = 5"
    settings.write_text("\n".join(lines) + "\n")
    before = files_of(home)
    done = pipedesk(home, "ticket", "create", "--pipeline", "0", "--stage", "New",
                    "--subject", "After")
    assert done.returncode == 1
    assert f"desk.toml, line {broken_at + 1}" in done.stderr
    assert "Traceback" not in done.stderr
    assert files_of(home) == before


READING = [("pipeline", "list"), ("stage", "list", "0"), ("property", "list"),
           ("contact", "list"), ("ticket", "list", "--json"), ("ticket", "show", "1"),
           ("stage", "props", "1"), ("automation", "list", "0"), ("automation", "log"),
           ("automation", "templates"), ("notifications",)]


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_a_command_that_only_reads_does_not_create_a_desk(run: Any, home: Path,
                                                          args: tuple[str, ...]) -> None:
    """Issue 11: a mistyped `--data-dir /nonexistent/x/y pipeline list`
    silently made a new desk there."""
    done = run(*args)
    assert done.code == 1 and done.out == ""
    assert done.err == (
        f"pipedesk: No desk in {home}: there is no desk.toml there; nothing was created. "
        f"Check --data-dir; to start a new desk there, open the app once "
        f"(pipedesk --data-dir {home}) or run a command that changes something.\n")
    assert not home.exists()


def test_a_command_that_writes_creates_a_desk_and_says_so(run: Any, home: Path) -> None:
    created = run("pipeline", "create", "Sales")
    assert created.code == 0
    assert created.err == f"pipedesk: Created a new desk in {home}.\n"
    assert "Created pipeline" in created.out
    listed = run("pipeline", "list")
    assert listed.code == 0 and "Sales" in listed.out and listed.err == ""
    again = run("pipeline", "create", "Billing")
    assert again.code == 0 and again.err == ""


def test_no_desk_under_pipedesk_home_points_there(tmp_path: Path) -> None:
    home = tmp_path / "nonexistent" / "x" / "y"
    done = pipedesk(home, "ticket", "list")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"No desk in {home}" in done.stderr
    assert "Check $PIPEDESK_HOME; to start a new desk there, open the app once (pipedesk)" \
        in done.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_wrong_value_in_desk_toml_is_named(tmp_path: Path) -> None:
    home = new_desk(tmp_path / "desk")
    settings = home / "desk.toml"
    text = settings.read_text()
    settings.write_text(text.replace('state = "closed"', 'state = "shut"'))
    done = pipedesk(home, "pipeline", "list")
    assert done.returncode == 1
    assert "desk.toml, line" in done.stderr and "state" in done.stderr
    assert "Traceback" not in done.stderr


def test_4_a_malformed_snapshot_is_set_aside_and_the_desk_made_again(tmp_path: Path) -> None:
    """The snapshot is a cache of the journal: damaged, it is named (file
    and line) in a warning, kept beside as tickets.json.corrupt, and the
    desk opens whole from the journal, with a good snapshot written."""
    home = tmp_path / "desk"
    assert pipedesk(home, "demo", "--tickets", "20").returncode == 0
    listed = pipedesk(home, "ticket", "list", "--json").stdout
    snapshot = home / "tickets.json"
    lines = snapshot.read_text().splitlines()
    broken = max(n for n, line in enumerate(lines) if '"subject":' in line)
    lines[broken] = lines[broken].replace('"subject":', '"subject":12,"x":')
    damaged = ("\n".join(lines) + "\n").encode()
    snapshot.write_bytes(damaged)
    done = pipedesk(home, "ticket", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == listed
    assert f"warning: tickets.json could not be used (line {broken + 1}:" in done.stderr
    assert "Traceback" not in done.stderr
    assert (home / "tickets.json.corrupt").read_bytes() == damaged
    again = pipedesk(home, "ticket", "list", "--json")
    assert (again.returncode, again.stdout, again.stderr) == (0, listed, "")


def test_torn_journal_line_is_set_aside_with_a_warning(tmp_path: Path) -> None:
    home = tmp_path / "desk"
    for subject in ("One", "Two"):
        assert pipedesk(home, "ticket", "create", "--pipeline", "0", "--stage", "New",
                        "--subject", subject).returncode == 0
    journal = home / "tickets.jsonl"
    journal.write_bytes(journal.read_bytes()[:-25])  # a crash mid-write of ticket Two
    done = pipedesk(home, "ticket", "list", "--json")
    assert done.returncode == 0
    assert "warning" in done.stderr and "tickets.jsonl.corrupt" in done.stderr
    assert [t["subject"] for t in json.loads(done.stdout)] == ["One"]
    assert (home / "tickets.jsonl.corrupt").exists()
    again = pipedesk(home, "ticket", "create", "--pipeline", "0", "--stage", "New",
                     "--subject", "Three")
    assert again.returncode == 0 and again.stderr == ""
    listed = json.loads(pipedesk(home, "ticket", "list", "--json").stdout)
    assert [t["subject"] for t in listed] == ["One", "Three"]


def test_help_does_not_touch_the_data_dir(tmp_path: Path) -> None:
    home = tmp_path / "untouched"
    done = pipedesk(home, "--help")
    assert done.returncode == 0 and "pipeline" in done.stdout
    assert not home.exists()


def test_t7_u1_the_command_line_acts_as_the_login_that_made_the_desk(run: Any) -> None:
    """A new desk's administrator is the login that made it; every command
    acts as that user, and the timeline says so by name (T7: who)."""
    assert run("ticket", "create", "--pipeline", "0", "--stage", "New",
               "--subject", "Printer on fire").code == 0
    assert run("ticket", "move", "1", "Closed").code == 0
    timeline = run("ticket", "show", "1", "--json").json()["timeline"]
    assert [item["actor"] for item in timeline] == ["user:admin", "user:admin"]
    assert "  Administrator  Moved" in run("ticket", "show", "1").out


def test_ticket_list_query_sort_limit_and_format(run: Any) -> None:
    """Issue 17 item 1: `ticket list --query Q [--sort F] [--limit N]
    [--format table|json|csv]`; a query's mistake says where, exit 1."""
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer on fire",
        "--set", "priority=urgent")
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Screen, flickers",
        "--set", "priority=low")
    run("ticket", "create", "--pipeline", "0", "--stage", "Closed", "--subject", "VPN down")
    listed = run("ticket", "list", "--query", "stage:open", "--sort", "-priority", "--json")
    assert [t["id"] for t in listed.json()] == ["1", "2"]
    assert [t["id"] for t in run("ticket", "list", "-q", "stage:open", "--sort", "priority",
                                 "--limit", "1", "--format", "json").json()] == ["2"]
    table = run("ticket", "list", "--query", "printer").out.splitlines()
    assert [r.split()[0] for r in table[1:]] == ["#1"]
    import csv

    rows = list(csv.reader(run("ticket", "list", "--query", "-vpn", "--format", "csv"
                               ).out.splitlines()))
    assert rows[0][:4] == ["id", "pipeline", "stage", "state"]
    assert [(r[0], r[2], r[4], r[9]) for r in rows[1:]] == [
        ("1", "New", "Urgent", "Printer on fire"), ("2", "New", "Low", "Screen, flickers")]
    wrong = run("ticket", "list", "--query", "stage:open prio:high")
    assert wrong.code == 1 and "no field 'prio'" in wrong.err, wrong.err
    assert "(column 12 of the query 'stage:open prio:high')" in wrong.err
    assert "Traceback" not in wrong.err
    assert run("ticket", "list", "--sort", "colour").code == 1


def test_ticket_list_view_is_a_saved_query_of_the_persons_config(
        run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 item 2: `ticket list --view NAME`, [views] in the person's
    own config; with --query, both hold."""
    config = tmp_path / "mine.toml"
    config.write_text('[views]\n"Urgent, nobody\'s" = "priority:urgent owner:none"\n')
    monkeypatch.setenv("PIPEDESK_CONFIG", str(config))
    for subject, values in (("Printer on fire", ["--set", "priority=urgent"]),
                            ("Paper jam", ["--set", "priority=urgent", "--set", "owner=admin"]),
                            ("Screen", [])):
        run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", subject,
            *values)
    assert [t["id"] for t in run("ticket", "list", "--view", "urgent, NOBODY'S", "--json"
                                 ).json()] == ["1"]
    assert run("ticket", "list", "--view", "Urgent, nobody's", "--query", "jam", "--json"
               ).json() == []
    missing = run("ticket", "list", "--view", "Mine")
    assert missing.code == 1 and "No view 'Mine'" in missing.err
    assert "(views: \"Urgent, nobody's\")" in missing.err


def test_export_writes_what_the_user_sees_as_csv_or_json_whole_or_not_at_all(
        run: Any, tmp_path: Path) -> None:
    """Issue 17 item 5: `pipedesk export --query Q --format csv|json [-o FILE]`."""
    import csv

    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Printer, on fire",
        "--set", "priority=urgent")
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Screen")
    rows = list(csv.reader(run("export").out.splitlines()))
    assert [r[0] for r in rows] == ["id", "1", "2"] and rows[1][9] == "Printer, on fire"
    assert [t["id"] for t in run("export", "--query", "priority:urgent", "--format", "json"
                                 ).json()] == ["1"]
    out = tmp_path / "urgent.json"
    done = run("export", "-q", "priority:urgent", "--json", "-o", str(out))
    assert done.code == 0 and "Wrote 1 ticket to" in done.err
    assert [t["subject"] for t in json.loads(out.read_text())] == ["Printer, on fire"]
    # A query that does not read writes nothing; nor does a folder that is not there.
    assert run("export", "-q", "prio:x", "-o", str(tmp_path / "x.csv")).code == 1
    assert not (tmp_path / "x.csv").exists()
    gone = run("export", "-o", str(tmp_path / "no" / "such" / "x.csv"))
    assert gone.code == 1 and "nothing was written" in gone.err and "Traceback" not in gone.err


def test_t6_ticket_move_set_delete_with_a_query_change_every_ticket_that_fits(
        run: Any) -> None:
    """Issue 17 item 4: `pipedesk ticket move|set|delete --query Q`, one
    change for the lot, --dry-run listing what would change."""
    for n, priority in enumerate(("urgent", "urgent", "low"), start=1):
        run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", f"T{n}",
            "--set", f"priority={priority}")
    dry = run("ticket", "move", "--query", "priority:urgent", "Closed", "--dry-run")
    assert dry.code == 0 and "Would move 2 tickets to Closed (nothing was changed)" in dry.out
    assert [r.split()[0] for r in dry.out.splitlines()[2:]] == ["#1", "#2"]
    assert {t["stage_label"] for t in run("ticket", "list", "--json").json()} == {"New"}
    moved = run("ticket", "move", "-q", "priority:urgent", "Closed")
    assert moved.code == 0 and moved.out.strip() == "Moved 2 tickets to Closed."
    assert [t["stage_label"] for t in run("ticket", "list", "--json").json()] == [
        "Closed", "Closed", "New"]
    assert run("ticket", "set", "--query", "stage:closed", "owner=admin").out.strip() == (
        "Updated 2 tickets.")
    assert [t["owner"] for t in run("ticket", "list", "--json").json()] == [
        "admin", "admin", None]
    refused = run("ticket", "set", "--query", "stage:open", "priority=whenever")
    assert refused.code == 1 and "must be one of" in refused.err
    assert run("ticket", "delete", "--query", "stage:closed").code == 2  # asks: --yes
    deleted = run("ticket", "delete", "--query", "stage:closed", "--yes")
    assert deleted.out.strip() == "Deleted 2 tickets."
    assert [t["id"] for t in run("ticket", "list", "--json").json()] == ["3"]
    # The one-ticket forms are as they were.
    assert run("ticket", "move", "3", "Closed").out.strip() == (
        "Ticket #3 is in Support pipeline / Closed.")
    assert run("ticket", "move", "Closed").code == 2  # an ID, or --query


def test_sla_pipeline_sla_sets_shows_and_refuses_with_a_message(run: Any) -> None:
    """Issue 17 item 3 on the command line: targets per priority, the
    waiting stages, and the clock in `ticket list --json` / `ticket show`."""
    assert run("pipeline", "sla", "0", "urgent", "--respond", "30m", "--resolve", "4h").code == 0
    shown = run("pipeline", "sla", "0")
    assert "urgent  respond 30m      resolve 4h" in shown.out
    assert "clocks stop in: Waiting on contact" in shown.out
    assert run("pipeline", "sla", "0", "--waiting", "Waiting on us").code == 0
    assert run("pipeline", "sla", "0", "--json").json() == {
        "id": "0", "label": "Support pipeline", "waiting": ["Waiting on us"],
        "targets": {"urgent": {"respond": "30m", "resolve": "4h"}}}
    bad = run("pipeline", "sla", "0", "high", "--respond", "soon")
    assert bad.code == 1 and "'soon' is not a duration" in bad.err and "Traceback" not in bad.err
    assert run("pipeline", "sla", "0", "--waiting", "Closed").code == 1
    assert run("pipeline", "sla", "0", "urgent").code == 2  # a usage mistake: no target given
    assert list(run("pipeline", "sla", "0", "--json").json()["targets"]) == ["urgent"]
    run("ticket", "create", "--pipeline", "0", "--stage", "New", "--subject", "Site down",
        "--set", "priority=urgent")
    [listed] = run("ticket", "list", "--json").json()
    assert listed["sla"] == {"clock": "respond", "due": "2026-11-23T09:30:00+00:00",
                             "left_seconds": 1800, "breached": False, "paused": False}
    assert "SLA" in run("ticket", "show", listed["id"]).out
    assert "respond in 30 min (due 2026-11-23 09:30)" in run("ticket", "show", listed["id"]).out
    assert [t["subject"] for t in run("ticket", "list", "-q", "due:<1h", "--json").json()] == [
        "Site down"]
