"""Finishing a stage deletion a crash cut short (S6 is whole).

The local store writes a deletion's journal line first and desk.toml after
it. A process that dies between the two leaves a journal that moved the
tickets out of stages desk.toml still has; the next desk to read that line
finishes the job from it: the line carries the pipeline's stages as the
edits left them.
"""

from __future__ import annotations

from core.errors import DataFileError
from core.events import Entry, StagesEdited
from core.model import DeskConfig, Stage
from core.rules import check_settings


def unfinished(config: DeskConfig, entry: Entry) -> bool:
    """Whether `entry` deleted stages `config` still has. Stage ids are
    never reused: a deleted stage still in the settings means desk.toml was
    not written after the journal line."""
    event = entry.event
    if not isinstance(event, StagesEdited):
        return False
    held = {s.id for p in config.pipelines for s in p.stages}
    return any(sid in held for sid in event.deleted)


def finished_stage_edits(config: DeskConfig, leftover: list[Entry], journal: str) -> DeskConfig:
    """The settings with the stages `leftover`'s lines left, checked by the
    rules a live stage edit obeys: a line that would break one (a damaged or
    hand-made line) is refused, naming the `journal` file and line, and
    nothing is written."""
    draft = config.model_copy(deep=True)
    for entry in leftover:
        event = entry.event
        assert isinstance(event, StagesEdited)
        pipeline = next((p for p in draft.pipelines if p.id == event.pipeline), None)
        if pipeline is None:
            raise DataFileError(journal, f"a stage edit of pipeline {event.pipeline}, "
                                "which desk.toml does not have, cannot be finished; "
                                "restore desk.toml from a backup", entry.seq)
        pipeline.stages = [Stage.model_validate(s) for s in event.stages]
        # A live deletion lets a switched-off email trigger go of its stage
        # (one switched on refuses it, S6); the line does not carry that.
        kept = {s.id for s in pipeline.stages}
        for trigger in (pipeline.automation.email_sent, pipeline.automation.customer_replied):
            if trigger.stage is not None and trigger.stage not in kept:
                trigger.stage = None
        draft.next_id = max(draft.next_id, event.next_id)
        problem = check_settings(draft)
        if problem:
            raise DataFileError(journal, f"the stage edits of pipeline {event.pipeline} "
                                "on this line cannot be finished in desk.toml: "
                                f"{problem.rstrip('.')}. "
                                "Restore desk.toml and tickets.jsonl from a backup",
                                entry.seq)
    return draft
