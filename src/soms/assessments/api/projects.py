"""Change projects over the API: list, create, read, replace (with the revision you read), submit,
return, validate, and the evidence attached. A service's `Invalid` answers 422 naming the field,
`ProjectConflict` 409 with the current revision (soms.api.router)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from ninja import Field, Router, Schema, Status
from ninja.params import functions as param

from soms.assessments import access
from soms.assessments.models import (
    AssessmentEvent,
    ChangeProject,
    ProjectOutcome,
    ProjectStatus,
)
from soms.assessments.models import (
    Status as Review,
)
from soms.assessments.services import projects as svc
from soms.core.problems import Invalid, Problem
from soms.fields import MAX_ID, Id, Input
from soms.frameworks.models import FrameworkVersion, VersionStatus
from soms.limits import MAX_PROJECT_OUTCOMES
from soms.people.models import Person, Team
from soms.tenancy.access import NotFound, require
from soms.tenancy.models import Membership
from soms.tenancy.requests import ApiRequest

router = Router(tags=["change projects"])


class OutcomeIn(Input):
    description: str = Field(..., max_length=300)
    kpi: str = Field("", max_length=200)
    before: float | None = None
    after: float | None = None
    unit: str = Field("", max_length=40)


class ProjectIn(Input):
    code: str = Field(
        ..., max_length=svc.CODE_MAX, description="Your own reference, unique in the organisation"
    )
    title: str = Field(..., max_length=svc.TITLE_MAX)
    scope: str = Field("", max_length=10_000)
    version_id: Id
    owner_id: Id | None = Field(None, description="The owning person; or give team_id and member_ids")
    team_id: Id | None = None
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)
    areas: list[str] = Field(default_factory=list, max_length=2000, description="Area codes of the version")
    status: ProjectStatus = ProjectStatus.PLANNED
    started_on: date | None = None
    completed_on: date | None = None
    outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=MAX_PROJECT_OUTCOMES)


class ProjectUpdateIn(ProjectIn):
    revision: int = Field(
        ..., ge=1, le=2**31 - 1, description="The revision you read; a stale one answers 409"
    )


class ProjectRevisionIn(Input):
    revision: int | None = Field(None, ge=1, le=2**31 - 1, description="The revision you read (409 if stale)")


class ProjectReturnIn(ProjectRevisionIn):
    reason: str = Field(..., max_length=svc.REASON_MAX)


class EvidenceIdIn(Input):
    evidence_id: Id


class OutcomeOut(Schema):
    description: str
    kpi: str
    before: float | None
    after: float | None
    unit: str


class ProjectEventOut(Schema):
    action: str
    actor: str | None
    reason: str
    at: datetime


class ProjectOut(Schema):
    id: int
    code: str
    title: str
    scope: str
    version_id: int
    owner_id: int | None
    team_id: int | None
    member_ids: list[int]
    areas: list[str]
    status: str
    started_on: date | None
    completed_on: date | None
    review_status: str
    return_reason: str
    validated_on: date | None
    validated_by: str | None
    outcomes: list[OutcomeOut]
    evidence_ids: list[int]
    events: list[ProjectEventOut]
    revision: int


class ProjectListItem(Schema):
    id: int
    code: str
    title: str
    owner_id: int | None
    team_id: int | None
    status: str
    review_status: str
    areas: list[str]
    completed_on: date | None
    validated_on: date | None
    revision: int


def _m(request: ApiRequest) -> Membership:
    m = request.membership
    if m is None:
        raise PermissionDenied("You are not a member of any organisation")
    return m


def _out(p: ChangeProject) -> dict[str, Any]:
    return {
        "id": p.pk,
        "code": p.code,
        "title": p.title,
        "scope": p.scope,
        "version_id": p.version_id,
        "owner_id": p.owner_id,
        "team_id": p.team_id,
        "member_ids": sorted(p.memberships.values_list("person_id", flat=True)),
        "areas": list(p.areas or []),
        "status": p.status,
        "started_on": p.started_on,
        "completed_on": p.completed_on,
        "review_status": p.review_status,
        "return_reason": p.return_reason,
        "validated_on": p.validated_on,
        "validated_by": p.validated_by.get_username() if p.validated_by else None,
        "outcomes": list(
            ProjectOutcome.objects.filter(project=p).values("description", "kpi", "before", "after", "unit")
        ),
        "evidence_ids": sorted(p.evidence.values_list("pk", flat=True)),
        "events": [
            {
                "action": e.action,
                "actor": e.actor.get_username() if e.actor else None,
                "reason": e.reason,
                "at": e.at,
            }
            for e in AssessmentEvent.objects.filter(project=p).select_related("actor")
        ],
        "revision": p.revision,
    }


def _data(m: Membership, payload: ProjectIn) -> svc.ProjectData:
    """Ids in the body resolved inside the organisation: anything else is a 422 at its place."""
    problems = []
    version = (
        FrameworkVersion.objects.filter(
            Q(framework__organisation__isnull=True) | Q(framework__organisation_id=m.organisation_id),
            status=VersionStatus.PUBLISHED,
            pk=payload.version_id,
        )
        .select_related("framework")
        .first()
    )
    if version is None:
        problems.append(("version_id", f"no published framework version with id {payload.version_id} here"))
    people = Person.objects.filter(organisation_id=m.organisation_id).in_bulk(
        [*payload.member_ids, *([payload.owner_id] if payload.owner_id else [])]
    )
    owner = people.get(payload.owner_id) if payload.owner_id else None
    if payload.owner_id and owner is None:
        problems.append(("owner_id", f"no person with id {payload.owner_id} in this organisation"))
    team = (
        Team.objects.filter(organisation_id=m.organisation_id, pk=payload.team_id).first()
        if payload.team_id
        else None
    )
    if payload.team_id and team is None:
        problems.append(("team_id", f"no team with id {payload.team_id} in this organisation"))
    members = []
    for i, pk in enumerate(payload.member_ids):
        if pk not in people:
            problems.append((f"member_ids.{i}", f"no person with id {pk} in this organisation"))
        else:
            members.append(people[pk])
    if problems:
        raise Invalid(
            Problem(("body", "payload", *[int(x) if x.isdigit() else x for x in field.split(".")]), msg)
            for field, msg in problems
        )
    assert version is not None
    return svc.ProjectData(
        code=payload.code,
        title=payload.title,
        scope=payload.scope,
        version=version,
        owner=owner,
        team=team,
        members=members,
        areas=payload.areas,
        status=payload.status,
        started_on=payload.started_on,
        completed_on=payload.completed_on,
        outcomes=[svc.OutcomeData(o.description, o.kpi, o.before, o.after, o.unit) for o in payload.outcomes],
    )


# The service's places, named as the body names them.
_BODY_NAMES = {"version": "version_id", "owner": "owner_id", "team": "team_id", "members": "member_ids"}


def _placed(exc: Invalid) -> Invalid:
    return Invalid(
        Problem(
            ("body", "payload", *((_BODY_NAMES.get(str(p.loc[0]), p.loc[0]),) + p.loc[1:] if p.loc else ())),
            p.msg,
            p.type,
        )
        for p in exc.problems
    )


@router.get("/change-projects", response=list[ProjectListItem], summary="Change projects you may see")
def project_list(
    request: ApiRequest,
    review_status: Review | None = param.Query(None),  # noqa: B008
    person_id: int | None = param.Query(None, ge=1, le=MAX_ID, description="Owned by or naming this person"),
    limit: int = param.Query(100, ge=1, le=500),
    offset: int = param.Query(0, ge=0, le=10**9),
) -> list[dict[str, Any]]:
    m = _m(request)
    qs = access.projects_visible(m).order_by("-updated_at", "-id")
    if review_status:
        qs = qs.filter(review_status=review_status)
    if person_id:
        qs = qs.filter(Q(owner_id=person_id) | Q(memberships__person_id=person_id)).distinct()
    return [
        {
            "id": p.pk,
            "code": p.code,
            "title": p.title,
            "owner_id": p.owner_id,
            "team_id": p.team_id,
            "status": p.status,
            "review_status": p.review_status,
            "areas": list(p.areas or []),
            "completed_on": p.completed_on,
            "validated_on": p.validated_on,
            "revision": p.revision,
        }
        for p in qs[offset : offset + limit]
    ]


@router.post("/change-projects", response={201: ProjectOut}, summary="Add a change project")
def project_create(request: ApiRequest, payload: ProjectIn) -> Status[dict[str, Any]]:
    m = _m(request)
    require(m, "project.manage")
    data = _data(m, payload)
    try:
        project = svc.project_create(membership=m, actor=request.user, data=data)
    except Invalid as exc:
        raise _placed(exc) from None
    return Status(201, _out(project))


@router.get("/change-projects/{project_id}", response=ProjectOut, summary="One change project")
def project_get(request: ApiRequest, project_id: int) -> dict[str, Any]:
    return _out(access.project_for(_m(request), project_id))


@router.put(
    "/change-projects/{project_id}",
    response=ProjectOut,
    summary="Replace what a project says (members and outcomes too); send the revision you read",
)
def project_update(request: ApiRequest, project_id: int, payload: ProjectUpdateIn) -> dict[str, Any]:
    m = _m(request)
    project = access.project_for(m, project_id)
    svc.require_manage(m, project)
    data = _data(m, payload)
    try:
        project = svc.project_update(
            membership=m, actor=request.user, project=project, data=data, revision=payload.revision
        )
    except Invalid as exc:
        raise _placed(exc) from None
    return _out(project)


@router.post("/change-projects/{project_id}/submit", response=ProjectOut, summary="Submit for validation")
def project_submit(request: ApiRequest, project_id: int, payload: ProjectRevisionIn) -> dict[str, Any]:
    m = _m(request)
    project = access.project_for(m, project_id)
    return _out(
        svc.project_submit(membership=m, actor=request.user, project=project, revision=payload.revision)
    )


@router.post(
    "/change-projects/{project_id}/return",
    response=ProjectOut,
    summary="Return to its owners, with the reason",
)
def project_return(request: ApiRequest, project_id: int, payload: ProjectReturnIn) -> dict[str, Any]:
    m = _m(request)
    require(m, "project.review")
    project = access.project_for(m, project_id)
    try:
        project = svc.project_return(
            membership=m,
            actor=request.user,
            project=project,
            reason=payload.reason,
            revision=payload.revision,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return _out(project)


@router.post(
    "/change-projects/{project_id}/validate",
    response=ProjectOut,
    summary="Validate (roles the version's rules name; never its own owners)",
)
def project_validate(request: ApiRequest, project_id: int, payload: ProjectRevisionIn) -> dict[str, Any]:
    m = _m(request)
    require(m, "project.review")
    project = access.project_for(m, project_id)
    return _out(
        svc.project_validate(membership=m, actor=request.user, project=project, revision=payload.revision)
    )


@router.post(
    "/change-projects/{project_id}/evidence",
    response=ProjectOut,
    summary="Attach evidence about the project's owner or a named member",
)
def project_evidence_attach(request: ApiRequest, project_id: int, payload: EvidenceIdIn) -> dict[str, Any]:
    m = _m(request)
    project = access.project_for(m, project_id)
    svc.require_manage(m, project)
    try:
        item = access.evidence_for(m, payload.evidence_id)
    except NotFound:
        raise Invalid.for_field(
            "body.payload.evidence_id", f"no evidence with id {payload.evidence_id} that you can see"
        ) from None
    try:
        svc.project_evidence_attach(membership=m, actor=request.user, project=project, evidence=item)
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return _out(project)


@router.delete(
    "/change-projects/{project_id}/evidence/{evidence_id}",
    response={204: None},
    summary="Detach evidence from a project (not once submitted or validated)",
)
def project_evidence_detach(request: ApiRequest, project_id: int, evidence_id: int) -> Status[None]:
    m = _m(request)
    project = access.project_for(m, project_id)
    svc.require_manage(m, project)
    item = access.evidence_for(m, evidence_id)
    if not project.evidence.filter(pk=item.pk).exists():
        raise NotFound("This evidence is not attached to the project")
    svc.project_evidence_detach(membership=m, actor=request.user, project=project, evidence=item)
    return Status(204, None)
