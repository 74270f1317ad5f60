"""S8: stage edits saved together through `Desk.edit_stages`, all or nothing;
the stage editor's preview; a crash between the journal line and desk.toml."""

from __future__ import annotations

import pytest
from core_fixtures import (
    ADMIN,
    MutableClock,
    add_agent,
    data_dir,
    email_triggers_off,
    journal_lines,
    last_entry,
    new_ticket,
    refusal,
    reopen,
    stored,
)

from core import Actor, Desk
from core.model import StageProperty, StageState
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageProperties,
    SetStageState,
)
from core.store import LocalStore


def stages(desk: Desk, pipeline: str = "0") -> list[tuple[str, str]]:
    return [(s.label, s.state.value) for s in desk.pipeline(pipeline, ADMIN).stages]


@pytest.mark.files
def test_s8_a_batch_of_every_kind_of_edit_is_saved_as_one(desk: Desk) -> None:
    email_triggers_off(desk)
    held = [new_ticket(desk, f"T{n}", stage="Waiting on us").id for n in range(3)]
    desk.create_property("seats", "number", ADMIN)
    lines_before = len(journal_lines(data_dir(desk)))
    result = desk.edit_stages("0", [
        AddStage("a", "Escalated", "open"),
        RenameStage("a", "Escalated to L2"),
        MoveStage("a", 2),
        SetStageState("Waiting on contact", "closed"),
        SetStageProperties("a", (StageProperty(name="seats", required=True),
                                 StageProperty(name="priority"))),
        DeleteStage("Waiting on us", move_to="a"),
    ], ADMIN)
    expected = [("New", "open"), ("Escalated to L2", "open"),
                ("Waiting on contact", "closed"), ("Closed", "closed")]
    assert stages(desk) == expected
    new_id = result.added["a"]
    assert {desk.ticket(t, ADMIN).stage for t in held} == {new_id}
    # One journal line holds the deletion and its moves (S6 whole).
    lines = journal_lines(data_dir(desk))
    assert len(lines) == lines_before + 1
    assert lines[-1]["event"]["type"] == "stages.edited"
    again = reopen(desk)
    assert stages(again) == expected
    stage = again.stage(new_id, ADMIN)[1]
    assert [(sp.name, sp.required) for sp in stage.properties] == [("seats", True),
                                                                  ("priority", False)]
    assert {again.ticket(t, ADMIN).stage for t in held} == {new_id}


@pytest.mark.files
def test_s8_edits_without_a_deletion_write_only_desk_toml(desk: Desk) -> None:
    new_ticket(desk)
    lines_before = journal_lines(data_dir(desk))
    desk.edit_stages("0", [RenameStage("New", "Inbox"), MoveStage("Closed", 1)], ADMIN)
    assert journal_lines(data_dir(desk)) == lines_before
    assert [label for label, _ in stages(reopen(desk))] == [
        "Closed", "Inbox", "Waiting on contact", "Waiting on us"]


@pytest.mark.parametrize(("edits", "message"), [
    # The third edit breaks S2: the first two must not be saved either.
    ([RenameStage("New", "Inbox"), AddStage("a", "Later", "open"),
      SetStageState("Closed", "open")], "must keep at least one Closed stage"),
    ([AddStage("a", "Escalated", "open"), DeleteStage("Waiting on us")],
     "holds 1 ticket"),
    ([DeleteStage("Waiting on contact", "New"), RenameStage("Waiting on contact", "X")],
     "'Waiting on contact' is deleted in these edits already"),
    ([AddStage("a", "Escalated", "open"), AddStage("b", "escalated", "closed")],
     "has a stage labelled 'Escalated' already"),
    ([MoveStage("New", 9)], "Position 9 is out of range"),
    ([SetStageProperties("New", (StageProperty(name="close_date"),))], "Close date is read-only"),
    ([SetStageProperties("New", (StageProperty(name="priority"),
                                 StageProperty(name="priority")))], "asks for Priority once"),
    ([RenameStage("Nowhere", "X")], "No stage 'Nowhere' in 'Support pipeline'"),
])
def test_s8_a_refused_edit_anywhere_in_the_batch_saves_nothing(
        desk: Desk, edits: list[object], message: str) -> None:
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    config_before = desk.config.model_copy(deep=True)
    files_before = stored(desk)
    with refusal(message):
        desk.edit_stages("0", edits, ADMIN)  # type: ignore[arg-type]
    assert desk.config == config_before
    assert stored(desk) == files_before
    assert desk.ticket(ticket.id, ADMIN).stage == "3"


