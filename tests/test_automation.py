"""The automation engine (A4, A4b–A4e, A5, A6): stage actions run when a
ticket enters a stage, through Desk, logged; delays survive restarts."""

from __future__ import annotations

import multiprocessing
import tomllib
from pathlib import Path
from typing import Any

import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    add_agent,
    add_team,
    data_dir,
    edit_settings,
    new_ticket,
    refusal,
    reopen,
)

from core import Desk, open_desk
from core.access import Actor
from core.automation.actions import (
    AssignOwner,
    Branch,
    Delay,
    Notify,
    SetProperty,
    parse_path,
)
from core.automation.engine import MAX_DEPTH


def _team(desk: Desk, *members: str) -> None:
    for m in members:
        add_agent(desk, m, m.capitalize())
    add_team(desk, "support", "Support", list(members))


def _log(desk: Desk) -> list[tuple[str, str, str]]:
    """(action kind, result, detail) oldest first."""
    return [(i.kind, i.result, i.detail) for i in reversed(desk.automation_log(ADMIN))]


def test_a4_a4c_set_property_runs_when_a_ticket_is_created_in_the_stage(desk: Desk) -> None:
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), ADMIN)
    ticket = new_ticket(desk)
    assert desk.ticket(ticket.id, ADMIN).priority == "HIGH"
    timeline = desk.timeline(ticket.id, ADMIN)
    edit = next(t for t in timeline if t.what == "Edited")
    assert edit.actor == "automation:engine"  # T7: who changed it
    assert edit.changes == (("Priority", "(empty)", "High"),)
    assert "Action 1 (set-property) in New: done — priority set to 'High'" in [
        t.what for t in timeline]
    assert _log(desk) == [("set-property", "done", "priority set to 'High'")]


def test_a4_actions_run_when_a_ticket_is_moved_in_and_not_when_it_is_edited(desk: Desk) -> None:
    desk.add_action("0", "Waiting on us", SetProperty(property="priority", value="urgent"),
                    ADMIN)
    ticket = new_ticket(desk)
    assert desk.ticket(ticket.id, ADMIN).priority is None
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).priority == "URGENT"
    desk.edit_ticket(ticket.id, {"priority": "low"}, ADMIN)
    assert desk.ticket(ticket.id, ADMIN).priority == "LOW"  # no second run


def test_a4_s6_tickets_a_stage_deletion_moves_in_set_off_the_target_stage(desk: Desk) -> None:
    """A4: entering a stage is entering it, whoever moves the ticket; S6's
    move of a deleted stage's tickets counts too."""
    desk.add_action("0", "Waiting on us", Notify(user="admin", message="moved in"), ADMIN)
    tickets = [new_ticket(desk) for _ in range(3)]
    _, target = desk.stage("Waiting on us", ADMIN)
    desk.delete_stage("New", ADMIN, move_to="Waiting on us")
    assert [desk.ticket(t.id, ADMIN).stage for t in tickets] == [target.id] * 3
    texts = [n.text for n in desk.notifications(ADMIN)]
    assert texts == ["moved in"] * 3
    assert [(kind, result) for kind, result, _ in _log(desk)] == [("notify", "done")] * 3


def test_a6_the_log_gives_the_newest_actions_first_as_many_as_asked(desk: Desk) -> None:
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), ADMIN)
    desk.add_action("0", "New", Notify(user="admin"), ADMIN)
    tickets = [new_ticket(desk) for _ in range(3)]
    every = desk.automation_log(ADMIN)
    assert [(i.ticket, i.kind) for i in every] == [
        (t.id, kind) for t in reversed(tickets) for kind in ("notify", "set-property")]
    assert desk.automation_log(ADMIN, limit=3) == every[:3]
    assert desk.automation_log(ADMIN, ticket=tickets[0].id, limit=1) == every[-2:-1]


