"""API routes of the saved-result toolkits, written once and mounted for each kind.

Per kind (``/value-streams``, ``/delivery-systems``, ``/stakeholder-maps``): ``POST …/analyse``
computes without saving; list, create, get, ``PUT`` (with the ``revision`` read; 409 when stale),
delete (``?revision=`` refuses a stale delete) and ``…/download?format=csv|svg|json``.

No ``from __future__ import annotations`` here: Ninja reads each route's annotations, which name
the kind's own schemas through the closure.
"""

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import BaseModel, create_model

from soms.core.toolkit_input import ToolkitInputError
from soms.fields import Input as SchemaIn
from soms.tenancy.models import Organisation
from soms.tenancy.requests import ApiRequest
from soms.toolkits.models.saved import SavedResult
from soms.toolkits.saved import selectors, services
from soms.toolkits.saved.downloads import result_download_response
from soms.toolkits.saved.kinds import SavedKind


def organisation_of(request: ApiRequest) -> Organisation:
    org = getattr(request, "organisation", None)
    if org is None:
        raise PermissionDenied("You are not a member of any organisation")
    return org  # type: ignore[no-any-return]


def core_error(exc: ToolkitInputError, prefix: tuple[str, ...] = ("body", "payload")) -> ValidationError:
    return ValidationError(
        [{"loc": [*prefix, *p.loc], "type": "value_error", "msg": p.message} for p in exc.problems]
    )


class ResultSummaryOut(Schema):
    id: int
    kind: str
    name: str
    description: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    revision: int


class ResultOut(ResultSummaryOut):
    inputs: dict[str, Any]
    results: dict[str, Any]


class AnalysisOut(Schema):
    inputs: dict[str, Any] = Field(
        description="The inputs as they would be stored (keys and flows filled in)"
    )
    results: dict[str, Any]


class SavedConflictOut(Schema):
    detail: str
    revision: int


class SavedDownloadQuery(SchemaIn):
    format: Literal["csv", "svg", "json"] = "json"
    chart: str | None = Field(None, description="For SVG: which picture (value streams: current or future)")


def _summary(kind: SavedKind, r: SavedResult) -> dict[str, Any]:
    return {
        "id": r.pk,
        "kind": kind.model.RESULT_KIND,
        "name": r.name,
        "description": r.description,
        "created_by": r.created_by.get_username() if r.created_by else None,
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "revision": r.revision,
    }


def _full(kind: SavedKind, r: SavedResult) -> dict[str, Any]:
    return _summary(kind, r) | {"inputs": r.inputs, "results": r.results}


def _blank_name(name: str) -> None:
    if not name.strip():
        raise ValidationError(
            [{"loc": ["body", "payload", "name"], "type": "value_error", "msg": "must not be blank"}]
        )


