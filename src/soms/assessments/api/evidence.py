"""Evidence over the API: list a person's, add one (multipart, a file or not), read, download,
link to statements and unlink, delete. The same access helpers and services as the pages; a
service's `Invalid` answers 422 naming the field, `EvidenceConflict` 409 (soms.api.router)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from ninja import Router, Schema, Status
from ninja.files import UploadedFile
from ninja.params import functions as param
from pydantic import Field

from soms.assessments import access
from soms.assessments.models import Evidence, EvidenceStatement
from soms.assessments.services import evidence as svc
from soms.assessments.views.evidence import download_response
from soms.core.problems import Invalid
from soms.fields import MAX_ID, Day, Id, Input
from soms.people.access import person_for
from soms.people.models import Person
from soms.tenancy.access import NotFound
from soms.tenancy.models import Membership
from soms.tenancy.requests import ApiRequest

router = Router(tags=["evidence"])

FORM_FIELDS = frozenset(
    {
        "person_id",
        "kind",
        "title",
        "refers_on",
        "text",
        "url",
        "toolkit_kind",
        "toolkit_result_id",
        "statement_ids",
    }
)


class StatementRef(Schema):
    id: int
    code: str
    version_id: int


class EvidenceOut(Schema):
    id: int
    person_id: int
    kind: str
    title: str
    text: str
    url: str
    filename: str
    content_type: str
    size: int
    sha256: str
    toolkit_kind: str
    toolkit_result_id: int | None
    refers_on: date
    created_at: datetime
    created_by: str | None
    statements: list[StatementRef]
    download: str | None
    deletable: bool


class StatementIdsIn(Input):
    statement_ids: list[Id] = Field(..., max_length=500)


def _m(request: ApiRequest) -> Membership:
    m = request.membership
    if m is None:
        raise PermissionDenied("You are not a member of any organisation")
    return m


def _person(m: Membership, person_id: int) -> Person:
    """A person named in the query or form: one the member cannot see is bad input there (422)."""
    try:
        return person_for(m, person_id)
    except NotFound:
        raise Invalid.for_field("person_id", f"no person with id {person_id} that you can see") from None


def _out(e: Evidence, m: Membership) -> dict[str, Any]:
    links = EvidenceStatement.objects.filter(evidence=e).select_related("statement").order_by("statement_id")
    return {
        "id": e.pk,
        "person_id": e.person_id,
        "kind": e.kind,
        "title": e.title,
        "text": e.text,
        "url": e.url,
        "filename": e.filename,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "toolkit_kind": e.toolkit_kind,
        "toolkit_result_id": e.toolkit_result_id,
        "refers_on": e.refers_on,
        "created_at": e.created_at,
        "created_by": e.created_by.get_username() if e.created_by else None,
        "statements": [
            {"id": link.statement_id, "code": link.statement.code, "version_id": link.statement.version_id}
            for link in links
        ],
        "download": f"/api/v1/evidence/{e.pk}/download" if e.kind == "file" and e.file else None,
        "deletable": svc.may_delete(m, e) and not svc.relied_on(e),
    }


@router.get(
    "/evidence", response=list[EvidenceOut], summary="A person's evidence (for one statement, if given)"
)
def evidence_list(
    request: ApiRequest,
    person_id: int = param.Query(..., ge=1, le=MAX_ID),
    statement_id: int | None = param.Query(None, ge=1, le=MAX_ID),
) -> list[dict[str, Any]]:
    m = _m(request)
    person = _person(m, person_id)
    qs = svc.evidence_of(m, person).select_related("created_by")
    if statement_id is not None:
        qs = qs.filter(links__statement_id=statement_id)
    return [_out(e, m) for e in qs[:500]]


@router.post(
    "/evidence",
    response={201: EvidenceOut},
    summary="Add evidence about a person: text, a link, a file (multipart) or a saved toolkit result",
)
def evidence_create(
    request: ApiRequest,
    person_id: int = param.Form(..., ge=1, le=MAX_ID),  # noqa: B008
    kind: str = param.Form(..., description="text, link, file or toolkit", max_length=20),  # noqa: B008
    refers_on: Day = param.Form(..., description="The date the evidence is about (not in the future)"),  # noqa: B008
    title: str = param.Form("", max_length=svc.TITLE_MAX),  # noqa: B008
    text: str = param.Form("", max_length=20_000),  # noqa: B008
    url: str = param.Form("", max_length=svc.URL_MAX),  # noqa: B008
    toolkit_kind: str = param.Form("", max_length=40),  # noqa: B008
    toolkit_result_id: int | None = param.Form(None, ge=1, le=MAX_ID),  # noqa: B008
    statement_ids: list[int] = param.Form([], description="Statement ids it supports (repeat the field)"),  # noqa: B008
    file: UploadedFile | None = param.File(None),  # noqa: B008
) -> Status[dict[str, Any]]:
    """Send `multipart/form-data` (or a urlencoded form when there is no file). A file is told by its
    content (PDF, PNG, JPEG, XLSX, DOCX, PPTX, CSV, UTF-8 text), at most `MAX_EVIDENCE_BYTES`."""
    m = _m(request)
    unknown = sorted((set(request.POST) - FORM_FIELDS) | (set(request.FILES) - {"file"}))
    if unknown:
        raise Invalid.for_field(
            "form",
            f"unknown fields {', '.join(map(repr, unknown))}; accepted: file, "
            + ", ".join(sorted(FORM_FIELDS)),
        )
    person = _person(m, person_id)
    try:
        item = svc.evidence_create(
            membership=m,
            actor=request.user,
            person=person,
            data=svc.EvidenceData(
                kind=kind,
                title=title,
                refers_on=refers_on,
                text=text,
                url=url,
                file=file,
                filename=(file.name or "") if file is not None else "",
                toolkit_kind=toolkit_kind,
                toolkit_result_id=toolkit_result_id,
                statement_ids=statement_ids,
            ),
        )
    except Invalid as exc:
        raise exc.within("form") from None
    return Status(201, _out(item, m))


@router.get("/evidence/{evidence_id}", response=EvidenceOut, summary="One evidence item")
def evidence_get(request: ApiRequest, evidence_id: int) -> dict[str, Any]:
    m = _m(request)
    return _out(access.evidence_for(m, evidence_id), m)


@router.get(
    "/evidence/{evidence_id}/download",
    summary="The evidence file, as an attachment with its original name",
    openapi_extra={
        "responses": {"200": {"description": "The file", "content": {"application/octet-stream": {}}}}
    },
)
def evidence_download(request: ApiRequest, evidence_id: int) -> FileResponse:
    return download_response(access.evidence_for(_m(request), evidence_id))


@router.post(
    "/evidence/{evidence_id}/statements",
    response=EvidenceOut,
    summary="Let the evidence support these statements too",
)
def evidence_attach(request: ApiRequest, evidence_id: int, payload: StatementIdsIn) -> dict[str, Any]:
    m = _m(request)
    item = access.evidence_for(m, evidence_id)
    try:
        svc.evidence_attach(
            membership=m, actor=request.user, evidence=item, statement_ids=payload.statement_ids
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return _out(item, m)


@router.delete(
    "/evidence/{evidence_id}/statements/{statement_id}",
    response={204: None},
    summary="Stop the evidence supporting a statement (kept while a validated assessment relies on it)",
)
def evidence_detach(request: ApiRequest, evidence_id: int, statement_id: int) -> Status[None]:
    m = _m(request)
    item = access.evidence_for(m, evidence_id)
    svc.evidence_detach(membership=m, actor=request.user, evidence=item, statement_id=statement_id)
    return Status(204, None)


@router.delete(
    "/evidence/{evidence_id}",
    response={204: None},
    summary="Delete evidence (its creator or an admin; kept while a validated assessment relies on it)",
)
def evidence_delete(request: ApiRequest, evidence_id: int) -> Status[None]:
    m = _m(request)
    item = access.evidence_for(m, evidence_id)
    svc.evidence_delete(membership=m, actor=request.user, evidence=item)
    return Status(204, None)