def test_a4c_branch_runs_one_arm_on_the_condition(desk: Desk) -> None:
    branch = Branch(property="priority", op="equals", value="High",
                    then=[SetProperty(property="content", value="escalate")],
                    otherwise=[SetProperty(property="content", value="routine")])
    desk.add_action("0", "Waiting on us", branch, ADMIN)
    high = new_ticket(desk, "A", priority="high")
    low = new_ticket(desk, "B", priority="low")
    for t in (high, low):
        desk.move_ticket(t.id, "Waiting on us", ADMIN)
    assert desk.ticket(high.id, ADMIN).content == "escalate"
    assert desk.ticket(low.id, ADMIN).content == "routine"
    details = [d for k, _, d in _log(desk) if k == "branch"]
    assert details == ["priority equals 'High': yes, ran then",
                       "priority equals 'High': no, ran else"]


def test_a4c_branch_operators(desk: Desk) -> None:
    desk.create_property("seats", "number", ADMIN)
    cases = [("greater-than", "10", True), ("less-than", "10", False),
             ("not-equals", "12", False), ("is-empty", "", False),
             ("is-not-empty", "", True), ("equals", "12.0", True)]
    for n, (op, value, _) in enumerate(cases):
        desk.add_action("0", "Waiting on us", Branch(
            property="seats", op=op, value=value,
            then=[SetProperty(property="content", value="")]), ADMIN)
        assert n == len(desk.config.pipelines[0].stages[2].actions) - 1
    ticket = new_ticket(desk, seats="12")
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    said = [d.endswith("ran then") for k, _, d in _log(desk) if k == "branch"]
    assert said == [want for _, _, want in cases]
    contains = Branch(property="subject", op="contains", value="FIRE",
                      then=[SetProperty(property="priority", value="urgent")])
    desk.add_action("0", "Closed", contains, ADMIN)
    desk.move_ticket(ticket.id, "Closed", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).priority == "URGENT"


def test_a4c_assign_owner_to_a_user_and_round_robin_over_a_team(desk: Desk,
                                                            clock: MutableClock) -> None:
    _team(desk, "ada", "bo", "cy")
    desk.add_action("0", "New", AssignOwner(team="Support"), ADMIN)
    owners = [new_ticket(desk, f"T{n}").id for n in range(4)]
    assert [desk.ticket(t, ADMIN).owner for t in owners] == ["ada", "bo", "cy", "ada"]
    # The turn is kept (journal and snapshot): a new process goes on where it was.
    desk.compact()
    again = reopen(desk, clock)
    assert new_ticket(again, "T5").owner == "bo"
    desk.add_action("0", "Waiting on us", AssignOwner(user="Cy"), ADMIN)
    desk.move_ticket(owners[0], "Waiting on us", ADMIN)
    assert desk.ticket(owners[0], ADMIN).owner == "cy"


def test_a4b_notifications_reach_a_user_a_team_and_the_owner(desk: Desk) -> None:
    _team(desk, "ada", "bo")
    add_agent(desk, "dee", "Dee")
    desk.add_action("0", "Waiting on us", Notify(user="dee"), ADMIN)
    desk.add_action("0", "Waiting on us", Notify(team="support", message="Look at this"), ADMIN)
    desk.add_action("0", "Waiting on us", Notify(owner=True), ADMIN)
    owned = new_ticket(desk, "Owned", owner="bo")
    desk.move_ticket(owned.id, "Waiting on us", ADMIN)
    dee, ada, bo = (Actor.user(u) for u in ("dee", "ada", "bo"))
    assert [n.text for n in desk.notifications(dee)] == [
        f"Ticket #{owned.id} \u201cOwned\u201d entered Waiting on us."]
    assert [n.text for n in desk.notifications(ada)] == ["Look at this"]
    assert len(desk.notifications(bo)) == 2  # in the team, and the owner
    assert desk.unread_count(bo) == 2
    assert desk.mark_notifications_read(bo) == 2
    assert reopen(desk).unread_count(bo) == 0 and desk.unread_count(ada) == 1
    desk.compact()  # the snapshot keeps notifications and read marks
    again = reopen(desk)
    assert (again.unread_count(ada), again.unread_count(bo)) == (1, 0)
    assert [n.text for n in again.notifications(ada)] == ["Look at this"]
    unowned = new_ticket(desk, "Nobody's")
    desk.move_ticket(unowned.id, "Waiting on us", ADMIN)
    assert ("notify", "skipped", "the ticket has no owner to notify") in _log(desk)


