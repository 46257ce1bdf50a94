"""Capacity toolkit API: compute (Erlang, plan, simulation) and saved studies, inside the current organisation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import ValidationError as PydanticError

from soms.api.errors import SomsParser
from soms.core.capacity import CapacityInputError, DemandCsvError
from soms.core.problems import Invalid, Problem
from soms.core.safeload import as_json
from soms.fields import Description, Id, Input, Name
from soms.jobs.api import JobOut, job_out
from soms.lazy import lazy_module
from soms.limits import BACKGROUND_PLAN_INTERVALS, BACKGROUND_SIMULATED_CALLS
from soms.ratelimits import documented, refused
from soms.tenancy.models import Organisation
from soms.tenancy.requests import ApiRequest
from soms.toolkits import access
from soms.toolkits.capacity import selectors, services
from soms.toolkits.capacity.downloads import study_download_response
from soms.toolkits.capacity.schemas import ErlangInput, PlanInput, PlanParams, SimulateInput
from soms.toolkits.models.capacity import CapacityStudy

if TYPE_CHECKING:
    from soms.toolkits.capacity import compute as capacity
else:
    # NumPy and SciPy load at the first computation, not when the URLs (or a command) are imported.
    capacity = lazy_module("soms.toolkits.capacity.compute")


router = Router(tags=["capacity"])

Kind = Literal["erlang", "plan", "simulation"]


def _organisation(request: ApiRequest) -> Organisation:
    if request.organisation is None:
        raise PermissionDenied("You are not a member of any organisation")
    return request.organisation


def _core_error(
    exc: CapacityInputError, prefix: tuple[str, ...] = ("body",), *, rows: bool = False
) -> ValidationError:
    if isinstance(exc, DemandCsvError) and rows:
        # The rows were turned into CSV with a header line: line n is rows[n - 2]. A person who
        # sent rows counts them from 0 in their own list, so the answer does too.
        def index(match: re.Match[str]) -> str:
            return f"rows[{int(match.group(1)) - 2}]"

        return ValidationError(
            [
                {
                    "loc": [*prefix, "rows", i.row - 2, i.column],
                    "type": "rows_invalid",
                    "msg": f"rows[{i.row - 2}].{i.column}: {re.sub(r'line (\d+)', index, i.reason)}",
                    "row": i.row - 2,
                    "column": i.column,
                }
                for i in exc.issues
            ]
        )
    if isinstance(exc, DemandCsvError):
        return ValidationError(
            [
                {
                    "loc": [*prefix, "csv", i.row, i.column],
                    "type": "csv_invalid",
                    "msg": f"row {i.row}, column {i.column}: {i.reason}",
                    "row": i.row,
                    "column": i.column,
                }
                for i in exc.issues
            ]
        )
    return ValidationError([{"loc": [*prefix, exc.field], "type": "value_error", "msg": exc.reason}])


def _schema_error(exc: PydanticError, prefix: tuple[str, ...] = ("body",)) -> ValidationError:
    return ValidationError(
        [
            {
                "loc": [*prefix, *err["loc"]],
                "type": err["type"],
                "msg": err["msg"].removeprefix("Value error, "),
            }
            for err in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
    )


@contextmanager
def _core_refusals(kind: str, inputs: Any, prefix: tuple[str, ...] = ("body",)) -> Iterator[None]:
    """A refusal of the core is a 422 placed where the input was sent (`prefix`)."""
    try:
        yield
    except CapacityInputError as exc:
        if exc.field == "demand":
            # The core says "demand" for the history it was given; name the part of the body that held it.
            exc = CapacityInputError("rows" if getattr(inputs, "rows", None) else "csv", exc.reason)
        raise _core_error(
            exc, prefix, rows=kind == "plan" and getattr(inputs, "rows", None) is not None
        ) from None


def compute(
    kind: str, inputs: Any, prefix: tuple[str, ...] = ("body",), *, read: Any = None
) -> dict[str, Any]:
    """Compute a result; a refusal of the core is a 422 placed where the input was sent (`prefix`)."""
    with _core_refusals(kind, inputs, prefix):
        if kind == "erlang":
            return capacity.compute_erlang(inputs)
        if kind == "plan":
            return capacity.compute_plan(inputs, read=read)
        return capacity.compute_simulation(inputs)
    raise AssertionError("unreachable")  # pragma: no cover


def plan_read(inp: PlanInput, prefix: tuple[str, ...] = ("body",)) -> Any:
    """The plan's demand read and checked: every bad row is a 422 before anything is computed or queued."""
    with _core_refusals("plan", inp, prefix):
        return capacity.plan_read(inp)
    raise AssertionError("unreachable")  # pragma: no cover