def test_s8_a_ticket_moved_twice_in_one_batch_has_one_timeline_entry(
        desk: Desk, clock: MutableClock) -> None:
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    clock.advance(hours=1)
    desk.edit_stages("0", [DeleteStage("Waiting on us", "Waiting on contact"),
                           DeleteStage("Waiting on contact", "Closed")], ADMIN)
    moved = last_entry(desk)["event"]["moved"][ticket.id]
    assert moved["stage"] == ["3", "4"]
    # T3: it ended in a Closed stage.
    assert desk.ticket(ticket.id, ADMIN).close_date == clock.now
    last = desk.timeline(ticket.id, ADMIN)[-1]
    assert last.what == "Moved: stage 'Waiting on us' was deleted"
    assert last.changes[0] == ("Stage", "Waiting on us", "Closed")


def test_s8_t3_follows_the_order_of_the_edits(desk: Desk, clock: MutableClock) -> None:
    """T3 looks at each stage as the edits before it in the batch left it.
    'Waiting on us' switched to Closed and then deleted into Closed: its
    tickets go Closed -> Closed, which keeps their (empty) close date. The
    same deletion without the switch first is Open -> Closed, which sets it:
    were the order ignored, both tickets would get one."""
    email_triggers_off(desk)
    switched = new_ticket(desk, stage="Waiting on us")
    sales = desk.create_pipeline("Sales", ADMIN)
    email_triggers_off(desk, sales.id)
    deleted_only = new_ticket(desk, stage="Waiting on us", pipeline=sales.id)
    clock.advance(hours=1)
    desk.edit_stages("0", [SetStageState("Waiting on us", "closed"),
                           DeleteStage("Waiting on us", "Closed")], ADMIN)
    desk.edit_stages(sales.id, [DeleteStage("Waiting on us", "Closed")], ADMIN)
    moved = reopen(desk)
    assert (moved.ticket(switched.id, ADMIN).stage,
            moved.ticket(switched.id, ADMIN).close_date) == ("4", None)
    assert moved.ticket(deleted_only.id, ADMIN).close_date == clock.now


def test_s8_preview_shows_the_result_and_saves_nothing(desk: Desk) -> None:
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")
    files_before = stored(desk)
    preview = desk.preview_stage_edits("0", [AddStage("a", "Escalated", StageState.OPEN),
                                             DeleteStage("Waiting on us", "a")], ADMIN)
    assert [s.label for s in preview.pipeline.stages] == [
        "New", "Waiting on contact", "Closed", "Escalated"]
    assert preview.moved[ticket.id]["stage"] == ["3", preview.added["a"]]
    assert preview.deleted == {"3": "Waiting on us"}
    assert stored(desk) == files_before
    assert stages(desk)[2] == ("Waiting on us", "open")
    assert desk.ticket(ticket.id, ADMIN).stage == "3"


def test_s8_only_administrators_edit_stages(desk: Desk) -> None:
    add_agent(desk)
    with refusal("Only administrators may change stages"):
        desk.edit_stages("0", [RenameStage("New", "Inbox")], Actor.user("ingrid"))
    with refusal("Only administrators may change stages"):
        desk.preview_stage_edits("0", [RenameStage("New", "Inbox")], Actor.user("ingrid"))
    assert stages(desk)[0] == ("New", "open")


@pytest.mark.files
def test_s8_a_crash_after_the_journal_line_is_finished_with_the_new_stages(
        desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tickets moved into a stage added in the same batch: the journal line
    alone must be enough to bring that stage back after a crash, or the
    tickets would sit in a stage no settings know."""
    email_triggers_off(desk)
    ticket = new_ticket(desk, stage="Waiting on us")

    def crash(self: LocalStore, config: object) -> None:
        raise KeyboardInterrupt("power cut")

    monkeypatch.setattr(LocalStore, "save_settings", crash)
    with pytest.raises(KeyboardInterrupt):
        desk.edit_stages("0", [AddStage("a", "Escalated", "open"), RenameStage("New", "Inbox"),
                               DeleteStage("Waiting on us", "a")], ADMIN)
    monkeypatch.undo()
    again = reopen(desk)
    assert stages(again) == [("Inbox", "open"), ("Waiting on contact", "open"),
                             ("Closed", "closed"), ("Escalated", "open")]
    escalated = again.pipeline("0", ADMIN).stages[-1]
    assert again.ticket(ticket.id, ADMIN).stage == escalated.id
    # The id counter was brought forward too: the next stage gets a new id.
    assert again.add_stage("0", "Later", "open", ADMIN).id != escalated.id
    assert "Escalated" in (data_dir(desk) / "desk.toml").read_text()
    assert again.warnings == []
