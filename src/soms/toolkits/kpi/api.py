"""KPI API: definitions, measurements (posted one by one or imported from CSV) and calculators."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError

from soms.core import kpi as core
from soms.core.problems import Invalid, Problem
from soms.core.safeload import json_loads
from soms.core.toolkit_input import ToolkitInputError
from soms.fields import Input as SchemaIn
from soms.tenancy.requests import ApiRequest
from soms.toolkits.kpi import compute, selectors, services
from soms.toolkits.kpi.schemas import CsatIn, FcrIn, KpiIn, MeasurementIn, NpsIn, SlaIn
from soms.toolkits.models.saved import Kpi, KpiMeasurement
from soms.toolkits.saved.api import SavedConflictOut, core_error, organisation_of

router = Router(tags=["kpis"])


class MeasurementOut(Schema):
    id: int
    period: date
    value: float
    status: str
    note: str
    source: str
    details: dict[str, Any] | None


class KpiOut(Schema):
    id: int
    kind: str
    name: str
    formula: str
    unit: str
    direction: str
    data_source: str
    owner: str
    frequency: str
    target: float | None
    amber_limit: float | None
    revision: int
    status: str = Field(description="green, amber, red, or none (no target or no measurement)")
    trend: str = Field(description="improving, worsening, steady, or unknown")
    latest: dict[str, Any] | None
    measurements: list[MeasurementOut]


class KpiUpdateIn(KpiIn):
    revision: int = Field(
        ..., ge=1, le=2**31 - 1, description="The revision you read; a stale one answers 409"
    )


class ImportIn(SchemaIn):
    csv: str = Field(description="period,value[,note] with a header line")


class KpiImportOut(Schema):
    created: int
    replaced: int


class KpiDetailOut(Schema):
    detail: str


def _kpi(request: ApiRequest, kpi_id: int) -> Kpi:
    return selectors.kpi_for(organisation=organisation_of(request), kpi_id=kpi_id)


def _document(kpi: Kpi) -> dict[str, Any]:
    return compute.kpi_document(Kpi.objects.prefetch_related("measurements").get(pk=kpi.pk))


@router.get("/kpis", response=list[KpiOut], summary="KPIs of the current organisation, with status and trend")
def kpi_list(request: ApiRequest) -> list[dict[str, Any]]:
    return [compute.kpi_document(k) for k in selectors.kpis_for(organisation=organisation_of(request))]


@router.post(
    "/kpis", response={201: KpiOut, 409: KpiDetailOut}, summary="Define a KPI (owners, admins, managers)"
)
def kpi_create(request: ApiRequest, payload: KpiIn) -> Status:  # type: ignore[type-arg]
    try:
        kpi = services.kpi_create(
            organisation=organisation_of(request),
            membership=request.membership,
            actor=request.user,
            data=payload,
        )
    except ToolkitInputError as exc:
        raise core_error(exc) from None
    except services.KpiConflict as exc:
        return Status(409, {"detail": str(exc)})
    return Status(201, _document(kpi))


@router.get("/kpis/{kpi_id}", response=KpiOut, summary="One KPI with its measurements, status and trend")
def kpi_detail(request: ApiRequest, kpi_id: int) -> dict[str, Any]:
    return _document(_kpi(request, kpi_id))


@router.put(
    "/kpis/{kpi_id}",
    response={200: KpiOut, 409: SavedConflictOut},
    summary="Change a KPI's definition and thresholds; send the revision you read",
)
def kpi_update(request: ApiRequest, kpi_id: int, payload: KpiUpdateIn) -> Any:
    kpi = _kpi(request, kpi_id)
    try:
        kpi = services.kpi_update(
            kpi=kpi,
            membership=request.membership,
            actor=request.user,
            data=KpiIn.model_validate(payload.model_dump(exclude={"revision"})),
            revision=payload.revision,
        )
    except ToolkitInputError as exc:
        raise core_error(exc) from None
    except services.KpiConflict as exc:
        return Status(409, {"detail": str(exc), "revision": exc.current or kpi.revision})
    return _document(kpi)


@router.delete(
    "/kpis/{kpi_id}", response={204: None, 409: SavedConflictOut}, summary="Delete a KPI and its measurements"
)
def kpi_delete(request: ApiRequest, kpi_id: int, revision: int | None = None) -> Status:  # type: ignore[type-arg]
    kpi = _kpi(request, kpi_id)
    try:
        services.kpi_delete(kpi=kpi, membership=request.membership, actor=request.user, revision=revision)
    except services.KpiConflict as exc:
        return Status(409, {"detail": str(exc), "revision": exc.current or kpi.revision})
    return Status(204, None)


@router.get(
    "/kpis/{kpi_id}/measurements", response=list[MeasurementOut], summary="A KPI's measurements, oldest first"
)
def measurement_list(request: ApiRequest, kpi_id: int) -> list[dict[str, Any]]:
    return _document(_kpi(request, kpi_id))["measurements"]  # type: ignore[no-any-return]


@router.post(
    "/kpis/{kpi_id}/measurements",
    response={201: MeasurementOut},
    summary="Record a value for a period (replaces the period's earlier value)",
)
def measurement_record(request: ApiRequest, kpi_id: int, payload: MeasurementIn) -> Status:  # type: ignore[type-arg]
    kpi = _kpi(request, kpi_id)
    m = services.kpi_measurement_record(
        kpi=kpi,
        membership=request.membership,
        actor=request.user,
        period=payload.period,
        value=payload.value,
        note=payload.note,
        source=KpiMeasurement.Source.API,
    )
    return Status(201, next(x for x in _document(kpi)["measurements"] if x["id"] == m.pk))


IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": ImportIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "period,value[,note]"}
                    },
                }
            },
        },
    }
}


def _import_text(request: ApiRequest) -> str:
    if request.content_type == "multipart/form-data":
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError(
                [{"loc": ["body", "file"], "type": "missing", "msg": "upload the CSV as 'file'"}]
            )
        if (upload.size or 0) > settings.SOMS_MAX_UPLOAD_BYTES:
            raise HttpError(413, f"file: larger than the {settings.SOMS_MAX_UPLOAD_BYTES} byte upload limit")
        raw: bytes = upload.read()
    else:
        try:
            # The safe reader: `[` x 100,000 is a problem of the body, not a RecursionError.
            data = json_loads(request.body or b"null", refuse_nul=False)
        except Invalid as exc:
            if all(p.type == "string_unicode" for p in exc.problems):
                # Good JSON whose text is no Unicode (a lone surrogate): said where, not "send JSON".
                raise ValidationError(
                    [{"loc": ["body", *p.loc], "type": p.type, "msg": p.msg} for p in exc.problems]
                ) from None
            raise ValidationError(
                [{"loc": ["body"], "type": "json_invalid", "msg": 'send JSON {"csv": …} or a file'}]
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("csv"), str):
            raise ValidationError(
                [{"loc": ["body", "csv"], "type": "missing", "msg": "send the CSV text as 'csv'"}]
            )
        text: str = data["csv"]
        return text
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            [{"loc": ["body", "file"], "type": "value_error", "msg": "the file is not UTF-8 text"}]
        ) from None


@router.post(
    "/kpis/{kpi_id}/measurements/import",
    response={200: KpiImportOut},
    summary="Import measurements from CSV (period,value[,note]); all or nothing, problems by row and column",
    openapi_extra=IMPORT_BODY,
)
def measurement_import(request: ApiRequest, kpi_id: int) -> dict[str, int]:
    kpi = _kpi(request, kpi_id)
    if not selectors.kpi_can_manage(membership=request.membership):
        raise PermissionDenied(services.MANAGE_REFUSED)
    text = _import_text(request)
    try:
        rows = core.parse_measurements_csv(text)
    except ToolkitInputError as exc:
        field = "file" if request.content_type == "multipart/form-data" else "csv"
        raise core_error(_in_field(exc, field, everything=True), ("body",)) from None
    created, replaced = services.kpi_measurements_import(
        kpi=kpi,
        membership=request.membership,
        actor=request.user,
        rows=rows,
    )
    return {"created": created, "replaced": replaced}


@router.delete(
    "/kpis/{kpi_id}/measurements/{measurement_id}", response={204: None}, summary="Delete one measurement"
)
def measurement_delete(request: ApiRequest, kpi_id: int, measurement_id: int) -> Status:  # type: ignore[type-arg]
    kpi = _kpi(request, kpi_id)
    m = selectors.kpi_measurement_for(kpi=kpi, measurement_id=measurement_id)
    services.kpi_measurement_delete(measurement=m, membership=request.membership, actor=request.user)
    return Status(204, None)


class KpiDownloadQuery(SchemaIn):
    format: Literal["csv", "svg", "json"] = "json"


@router.get(
    "/kpis/{kpi_id}/download",
    response={200: None},
    summary="Download a KPI's measurements as CSV, its trend as SVG, or everything as JSON",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file",
                "content": {"text/csv": {}, "image/svg+xml": {}, "application/json": {}},
            }
        }
    },
)
def kpi_download(request: ApiRequest, kpi_id: int, query: Query[KpiDownloadQuery]) -> HttpResponse:
    kpi = Kpi.objects.prefetch_related("measurements").get(pk=_kpi(request, kpi_id).pk)
    return compute.kpi_download_response(kpi, query.format)


# --- calculators ----------------------------------------------------------------------------------


def _in_field(exc: ToolkitInputError, field: str, *, everything: bool = False) -> ToolkitInputError:
    """The core places a CSV's problems in a "file"; through the API the CSV is the text of a field
    (`csv`), so that field is where they are: ("csv", "header"), not ("file", "header").
    `everything`: every problem is the CSV's (("row", 3, "period") -> ("csv", "row", 3, "period"))."""
    return ToolkitInputError(
        [
            Problem((field, *p.loc[1:]), p.msg, p.type)
            if p.loc[:1] == ("file",)
            else Problem((field, *p.loc), p.msg, p.type)
            if everything
            else p
            for p in exc.problems
        ]
    )