_BACKGROUND = (
    "Above {what} the answer is 202 with a background job instead (the input is checked first: a bad "
    "one is still a 422 and queues nothing); poll its `url` (`GET /api/v1/jobs/{{id}}`) until its status "
    "is `done`, then `download_url` gives {result}. `failed` carries the reason in `message`."
)
PLAN_BACKGROUND = _BACKGROUND.format(
    what=f"{BACKGROUND_PLAN_INTERVALS:,} intervals of demand history (`BACKGROUND_PLAN_INTERVALS`), or "
    f"{BACKGROUND_SIMULATED_CALLS:,} simulated calls (`BACKGROUND_SIMULATED_CALLS`: the busiest day of "
    "the history × `replications`, with `simulate`)",
    result="the same JSON as the synchronous answer",
)
SIMULATE_BACKGROUND = _BACKGROUND.format(
    what=f"{BACKGROUND_SIMULATED_CALLS:,} simulated calls (sum of `calls` × `replications`, "
    "`BACKGROUND_SIMULATED_CALLS`)",
    result="the same JSON as the synchronous answer",
)


# --------------------------------------------------------------------------------------------
# compute


_FRACTION = "a fraction from 0 to 1 (0.8 is 80 %), as every share in this API"


class ErlangRow(Schema):
    agents: int
    fte: int
    service_level: float = Field(description="Service level under the chosen definition: " + _FRACTION)
    asa: float | None = Field(description="null when the queue grows without bound")
    abandonment: float = Field(description="Share of calls abandoned (0 for Erlang C): " + _FRACTION)
    occupancy: float = Field(description="Occupancy: " + _FRACTION)
    p_wait: float = Field(description="Share of callers who wait: " + _FRACTION)
    meets_target: bool
    is_answer: bool


class ErlangOut(Schema):
    model: str
    offered_load: float
    agents: int = Field(description="Smallest number of agents that meets every limit of the target")
    fte: int = Field(description="Agents after shrinkage, rounded up to whole people")
    service_level: float = Field(description="Service level under the chosen definition: " + _FRACTION)
    service_level_offered: float = Field(description="Answered in time over all calls offered: " + _FRACTION)
    service_level_answered: float = Field(description="Answered in time over calls answered: " + _FRACTION)
    asa: float | None
    average_wait: float | None
    p_wait: float = Field(description="Share of callers who wait: " + _FRACTION)
    occupancy: float = Field(description="Occupancy: " + _FRACTION)
    abandonment: float = Field(description="Share of calls abandoned (0 for Erlang C): " + _FRACTION)
    table: list[ErlangRow] = Field(
        description="The reverse question: service for agent counts around the answer"
    )
    definitions: dict[str, str]


@router.post(
    "/capacity/erlang", response=ErlangOut, summary="Agents required for one interval (Erlang C or A)"
)
def erlang(request: ApiRequest, payload: ErlangInput) -> dict[str, Any]:
    _organisation(request)
    return compute("erlang", payload)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic schema with its $defs written in place: the operation's own body schema is not
    a registered component, so references into it would dangle in the OpenAPI document."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(schema)  # type: ignore[no-any-return]


PLAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline_refs(PlanInput.model_json_schema())},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "Demand CSV"},
                        **{
                            name: {"type": "string", "description": field.description or ""}
                            for name, field in PlanParams.model_fields.items()
                        },
                    },
                }
            },
        },
    }
}


