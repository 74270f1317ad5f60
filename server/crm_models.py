"""The CRM v3 API's JSON shapes, as its OpenAPI document names them.

Request models check what comes in (a wrong type is a 400 naming where,
server/errors.py); response models make server/openapi.json describe what
is answered. Field names are the CRM's (camelCase), so they are kept as
they are rather than made Pythonic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from server.errors import ErrorDetail

TicketState = Literal["OPEN", "CLOSED"]


class _In(BaseModel):
    # A name the CRM does not have either is a mistake worth saying
    # (`lable`), not something to drop quietly.
    model_config = ConfigDict(extra="forbid")


# -- pipelines ----------------------------------------------------------------


class StageMetadata(BaseModel):
    ticketState: TicketState


class PipelineStage(BaseModel):
    id: str
    label: str
    displayOrder: int
    metadata: StageMetadata
    createdAt: str
    updatedAt: str
    archived: bool = False


class Pipeline(BaseModel):
    id: str
    label: str
    displayOrder: int
    stages: list[PipelineStage]
    createdAt: str
    updatedAt: str
    archived: bool = False


class PipelineList(BaseModel):
    """The CRM's `CollectionResponsePipelineNoPaging`."""

    results: list[Pipeline]


class StageList(BaseModel):
    """The CRM's `CollectionResponsePipelineStageNoPaging`."""

    results: list[PipelineStage]


class StageMetadataInput(_In):
    ticketState: TicketState


class PipelineStageInput(_In):
    label: str = Field(min_length=1, max_length=200)
    displayOrder: int = 0
    metadata: StageMetadataInput


class PipelineInput(_In):
    label: str = Field(min_length=1, max_length=200)
    displayOrder: int = 0
    stages: list[PipelineStageInput] = Field(default_factory=list, max_length=100)


class PipelinePatchInput(_In):
    label: str | None = Field(None, min_length=1, max_length=200)
    displayOrder: int | None = None
    archived: bool | None = None


class PipelineStagePatchInput(_In):
    label: str | None = Field(None, min_length=1, max_length=200)
    displayOrder: int | None = None
    metadata: StageMetadataInput | None = None
    archived: bool | None = None


# -- tickets -------------------------------------------------------------------


class SimplePublicObject(BaseModel):
    id: str
    properties: dict[str, str | None]
    createdAt: str
    updatedAt: str
    archived: bool = False


class NextPage(BaseModel):
    after: str
    link: str | None = None


class ForwardPaging(BaseModel):
    next: NextPage | None = None


class TicketPage(BaseModel):
    """The CRM's `CollectionResponseSimplePublicObjectWithAssociationsForwardPaging`."""

    results: list[SimplePublicObject]
    paging: ForwardPaging | None = None


class SearchPage(BaseModel):
    """The CRM's `CollectionResponseWithTotalSimplePublicObjectForwardPaging`."""

    total: int
    results: list[SimplePublicObject]
    paging: ForwardPaging | None = None


Properties = dict[str, str | None]


class TicketInput(_In):
    """`SimplePublicObjectInput` (and `...ForCreate`: associations are taken
    and left alone, pipedesk has no associated objects)."""

    properties: Properties = Field(max_length=500)
    associations: list[dict[str, object]] = Field(default_factory=list, max_length=0)


class TicketId(_In):
    id: str = Field(max_length=40)


class TicketUpdate(_In):
    """`SimplePublicObjectBatchInput`."""

    id: str = Field(max_length=40)
    properties: Properties = Field(max_length=500)


class BatchCreate(_In):
    inputs: list[TicketInput] = Field(max_length=100)


class BatchUpdate(_In):
    inputs: list[TicketUpdate] = Field(max_length=100)


class BatchIds(_In):
    inputs: list[TicketId] = Field(max_length=100)


class BatchRead(_In):
    inputs: list[TicketId] = Field(max_length=100)
    properties: list[str] = Field(default_factory=list, max_length=500)
    propertiesWithHistory: list[str] = Field(default_factory=list, max_length=0)


class StandardError(BaseModel):
    """One item's refusal in a batch."""

    status: str = "error"
    category: str
    message: str
    errors: list[ErrorDetail] = []
    context: dict[str, list[str]] = {}
    links: dict[str, str] = {}


class BatchResult(BaseModel):
    """`BatchResponseSimplePublicObject`, and `...WithErrors` (207)."""

    status: Literal["COMPLETE"] = "COMPLETE"
    results: list[SimplePublicObject]
    startedAt: str
    completedAt: str
    numErrors: int | None = None
    errors: list[StandardError] | None = None


# -- search --------------------------------------------------------------------

Operator = Literal["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
                   "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"]


class Filter(_In):
    propertyName: str = Field(max_length=200)
    operator: Operator
    value: str | None = Field(None, max_length=3000)
    highValue: str | None = Field(None, max_length=3000)
    values: list[str] | None = Field(None, max_length=100)


class FilterGroup(_In):
    filters: list[Filter] = Field(max_length=10)


class Sort(_In):
    propertyName: str = Field(max_length=200)
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchRequest(_In):
    """`PublicObjectSearchRequest`. `sorts` takes the CRM's objects
    (`{"propertyName", "direction"}`) and plain names."""

    filterGroups: list[FilterGroup] = Field(default_factory=list, max_length=6)
    sorts: list[Sort | str] = Field(default_factory=list, max_length=5)
    query: str | None = Field(None, max_length=3000)
    properties: list[str] = Field(default_factory=list, max_length=500)
    limit: int = Field(10, ge=1, le=200)
    after: str | None = Field(None, max_length=40)
