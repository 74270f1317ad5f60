"""`/crm/v3/pipelines/tickets`: pipelines and their stages (P1-P8, S1-S8).

Each route is one or a few of the desk's own commands; the rules (P5's
refusal to delete a pipeline holding tickets, S2's Open and Closed stage,
who may change settings) are the desk's. `displayOrder` is the position
(0 is first); `metadata.ticketState` is S1's state. The desk keeps no time
for a pipeline or a stage, so createdAt and updatedAt are the epoch, as the
CRM gives for its default pipeline (docs/server.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.params import Path as PathParam

from core import Actor, Desk
from core.errors import DeskError
from core.model import Pipeline as OurPipeline
from core.model import Stage as OurStage
from core.model import StageState
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageState,
    StageEdit,
)
from server.auth import Token, desk_as
from server.crm_models import (
    Pipeline,
    PipelineInput,
    PipelineList,
    PipelinePatchInput,
    PipelineStage,
    PipelineStageInput,
    PipelineStagePatchInput,
    StageList,
    StageMetadata,
)
from server.errors import ApiError, ErrorBody, ErrorDetail

router = APIRouter(prefix="/crm/v3/pipelines", tags=["pipelines"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                              403: {"model": ErrorBody}, 404: {"model": ErrorBody}})

# No time is kept for a pipeline or a stage (docs/server.md).
EPOCH = "1970-01-01T00:00:00.000Z"

ObjectType = Annotated[str, PathParam(description="Only `tickets`: pipedesk keeps tickets.",
                                      max_length=100)]
Ref = Annotated[str, PathParam(max_length=100)]


def _tickets_only(object_type: str) -> None:
    if object_type != "tickets":
        raise ApiError(404, f"pipedesk has ticket pipelines only; use "
                       f"/crm/v3/pipelines/tickets, not {object_type!r}.",
                       [ErrorDetail(message="Only 'tickets' exists.", **{"in": "objectType"})])


def stage_answer(stage: OurStage, position: int) -> PipelineStage:
    return PipelineStage(id=stage.id, label=stage.label, displayOrder=position,
                         metadata=StageMetadata(ticketState="OPEN" if stage.is_open
                                                else "CLOSED"),
                         createdAt=EPOCH, updatedAt=EPOCH)


def pipeline_answer(desk: Desk, pipeline: OurPipeline) -> Pipeline:
    position = next(i for i, p in enumerate(desk.config.pipelines) if p.id == pipeline.id)
    return Pipeline(id=pipeline.id, label=pipeline.label, displayOrder=position,
                    stages=[stage_answer(s, i) for i, s in enumerate(pipeline.stages)],
                    createdAt=EPOCH, updatedAt=EPOCH)


def _state(given: str) -> StageState:
    return StageState.OPEN if given == "OPEN" else StageState.CLOSED


def _position(display_order: int, count: int) -> int:
    """The desk's position (1 is first) of a CRM displayOrder (0 is first;
    beyond the end is the end, as the CRM sorts it)."""
    return min(max(display_order, 0), count - 1) + 1


def _ordered(stages: Sequence[PipelineStageInput]) -> list[PipelineStageInput]:
    # The CRM sorts equal displayOrders by label.
    return sorted(stages, key=lambda s: (s.displayOrder, s.label.casefold()))


def _set_stages(desk: Desk, pipeline: OurPipeline, wanted: Sequence[PipelineStageInput],
                actor: Actor) -> None:
    """The pipeline's stages become `wanted`, in one edit (S8, all or
    nothing): a stage of the same label is kept (renamed in case, its
    state set), the others are added, and the ones left out are deleted (S6
    refuses one that still holds tickets, with the desk's message)."""
    kept: dict[str, str] = {}
    edits: list[StageEdit] = []
    by_label = {s.label.casefold(): s for s in pipeline.stages}
    for n, given in enumerate(_ordered(wanted)):
        found = by_label.pop(given.label.strip().casefold(), None)
        if found is None:
            key = f"new{n}"
            edits.append(AddStage(key, given.label, _state(given.metadata.ticketState)))
        else:
            key = found.id
            if found.label != given.label.strip():
                edits.append(RenameStage(found.id, given.label))
            if found.is_open != (given.metadata.ticketState == "OPEN"):
                edits.append(SetStageState(found.id, _state(given.metadata.ticketState)))
        kept[key] = given.label
    for gone in by_label.values():
        edits.append(DeleteStage(gone.id))
    edits.extend(MoveStage(key, n) for n, key in enumerate(kept, start=1))
    desk.edit_stages(pipeline.id, edits, actor)


def _triggers_off_for_missing(desk: Desk, pipeline: OurPipeline,
                              wanted: Sequence[PipelineStageInput], actor: Actor) -> None:
    """A new pipeline's email triggers (A3) point at its default stages; a
    pipeline made with stages of its own that leave one out has that
    trigger off, so the stage may go (S6 keeps a trigger's stage)."""
    labels = {s.label.strip().casefold() for s in wanted}
    for name, trigger in (("email-sent", pipeline.automation.email_sent),
                          ("customer-replied", pipeline.automation.customer_replied)):
        target = pipeline.stage(trigger.stage) if trigger.stage else None
        if target is not None and target.label.casefold() not in labels:
            desk.set_email_trigger(pipeline.id, name, actor, on=False)


@router.get("/{objectType}", response_model=PipelineList, summary="The pipelines")
def list_pipelines(request: Request, token: Token, objectType: ObjectType) -> PipelineList:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        return PipelineList(results=[pipeline_answer(desk, p) for p in desk.pipelines(actor)])


@router.get("/{objectType}/{pipelineId}", response_model=Pipeline, summary="One pipeline")
def get_pipeline(request: Request, token: Token, objectType: ObjectType,
                 pipelineId: Ref) -> Pipeline:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        return pipeline_answer(desk, desk.pipeline(pipelineId, actor))


@router.post("/{objectType}", response_model=Pipeline, status_code=201,
             summary="Create a pipeline (P2: without stages, the four default ones)")
def create_pipeline(request: Request, token: Token, objectType: ObjectType,
                    body: PipelineInput) -> Pipeline:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        made = desk.create_pipeline(body.label, actor)
        try:
            if body.stages:
                _triggers_off_for_missing(desk, made, body.stages, actor)
                _set_stages(desk, desk.pipeline(made.id, actor), body.stages, actor)
            desk.reorder_pipeline(made.id, _position(body.displayOrder,
                                                     len(desk.config.pipelines)), actor)
        except DeskError:
            # All or nothing, as the CRM's create is: the pipeline made a
            # moment ago holds no tickets yet, so it may go again.
            desk.delete_pipeline(made.id, actor)
            raise
        return pipeline_answer(desk, desk.pipeline(made.id, actor))


@router.put("/{objectType}/{pipelineId}", response_model=Pipeline,
            summary="Replace a pipeline: its label, position and stages")
def replace_pipeline(request: Request, token: Token, objectType: ObjectType,
                     pipelineId: Ref, body: PipelineInput) -> Pipeline:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        pipeline = desk.pipeline(pipelineId, actor)
        _set_stages(desk, pipeline, body.stages, actor)
        if pipeline.label != body.label:
            desk.rename_pipeline(pipeline.id, body.label, actor)
        desk.reorder_pipeline(pipeline.id, _position(body.displayOrder,
                                                     len(desk.config.pipelines)), actor)
        return pipeline_answer(desk, desk.pipeline(pipeline.id, actor))


@router.patch("/{objectType}/{pipelineId}", response_model=Pipeline,
              summary="Rename or move a pipeline")
def update_pipeline(request: Request, token: Token, objectType: ObjectType,
                    pipelineId: Ref, body: PipelinePatchInput) -> Pipeline:
    _tickets_only(objectType)
    _no_archiving(body.archived)
    with desk_as(request, token) as (desk, actor):
        pipeline = desk.pipeline(pipelineId, actor)
        if body.label is not None and body.label != pipeline.label:
            desk.rename_pipeline(pipeline.id, body.label, actor)
        if body.displayOrder is not None:
            desk.reorder_pipeline(pipeline.id, _position(body.displayOrder,
                                                         len(desk.config.pipelines)), actor)
        return pipeline_answer(desk, desk.pipeline(pipeline.id, actor))


@router.delete("/{objectType}/{pipelineId}", status_code=204, response_class=Response,
               summary="Delete a pipeline (P5: refused while it holds tickets)")
def delete_pipeline(request: Request, token: Token, objectType: ObjectType,
                    pipelineId: Ref) -> Response:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        desk.delete_pipeline(desk.pipeline(pipelineId, actor).id, actor)
    return Response(status_code=204)


def _no_archiving(archived: bool | None) -> None:
    if archived:
        raise ApiError(400, "pipedesk does not archive pipelines or stages; DELETE deletes "
                       "one (refused while it holds tickets).",
                       [ErrorDetail(message="archived is not taken", **{"in": "body.archived"})])


# -- stages ---------------------------------------------------------------------


def _stage_of(desk: Desk, actor: Actor, pipeline_id: str, stage_id: str
              ) -> tuple[OurPipeline, OurStage]:
    """The stage `stage_id` of pipeline `pipeline_id` as `actor` sees them
    (404 for either unknown or out of sight; a stage of another pipeline is
    refused saying where it is)."""
    pipeline = desk.pipeline(pipeline_id, actor)
    return desk.stage(stage_id, actor, within=pipeline.id)


def _stage_answer(desk: Desk, actor: Actor, pipeline_id: str, stage_id: str) -> PipelineStage:
    pipeline = desk.pipeline(pipeline_id, actor)
    position = next(i for i, s in enumerate(pipeline.stages) if s.id == stage_id)
    return stage_answer(pipeline.stages[position], position)


@router.get("/{objectType}/{pipelineId}/stages", response_model=StageList,
            summary="A pipeline's stages")
def list_stages(request: Request, token: Token, objectType: ObjectType,
                pipelineId: Ref) -> StageList:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        pipeline = desk.pipeline(pipelineId, actor)
        return StageList(results=[stage_answer(s, i) for i, s in enumerate(pipeline.stages)])


@router.get("/{objectType}/{pipelineId}/stages/{stageId}", response_model=PipelineStage,
            summary="One stage")
def get_stage(request: Request, token: Token, objectType: ObjectType, pipelineId: Ref,
              stageId: Ref) -> PipelineStage:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        pipeline, stage = _stage_of(desk, actor, pipelineId, stageId)
        return _stage_answer(desk, actor, pipeline.id, stage.id)


@router.post("/{objectType}/{pipelineId}/stages", response_model=PipelineStage,
             status_code=201, summary="Add a stage (S1)")
def create_stage(request: Request, token: Token, objectType: ObjectType, pipelineId: Ref,
                 body: PipelineStageInput) -> PipelineStage:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        pipeline = desk.pipeline(pipelineId, actor)
        position = _position(body.displayOrder, len(pipeline.stages) + 1)
        result = desk.edit_stages(pipeline.id, [
            AddStage("new", body.label, _state(body.metadata.ticketState)),
            MoveStage("new", position)], actor)
        return _stage_answer(desk, actor, pipeline.id, result.added["new"])


@router.put("/{objectType}/{pipelineId}/stages/{stageId}", response_model=PipelineStage,
            summary="Replace a stage: label, position, Open or Closed")
def replace_stage(request: Request, token: Token, objectType: ObjectType, pipelineId: Ref,
                  stageId: Ref, body: PipelineStageInput) -> PipelineStage:
    _tickets_only(objectType)
    patch = PipelineStagePatchInput(label=body.label, displayOrder=body.displayOrder,
                                    metadata=body.metadata)
    return _change_stage(request, token, pipelineId, stageId, patch)


@router.patch("/{objectType}/{pipelineId}/stages/{stageId}", response_model=PipelineStage,
              summary="Rename, move or switch a stage (S2, S3, S4)")
def update_stage(request: Request, token: Token, objectType: ObjectType, pipelineId: Ref,
                 stageId: Ref, body: PipelineStagePatchInput) -> PipelineStage:
    _tickets_only(objectType)
    _no_archiving(body.archived)
    return _change_stage(request, token, pipelineId, stageId, body)


def _change_stage(request: Request, token: str, pipeline_id: str, stage_id: str,
                  body: PipelineStagePatchInput) -> PipelineStage:
    with desk_as(request, token) as (desk, actor):
        pipeline, stage = _stage_of(desk, actor, pipeline_id, stage_id)
        edits: list[StageEdit] = []
        if body.label is not None and body.label.strip() != stage.label:
            edits.append(RenameStage(stage.id, body.label))
        if body.metadata is not None and stage.is_open != (body.metadata.ticketState == "OPEN"):
            edits.append(SetStageState(stage.id, _state(body.metadata.ticketState)))
        if body.displayOrder is not None:
            edits.append(MoveStage(stage.id, _position(body.displayOrder, len(pipeline.stages))))
        if edits:
            desk.edit_stages(pipeline.id, edits, actor)
        return _stage_answer(desk, actor, pipeline.id, stage.id)


@router.delete("/{objectType}/{pipelineId}/stages/{stageId}", status_code=204,
               response_class=Response,
               summary="Delete a stage (S6: refused while it holds tickets)")
def delete_stage(request: Request, token: Token, objectType: ObjectType, pipelineId: Ref,
                 stageId: Ref) -> Response:
    _tickets_only(objectType)
    with desk_as(request, token) as (desk, actor):
        pipeline, stage = _stage_of(desk, actor, pipelineId, stageId)
        desk.edit_stages(pipeline.id, [DeleteStage(stage.id)], actor)
    return Response(status_code=204)