def _plan_input(request: ApiRequest) -> PlanInput:
    """A plan's input from JSON, or from a multipart upload (``file`` plus the parameters as fields)."""
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(
                [{"loc": ["body", "file"], "type": "missing", "msg": "upload the demand CSV as 'file'"}]
            )
        if (upload.size or 0) > settings.SOMS_MAX_UPLOAD_BYTES:
            # Refused before reading: a huge file must not be parsed at all.
            raise HttpError(413, f"file: larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte upload limit")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                [{"loc": ["body", "file"], "type": "value_error", "msg": "the file is not UTF-8 text"}]
            ) from None
        try:
            fields = SomsParser().parse_querydict(request.POST, [], request)
        except Invalid as exc:
            # The form's fields are the plan's body, as in the JSON form.
            raise Invalid(Problem(("body", *p.loc[1:]), p.msg, p.type) for p in exc.problems) from None
        fields = {k: v for k, v in fields.items() if v != ""}
        data: dict[str, Any] = {**fields, "csv": text, "filename": (upload.name or "")[:200]}
    else:
        # The same reader as every other body: deep nesting, long numbers and NUL are 422s.
        try:
            parsed = SomsParser().parse_body(request) if request.body else None
        except Invalid as exc:
            raise exc.within("body") from None
        if not isinstance(parsed, dict):
            raise ValidationError([{"loc": ["body"], "type": "dict_type", "msg": "send a JSON object"}])
        data = parsed
    try:
        return PlanInput.model_validate(data)
    except PydanticError as exc:
        raise _schema_error(exc) from None


@router.post(
    "/capacity/plan",
    response={200: dict[str, Any], 202: JobOut},
    summary="Profile, forecast, backtest and staffing plan (and optionally a simulated day) from interval demand",
    description=(
        "Send JSON (`csv` text or `rows`, plus parameters) or multipart form data (`file` plus the parameters "
        "as fields). A bad file answers 422 with one entry per problem, each naming its row and column. "
        + PLAN_BACKGROUND
    ),
    openapi_extra=documented("capacity", PLAN_BODY),
)
def plan(request: ApiRequest) -> Any:
    if (answer := refused(request, "capacity")) is not None:
        return answer
    organisation = _organisation(request)
    inp = _plan_input(request)
    read = plan_read(inp)
    if read.runs_in_background:
        job = services.capacity_compute_start(organisation=organisation, actor=request.user, inp=inp)
        return Status(202, job_out(job))
    return compute("plan", inp, read=read)


@router.post(
    "/capacity/simulate",
    response={200: dict[str, Any], 202: JobOut},
    summary="Simulate a day of intervals and compare it with the Erlang formula, interval by interval",
    description=SIMULATE_BACKGROUND,
    openapi_extra=documented("capacity"),
)
def simulate(request: ApiRequest, payload: SimulateInput) -> Any:
    if (answer := refused(request, "capacity")) is not None:
        return answer
    organisation = _organisation(request)
    if capacity.simulation_runs_in_background(payload):
        job = services.capacity_compute_start(organisation=organisation, actor=request.user, inp=payload)
        return Status(202, job_out(job))
    return compute("simulation", payload)


# --------------------------------------------------------------------------------------------
# saved studies


class StudySummaryOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    revision: int


class StudyOut(StudySummaryOut):
    inputs: dict[str, Any]
    results: dict[str, Any]


class StudyCreateIn(Input):
    name: Name
    description: Description = ""
    kind: Kind
    inputs: dict[str, Any] = Field(
        description="As for POST /capacity/erlang, /capacity/plan (JSON form) or /capacity/simulate"
    )


class StudyPatchIn(Input):
    name: Name
    revision: int = Field(ge=1, description="The revision you read; a stale one answers 409")


class CapacityConflictOut(Schema):
    detail: str
    revision: int


class CapacityDownloadQuery(Input):
    format: Literal["csv", "svg", "json"] = "json"
    chart: str | None = Field(None, description="For SVG: heatmap, forecast, staffing, simulation or agents")


def _summary(study: CapacityStudy) -> dict[str, Any]:
    return {
        "id": study.pk,
        "name": study.name,
        "description": study.description,
        "kind": study.kind,
        "created_by": study.created_by.get_username() if study.created_by else None,
        "created_at": study.created_at,
        "updated_at": study.updated_at,
        "revision": study.revision,
    }


def _full(study: CapacityStudy) -> dict[str, Any]:
    return _summary(study) | {"inputs": study.inputs, "results": study.results}


INPUT_SCHEMAS: dict[str, type[Any]] = {"erlang": ErlangInput, "plan": PlanInput, "simulation": SimulateInput}


@router.get(
    "/capacity/studies", response=list[StudySummaryOut], summary="Saved studies of the current organisation"
)
def study_list(request: ApiRequest) -> list[dict[str, Any]]:
    return [_summary(s) for s in selectors.capacity_studies_for(organisation=_organisation(request))]