def saved_router(kind: SavedKind) -> Router:
    router = Router(tags=[kind.slug])
    base = f"/{kind.slug}"
    rk = kind.model.RESULT_KIND
    Input: type[BaseModel] = kind.input_schema
    SaveIn: Any = create_model(
        f"{Input.__name__}Save",
        __base__=Input,
        name=(str, Field(..., min_length=1, max_length=200)),
        description=(str, Field("", max_length=5000)),
    )
    UpdateIn: Any = create_model(
        f"{Input.__name__}Update",
        __base__=SaveIn,
        revision=(
            int,
            Field(..., ge=1, le=2**31 - 1, description="The revision you read; a stale one answers 409"),
        ),
    )

    def _input(payload: BaseModel) -> BaseModel:
        return Input.model_validate(payload.model_dump(include=set(Input.model_fields)))

    def _get(request: ApiRequest, result_id: int) -> SavedResult:
        return selectors.saved_result_for(
            model=kind.model, organisation=organisation_of(request), result_id=result_id
        )

    @router.post(
        f"{base}/analyse",
        response=AnalysisOut,
        summary=f"Compute a {kind.label} without saving it",
        operation_id=f"{rk}_analyse",
    )
    def analyse(request: ApiRequest, payload: Input) -> dict[str, Any]:  # type: ignore[valid-type]
        organisation = organisation_of(request)
        try:
            inputs, results = kind.compute(payload, organisation)
        except ToolkitInputError as exc:
            raise core_error(exc) from None
        return {"inputs": inputs, "results": results}

    @router.get(
        base,
        response=list[ResultSummaryOut],
        summary=f"Saved {kind.label}s of the current organisation",
        operation_id=f"{rk}_list",
    )
    def list_(request: ApiRequest) -> list[dict[str, Any]]:
        rows = selectors.saved_results_for(model=kind.model, organisation=organisation_of(request))
        return [_summary(kind, r) for r in rows]

    @router.post(
        base,
        response={201: ResultOut},
        summary=f"Compute and save a {kind.label}",
        operation_id=f"{rk}_create",
    )
    def create(request: ApiRequest, payload: SaveIn) -> Status:  # type: ignore[type-arg]
        # The schema is built at run time, so mypy cannot know its fields.
        body: Any = payload
        organisation = organisation_of(request)
        _blank_name(body.name)
        try:
            result = services.saved_result_create(
                kind=kind,
                organisation=organisation,
                actor=request.user,
                name=body.name,
                description=body.description,
                inputs=_input(payload),
            )
        except ToolkitInputError as exc:
            raise core_error(exc) from None
        return Status(201, _full(kind, result))

    @router.get(
        f"{base}/{{result_id}}",
        response=ResultOut,
        summary=f"One saved {kind.label} with its inputs and results",
        operation_id=f"{rk}_get",
    )
    def detail(request: ApiRequest, result_id: int) -> dict[str, Any]:
        return _full(kind, _get(request, result_id))

    @router.put(
        f"{base}/{{result_id}}",
        response={200: ResultOut, 409: SavedConflictOut},
        summary=f"Replace a {kind.label}'s name and inputs (its author, or an owner or admin); send the revision you read",
        operation_id=f"{rk}_update",
    )
    def update(request: ApiRequest, result_id: int, payload: UpdateIn) -> Any:
        body: Any = payload
        result = _get(request, result_id)
        _blank_name(body.name)
        try:
            result = services.saved_result_update(
                kind=kind,
                result=result,
                membership=request.membership,
                actor=request.user,
                revision=body.revision,
                name=body.name,
                description=body.description,
                inputs=_input(payload),
            )
        except ToolkitInputError as exc:
            raise core_error(exc) from None
        except services.ResultConflict as exc:
            return Status(
                409,
                {
                    "detail": "It was changed since you read it; fetch it again and retry",
                    "revision": exc.current,
                },
            )
        return _full(kind, result)

    @router.delete(
        f"{base}/{{result_id}}",
        response={204: None, 409: SavedConflictOut},
        summary=f"Delete a {kind.label} (its author, or an owner or admin); ?revision= refuses a stale delete",
        operation_id=f"{rk}_delete",
    )
    def delete(request: ApiRequest, result_id: int, revision: int | None = None) -> Status:  # type: ignore[type-arg]
        result = _get(request, result_id)
        try:
            services.saved_result_delete(
                kind=kind,
                result=result,
                membership=request.membership,
                actor=request.user,
                revision=revision,
            )
        except services.ResultConflict as exc:
            return Status(
                409,
                {"detail": "It was changed since you read it; nothing was deleted", "revision": exc.current},
            )
        return Status(204, None)

    @router.get(
        f"{base}/{{result_id}}/download",
        response={200: None},
        summary=f"Download a {kind.label} as CSV, SVG or JSON",
        operation_id=f"{rk}_download",
        openapi_extra={
            "responses": {
                "200": {
                    "description": "The file",
                    "content": {"text/csv": {}, "image/svg+xml": {}, "application/json": {}},
                }
            }
        },
    )
    def download(request: ApiRequest, result_id: int, query: Query[SavedDownloadQuery]) -> HttpResponse:
        result = _get(request, result_id)
        try:
            return result_download_response(kind, result, query.format, query.chart)
        except ValueError as exc:
            field, _, reason = str(exc).partition(": ")
            raise ValidationError([{"loc": ["query", field], "type": "value_error", "msg": reason}]) from None

    return router