def test_a6_a_failing_action_is_logged_and_the_sequence_goes_on(desk: Desk) -> None:
    desk.create_property("plan", "choice", ADMIN, options=["Gold", "Free"])
    desk.add_action("0", "New", SetProperty(property="plan", value="Gold"), ADMIN)
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), ADMIN)
    desk.edit_property("plan", ADMIN, options=["Silver", "Free"])
    ticket = new_ticket(desk)
    log = _log(desk)
    assert log[0][:2] == ("set-property", "failed") and "Silver" in log[0][2]
    assert log[1][:2] == ("set-property", "done")
    assert desk.ticket(ticket.id, ADMIN).priority == "HIGH"


def test_a4_a_chain_of_moves_stops_at_the_depth_limit(desk: Desk) -> None:
    desk.add_action("0", "Waiting on contact", SetProperty(property="stage",
                                                           value="Waiting on us"), ADMIN)
    desk.add_action("0", "Waiting on us", SetProperty(property="stage",
                                                      value="Waiting on contact"), ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN)
    log = _log(desk)
    assert log[-1][1] == "stopped" and f"limit of {MAX_DEPTH}" in log[-1][2]
    assert sum(1 for kind, result, _ in log if result == "done") == MAX_DEPTH
    # The ticket stays where the last move put it; nothing runs on.
    assert desk.ticket(ticket.id, ADMIN).stage in ("2", "3")
    before = len(log)
    desk.refresh()
    assert len(_log(desk)) == before


def test_a5_chat_tickets_are_left_out_unless_the_pipeline_includes_them(desk: Desk) -> None:
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), ADMIN)
    chat = desk.create_ticket(ADMIN, "0", "New", "Hi from chat", source="chat")
    assert desk.ticket(chat.id, ADMIN).priority is None
    assert _log(desk) == []
    desk.set_chat_rule("0", True, ADMIN)
    chat2 = desk.create_ticket(ADMIN, "0", "New", "Hi again", source="messenger")
    assert desk.ticket(chat2.id, ADMIN).priority == "HIGH"


def test_a4c_a_delay_waits_and_survives_a_restart(desk: Desk, clock: MutableClock) -> None:
    desk.add_action("0", "Waiting on contact", Delay(duration="2h"), ADMIN)
    desk.add_action("0", "Waiting on contact", SetProperty(property="stage", value="Closed"),
                    ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN)
    assert desk.run_due_steps() == 0
    assert _log(desk)[-1][:2] == ("delay", "waiting")
    clock.advance(hours=1, minutes=59)
    desk.compact()  # the waiting step is in the snapshot too
    later = reopen(desk, clock)  # the program was restarted meanwhile
    assert later.run_due_steps() == 0
    clock.advance(minutes=1)
    assert later.run_due_steps() == 1
    assert later.ticket(ticket.id, ADMIN).stage == "4"
    assert later.ticket(ticket.id, ADMIN).close_date == clock.now  # T3 applies
    assert later.run_due_steps() == 0 and desk.run_due_steps() == 0  # once only
    assert reopen(desk, clock).run_due_steps() == 0


