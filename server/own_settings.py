"""pipedesk's own endpoints on the settings: the settings as the caller
may see them (with their version as ETag), stage edits as one batch (S8)
and automation changes (A4, A4d), which the CRM subset has no words for.

Only administrators change settings; the desk refuses anyone else (403).
Actions travel in the JSON desk.toml keeps them in (`kind` and its
fields, as `pipedesk automation list --json` shows them), made into
actions by `core.automation.actions.make_action`, as on the command line
and the Automate tab; a position is "3" or "3.then.1".
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, Field

from core.automation.actions import Path, make_action, parse_path, path_text
from core.model import StageProperty
from core.settings_view import settings_version, visible_settings
from core.stage_edits import (
    AddStage,
    DeleteStage,
    MoveStage,
    RenameStage,
    SetStageProperties,
    SetStageState,
    StageEdit,
)
from server.auth import Token, desk_as
from server.errors import ApiError, ErrorBody
from server.once import REPLAYED, CommandKey, once

router = APIRouter(prefix="/pipedesk/v1", tags=["pipedesk"],
                   responses={400: {"model": ErrorBody}, 401: {"model": ErrorBody},
                              403: {"model": ErrorBody}, 404: {"model": ErrorBody}})


class Settings(BaseModel):
    model_config = {"extra": "allow"}
    version: str = Field(description="Changes whenever what the caller sees changes; also "
                                     "the ETag.")


@router.get("/settings", response_model=Settings, responses={304: {"description": "Unchanged"}},
            summary="The desk's settings as the caller may see them")
def settings(request: Request, token: Token, response: Response,
             if_none_match: Annotated[str | None, Header()] = None) -> Any:
    with desk_as(request, token) as (desk, actor):
        view = visible_settings(desk.config, actor)
    version = settings_version(view)
    etag = f'"{version}"'
    if if_none_match is not None and etag in [t.strip() for t in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    response.headers["ETag"] = etag
    return {"version": version, **view}


# -- stage edits (S8) ---------------------------------------------------------------


class AddEdit(BaseModel):
    op: Literal["add"]
    key: str = Field(description="The batch's own name for the new stage, for later edits.")
    label: str
    state: str = Field(description="open or closed.")


class RenameEdit(BaseModel):
    op: Literal["rename"]
    stage: str
    label: str


class StateEdit(BaseModel):
    op: Literal["state"]
    stage: str
    state: str


class MoveEdit(BaseModel):
    op: Literal["move"]
    stage: str
    position: int = Field(ge=1, description="1 is first.")


class DeleteEdit(BaseModel):
    op: Literal["delete"]
    stage: str
    moveTo: str | None = Field(default=None, description="Where its tickets go (S6).")


class PropertiesEdit(BaseModel):
    op: Literal["properties"]
    stage: str
    properties: list[StageProperty]


Edit = Annotated[AddEdit | RenameEdit | StateEdit | MoveEdit | DeleteEdit | PropertiesEdit,
                 Field(discriminator="op")]


class StageEdits(BaseModel):
    edits: list[Edit] = Field(min_length=1)


def _stage_edit(edit: Edit) -> StageEdit:
    match edit:
        case AddEdit():
            return AddStage(edit.key, edit.label, edit.state)
        case RenameEdit():
            return RenameStage(edit.stage, edit.label)
        case StateEdit():
            return SetStageState(edit.stage, edit.state)
        case MoveEdit():
            return MoveStage(edit.stage, edit.position)
        case DeleteEdit():
            return DeleteStage(edit.stage, edit.moveTo)
        case PropertiesEdit():
            return SetStageProperties(edit.stage, tuple(edit.properties))


@router.post("/pipelines/{pipeline}/stage-edits", summary="Stage edits, all or none (S8)",
             responses={200: {"headers": REPLAYED}})
def stage_edits(request: Request, response: Response, token: Token, pipeline: str,
                body: StageEdits, idempotency_key: CommandKey = None) -> dict[str, Any]:
    edits = [_stage_edit(e) for e in body.edits]
    with desk_as(request, token) as (desk, actor):
        done = once(desk, actor, idempotency_key, "edit_stages",
                    lambda: desk.edit_stages(pipeline, edits, actor), response)
        if done.result is None:  # made before: the pipeline as it is now
            return {"pipeline": desk.pipeline(pipeline, actor).model_dump(mode="json"),
                    "added": {}, "deleted": [], "moved": [], "replayed": True}
        result = done.result
        return {"pipeline": result.pipeline.model_dump(mode="json"), "added": result.added,
                "deleted": result.deleted, "moved": sorted(result.moved, key=int)}


# -- automation (A4, A4d) ---------------------------------------------------------


class NewAction(BaseModel):
    action: dict[str, Any] = Field(description="`kind` and its fields, as desk.toml keeps "
                                               "them.")
    at: str | None = Field(default=None, description="Its position; default the end.")


class EditedAction(BaseModel):
    action: dict[str, Any]


class ActionMove(BaseModel):
    offset: int = Field(description="-1 up, +1 down, within its sequence.")


def _position(text: str) -> Path:
    try:
        return parse_path(text)
    except ValueError:
        raise ApiError(400, f"{text!r} is not an action's position (3, or 3.then.1 inside a "
                       "branch).") from None


_ACTIONS = "/pipelines/{pipeline}/stages/{stage}/actions"


@router.post(_ACTIONS, status_code=201, summary="Add a stage action (A4)")
def add_action(request: Request, token: Token, pipeline: str, stage: str, body: NewAction
               ) -> dict[str, str]:
    at = _position(body.at) if body.at is not None else None
    with desk_as(request, token) as (desk, actor):
        path = desk.add_action(pipeline, stage, make_action(body.action), actor, at)
    return {"position": path_text(path)}


@router.put(_ACTIONS + "/{position}", summary="Replace a stage action (A4d)")
def edit_action(request: Request, token: Token, pipeline: str, stage: str, position: str,
                body: EditedAction) -> dict[str, str]:
    path = _position(position)
    with desk_as(request, token) as (desk, actor):
        desk.edit_action(pipeline, stage, path, make_action(body.action), actor)
    return {"position": path_text(path)}


@router.delete(_ACTIONS + "/{position}", summary="Delete a stage action (A4d)")
def remove_action(request: Request, token: Token, pipeline: str, stage: str, position: str,
                  andAfter: Annotated[bool, Query(description=(  # noqa: N803
                      "Also every action after it."))] = False) -> dict[str, int]:
    path = _position(position)
    with desk_as(request, token) as (desk, actor):
        removed = desk.remove_action(pipeline, stage, path, actor, andAfter)
    return {"removed": len(removed)}


@router.post(_ACTIONS + "/{position}/move", summary="Move a stage action up or down")
def move_action(request: Request, token: Token, pipeline: str, stage: str, position: str,
                body: ActionMove) -> dict[str, str]:
    path = _position(position)
    with desk_as(request, token) as (desk, actor):
        moved = desk.move_action(pipeline, stage, path, body.offset, actor)
    return {"position": path_text(moved)}