@router.post(
    "/capacity/studies",
    response={201: StudyOut, 202: JobOut},
    summary="Compute and save a study; the server computes the results from the inputs",
    description=(
        "A plan or simulation above the thresholds of `POST /capacity/plan` and `/capacity/simulate` is "
        "computed and saved by a background job: the answer is 202 with the job (the inputs are checked "
        "first; a bad one is a 422 and queues nothing); when its status is `done`, `result_url` is the "
        "study's page and `download_url` gives the study as `GET /capacity/studies/{id}/download` does."
    ),
    openapi_extra=documented("capacity"),
)
def study_create(request: ApiRequest, payload: StudyCreateIn) -> Any:
    if (answer := refused(request, "capacity")) is not None:
        return answer
    organisation = _organisation(request)
    name = payload.name.strip()
    if not name:
        raise ValidationError(
            [{"loc": ["body", "payload", "name"], "type": "value_error", "msg": "must not be blank"}]
        )
    try:
        # The inputs came as JSON, but the dict[str, Any] field copied them into plain dicts: marked
        # again, so that "180" is refused here as in POST /capacity/erlang.
        inp = INPUT_SCHEMAS[payload.kind].model_validate(as_json(payload.inputs))
    except PydanticError as exc:
        raise _schema_error(exc, ("body", "payload", "inputs")) from None
    read = plan_read(inp, ("body", "payload", "inputs")) if isinstance(inp, PlanInput) else None
    if services.capacity_compute_runs_in_background(inp, read):
        job = services.capacity_compute_start(
            organisation=organisation, actor=request.user, inp=inp, save_as=(name, payload.description)
        )
        return Status(202, job_out(job))
    try:
        study = services.capacity_study_create(
            organisation=organisation,
            actor=request.user,
            name=name,
            description=payload.description,
            inp=inp,
            read=read,
        )
    except CapacityInputError as exc:
        raise _core_error(exc, ("body", "payload", "inputs")) from None
    return Status(201, _full(study))


@router.get(
    "/capacity/studies/{study_id}", response=StudyOut, summary="One saved study with its inputs and results"
)
def study_detail(request: ApiRequest, study_id: Id) -> dict[str, Any]:
    return _full(access.capacity_study_for(request.membership, study_id))


@router.patch(
    "/capacity/studies/{study_id}",
    response={200: StudyOut, 409: CapacityConflictOut},
    summary="Rename a study (its creator, or an owner or admin); send the revision you read",
)
def study_rename(request: ApiRequest, study_id: Id, payload: StudyPatchIn) -> Any:
    study = access.capacity_study_for(request.membership, study_id)
    name = payload.name.strip()
    if not name:
        raise ValidationError(
            [{"loc": ["body", "payload", "name"], "type": "value_error", "msg": "must not be blank"}]
        )
    try:
        study = services.capacity_study_rename(
            study=study,
            membership=request.membership,
            actor=request.user,
            name=name,
            revision=payload.revision,
        )
    except services.StudyConflict as exc:
        return Status(
            409,
            {
                "detail": "The study was changed since you read it; fetch it again and retry",
                "revision": exc.current,
            },
        )
    return _full(study)


@router.delete(
    "/capacity/studies/{study_id}",
    response={204: None, 409: CapacityConflictOut},
    summary="Delete a study (its creator, or an owner or admin); ?revision= refuses a stale delete",
)
def study_delete(request: ApiRequest, study_id: Id, revision: int | None = None) -> Status[Any]:
    study = access.capacity_study_for(request.membership, study_id)
    try:
        services.capacity_study_delete(
            study=study,
            membership=request.membership,
            actor=request.user,
            revision=revision,
        )
    except services.StudyConflict as exc:
        return Status(
            409,
            {
                "detail": "The study was changed since you read it; nothing was deleted",
                "revision": exc.current,
            },
        )
    return Status(204, None)


@router.get(
    "/capacity/studies/{study_id}/download",
    response={200: None},
    summary="Download a study as CSV, SVG (one chart) or JSON",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {"text/csv": {}, "image/svg+xml": {}, "application/json": {}},
            }
        }
    },
)
def study_download(request: ApiRequest, study_id: Id, query: Query[CapacityDownloadQuery]) -> HttpResponse:
    study = access.capacity_study_for(request.membership, study_id)
    try:
        return study_download_response(study, query.format, query.chart)
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise ValidationError([{"loc": ["query", field], "type": "value_error", "msg": reason}]) from None