def test_a4c_a_delayed_step_is_skipped_when_the_ticket_left_the_stage(desk: Desk,
                                                                  clock: MutableClock) -> None:
    desk.add_action("0", "Waiting on contact", Delay(duration="1d"), ADMIN)
    desk.add_action("0", "Waiting on contact", Notify(user="admin"), ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    clock.advance(days=1)
    assert desk.run_due_steps() == 1
    assert _log(desk)[-1] == ("delay", "skipped",
                              "the ticket left the stage before the delay ended")
    assert desk.notifications(ADMIN) == []


def test_a4c_a_delay_inside_a_branch_keeps_what_follows_the_branch(desk: Desk,
                                                               clock: MutableClock) -> None:
    branch = Branch(property="priority", op="is-empty",
                    then=[Delay(duration="30m"), SetProperty(property="priority", value="low")])
    desk.add_action("0", "New", branch, ADMIN)
    desk.add_action("0", "New", SetProperty(property="content", value="checked"), ADMIN)
    ticket = new_ticket(desk)
    assert desk.ticket(ticket.id, ADMIN).content == ""
    clock.advance(minutes=30)
    desk.run_due_steps()
    done = desk.ticket(ticket.id, ADMIN)
    assert (done.priority, done.content) == ("LOW", "checked")


def test_a6_the_log_numbers_actions_after_a_delay_as_the_stage_does(desk: Desk,
                                                                  clock: MutableClock) -> None:
    """A6: an action that ran once a delay came due is named by its own
    place in the stage's sequence, as the Automate tab numbers it, not by
    its place after the delay ("2 +1")."""
    for action in (SetProperty(property="content", value="a"), Delay(duration="1h"),
                   SetProperty(property="priority", value="high"),
                   Branch(property="priority", op="equals", value="high",
                          then=[SetProperty(property="content", value="b"),
                                Delay(duration="1h"),
                                SetProperty(property="content", value="c")]),
                   SetProperty(property="content", value="d")):
        desk.add_action("0", "New", action, ADMIN)
    ticket = new_ticket(desk)
    clock.advance(hours=1)
    assert desk.run_due_steps() == 1
    clock.advance(hours=1)
    assert desk.run_due_steps() == 1
    assert desk.ticket(ticket.id, ADMIN).content == "d"
    log = [(i.action, i.kind) for i in reversed(desk.automation_log(ADMIN))]
    assert log == [
        ("1", "set-property"), ("2", "delay"),
        ("3 (after the delay)", "set-property"), ("4 (after the delay)", "branch"),
        ("4.then.1 (after the delay)", "set-property"),
        ("4.then.2 (after the delay)", "delay"),
        ("4.then.3 (after the delay)", "set-property"), ("5 (after the delay)", "set-property")]
    said = [t.what for t in desk.timeline(ticket.id, ADMIN)]
    assert "Action 2 (delay) in New: waiting — until 2026-11-23T10:00+00:00" in said
    assert ("Action 3 (set-property, after the delay) in New: done — priority set to 'High'"
            in said)
    assert ("Action 4.then.3 (set-property, after the delay) in New: done — content set to "
            "'c'" in said)


def test_a6_logs_written_before_positions_were_kept_read_as_people_count() -> None:
    """Journals from before this said "2 +1": the first action after the
    delay at 2. Read back, that is action 3, after the delay."""
    from core.automation.actions import run_position
    from core.present import action_run, action_run_cell

    assert run_position("2 +1") == ("3", True)
    assert run_position("2 +2.then.1") == ("4.then.1", True)
    assert run_position("3") == ("3", False)
    assert run_position("2.then.1") == ("2.then.1", False)
    assert run_position("2.then.1 +1") == ("2.then.1 +1", True)  # not certain: as it was
    assert action_run("1 +1", "notify") == "Action 2 (notify, after the delay)"
    assert action_run_cell("1 +1", "notify") == "2 notify (after the delay)"
    assert action_run_cell("4", "notify") == "4 notify"


@pytest.mark.files
def test_a6_a_delay_waiting_from_before_positions_were_kept_logs_as_people_count(
        desk: Desk, clock: MutableClock) -> None:
    desk.add_action("0", "New", Delay(duration="1h"), ADMIN)
    desk.add_action("0", "New", SetProperty(property="priority", value="high"), ADMIN)
    new_ticket(desk)
    journal = data_dir(desk) / "tickets.jsonl"
    lines = journal.read_text().splitlines()
    waiting = [n for n, line in enumerate(lines) if '"automation.delayed"' in line]
    assert len(waiting) == 1 and ',"positions":["2"]' in lines[waiting[0]]
    lines[waiting[0]] = lines[waiting[0]].replace(',"positions":["2"]', "")
    journal.write_text("\n".join(lines) + "\n")  # as an older pipedesk wrote it
    clock.advance(hours=1)
    later = reopen(desk, clock)
    assert later.run_due_steps() == 1
    assert later.automation_log(ADMIN)[0].action == "2 (after the delay)"


def _run_due_in_another_process(data_dir: str, at: str, out: multiprocessing.Queue[int]) -> None:
    from datetime import datetime

    other = open_desk(Path(data_dir), clock=lambda: datetime.fromisoformat(at))
    out.put(other.run_due_steps())


@pytest.mark.files
def test_a4c_two_processes_never_run_one_due_step_twice(desk: Desk, clock: MutableClock) -> None:
    desk.add_action("0", "New", Delay(duration="5m"), ADMIN)
    desk.add_action("0", "New", Notify(user="admin"), ADMIN)
    for n in range(20):
        new_ticket(desk, f"T{n}")
    clock.advance(minutes=5)
    context = multiprocessing.get_context("spawn")
    out: multiprocessing.Queue[int] = context.Queue()
    workers = [context.Process(target=_run_due_in_another_process,
                               args=(str(data_dir(desk)), clock.now.isoformat(), out))
               for _ in range(2)]
    for w in workers:
        w.start()
    here = desk.run_due_steps()
    for w in workers:
        w.join(60)
    ran = [here, out.get(timeout=5), out.get(timeout=5)]
    assert sum(ran) == 20
    desk.refresh()
    assert len(desk.notifications(ADMIN)) == 20


def test_a4e_only_administrators_change_automation(desk: Desk) -> None:
    agent = Actor.user(add_agent(desk).id)
    with refusal("Only administrators may change automation"):
        desk.add_action("0", "New", Notify(owner=True), agent)
    with refusal("Only administrators may change automation"):
        desk.set_chat_rule("0", True, agent)
    desk.add_action("0", "New", Notify(owner=True), ADMIN)
    with refusal("Only administrators"):
        desk.remove_action("0", "New", (0,), agent)
    # A4d: comments are notes, open to every user.
    desk.comment_action("0", "New", (0,), "Owners asked for this", agent)
    action = desk.config.pipelines[0].stages[0].actions[0]
    assert [(c.author, c.text) for c in action.comments] == [
        ("Ingrid Berg", "Owners asked for this")]


def test_a4d_delete_only_this_action_or_this_and_all_after(desk: Desk) -> None:
    for value in ("a", "b", "c", "d"):
        desk.add_action("0", "New", SetProperty(property="content", value=value), ADMIN)

    def values() -> list[str]:
        return [a.value for a in desk.config.pipelines[0].stages[0].actions]  # type: ignore[union-attr]

    desk.remove_action("0", "New", (1,), ADMIN)
    assert values() == ["a", "c", "d"]
    desk.remove_action("0", "New", (1,), ADMIN, and_after=True)
    assert values() == ["a"]
    with refusal("Stage 'New' has no action 5"):
        desk.remove_action("0", "New", (4,), ADMIN)


def test_a4_actions_naming_what_the_desk_lacks_are_refused(desk: Desk) -> None:
    with refusal("No template 'Welcome'"):
        from core.automation.actions import SendEmail
        desk.add_action("0", "New", SendEmail(template="Welcome"), ADMIN)
    with refusal("no user 'nobody'"):
        desk.add_action("0", "New", Notify(user="nobody"), ADMIN)
    with refusal("Priority must be one of"):
        desk.add_action("0", "New", SetProperty(property="priority", value="asap"), ADMIN)
    with refusal("No stage"):
        desk.add_action("0", "New", SetProperty(property="stage", value="Limbo"), ADMIN)
    with refusal("Create date is read-only"):
        desk.add_action("0", "New", SetProperty(property="create_date", value="x"), ADMIN)
    assert desk.config.pipelines[0].stages[0].actions == []


@pytest.mark.files
def test_a4_automation_lives_in_desk_toml_as_readable_tables(desk: Desk) -> None:
    branch = Branch(property="priority", value="Urgent", then=[Notify(owner=True)],
                    otherwise=[Delay(duration="1d 4h")])
    desk.add_action("0", "Waiting on us", branch, ADMIN)
    raw = tomllib.loads((data_dir(desk) / "desk.toml").read_text())
    stage = raw["pipelines"][0]["stages"][2]
    assert stage["actions"][0]["kind"] == "branch"
    assert stage["actions"][0]["else"][0] == {"comments": [], "kind": "delay",
                                              "duration": "1d 4h"}
    assert reopen(desk).config.pipelines[0].stages[2].actions == [branch]
    assert parse_path("1.else.1") == (0, "else", 0)


def test_a4c_s3_a_move_action_follows_its_stage_through_a_rename(desk: Desk) -> None:
    """The action names the stage by id (given by label), so S3 keeps it working."""
    desk.add_action("0", "Waiting on us", SetProperty(property="stage", value="closed"), ADMIN)
    assert desk.config.pipelines[0].stages[2].actions[0] == SetProperty(property="stage",
                                                                        value="4")
    desk.rename_stage("4", "Done", ADMIN)
    from core.present import say_action

    assert say_action(desk.config, desk.config.pipelines[0].stages[2].actions[0]) == \
        "Move to stage Done"
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    assert desk.ticket(ticket.id, ADMIN).stage == "4"


@pytest.mark.files
def test_a4b_a4c_actions_name_users_and_teams_by_id_so_a_new_name_keeps_them_working(
        desk: Desk) -> None:
    """Given by name, kept by id: a user's new name reaches the action."""
    _team(desk, "ingrid", "sven")
    desk.add_action("0", "New", Notify(user="Ingrid"), ADMIN)
    desk.add_action("0", "New", AssignOwner(team="Support"), ADMIN)
    stage = desk.config.pipelines[0].stages[0]
    assert stage.actions == [Notify(user="ingrid"), AssignOwner(team="support")]

    def rename(raw: dict[str, Any]) -> None:  # in desk.toml: there is no command yet
        next(u for u in raw["users"] if u["id"] == "ingrid")["name"] = "Ingrid Lund"
        raw["teams"][0]["name"] = "First line"

    edit_settings(desk, rename)
    from core.present import say_action

    said = [say_action(desk.config, a) for a in desk.config.pipelines[0].stages[0].actions]
    assert said == ["Notify user Ingrid Lund",
                    "Assign owner: round-robin over team First line"]
    ticket = new_ticket(desk)
    assert desk.ticket(ticket.id, ADMIN).owner == "ingrid"
    assert [n.users for n in desk.notifications(Actor.user("ingrid"))] == [["ingrid"]]


def test_s6_refuses_deleting_a_stage_an_action_moves_tickets_into(desk: Desk) -> None:
    desk.add_stage("0", "Escalated", "open", ADMIN)
    desk.add_action("0", "Waiting on us", Delay(duration="1d"), ADMIN)
    desk.add_action("0", "Waiting on us", SetProperty(property="stage", value="Escalated"),
                    ADMIN)
    with refusal("Action 2 of stage 'Waiting on us' moves tickets into 'Escalated'",
                 "change or remove that action first"):
        desk.delete_stage("Escalated", ADMIN)
    assert [s.label for s in desk.config.pipelines[0].stages][-1] == "Escalated"
    desk.remove_action("0", "Waiting on us", (1,), ADMIN)
    desk.delete_stage("Escalated", ADMIN)
    assert "Escalated" not in [s.label for s in desk.config.pipelines[0].stages]


def test_a4c_a_property_an_action_uses_cannot_be_archived(desk: Desk) -> None:
    desk.create_property("plan", "choice", ADMIN, options=["Gold", "Free"])
    desk.add_action("0", "New", Branch(property="plan", value="Gold",
                                       then=[Notify(owner=True)]), ADMIN)
    with refusal("Action 1 of stage 'New' uses 'plan'"):
        desk.archive_property("plan", ADMIN)


def test_a4c_a_ticket_that_left_and_came_back_gets_one_reminder(desk: Desk,
                                                           clock: MutableClock) -> None:
    desk.add_action("0", "Waiting on contact", Delay(duration="1d"), ADMIN)
    desk.add_action("0", "Waiting on contact", Notify(user="admin"), ADMIN)
    ticket = new_ticket(desk)
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN)
    clock.advance(hours=2)
    desk.move_ticket(ticket.id, "Waiting on us", ADMIN)
    desk.move_ticket(ticket.id, "Waiting on contact", ADMIN)  # back: a new day starts
    clock.advance(hours=22)
    assert desk.run_due_steps() == 1  # the first wait ends, superseded
    assert desk.notifications(ADMIN) == []
    clock.advance(hours=2)
    assert desk.run_due_steps() == 1
    assert len(desk.notifications(ADMIN)) == 1