def _calc(fn: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    try:
        return fn(*args, **kwargs)  # type: ignore[no-any-return]
    except ToolkitInputError as exc:
        raise core_error(_in_field(exc, "csv")) from None


@router.post(
    "/kpi/nps",
    response=dict[str, Any],
    summary="Net Promoter Score from 0–10 answers, with counts and interval",
)
def calc_nps(request: ApiRequest, payload: NpsIn) -> dict[str, Any]:
    organisation_of(request)
    return _calc(compute.nps, payload)


@router.post(
    "/kpi/csat",
    response=dict[str, Any],
    summary="Customer satisfaction: share of answers at or above 'satisfied'",
)
def calc_csat(request: ApiRequest, payload: CsatIn) -> dict[str, Any]:
    organisation_of(request)
    return _calc(compute.csat, payload)


@router.post(
    "/kpi/sla",
    response=dict[str, Any],
    summary="SLA attainment from a ticket CSV, in clock or business hours",
)
def calc_sla(request: ApiRequest, payload: SlaIn) -> dict[str, Any]:
    organisation_of(request)
    return _calc(compute.sla, payload, now=timezone.now())


@router.post(
    "/kpi/fcr",
    response=dict[str, Any],
    summary="First-contact resolution: resolved in one contact over all resolved",
)
def calc_fcr(request: ApiRequest, payload: FcrIn) -> dict[str, Any]:
    organisation_of(request)
    return _calc(compute.fcr, payload)
