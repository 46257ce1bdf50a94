"""A person's attainment, history and self view; validity overrides; carry-over (JSON).

The same selectors and services as the profile page and `soms attainment show`. Who may read a
person's attainment is who may see the person (`soms.people.access`, `attainment.view`); validity
and carry-over are for owners and admins (`attainment.manage`). Long work answers 202 with the
recomputation job (`GET /api/v1/jobs/{id}` to follow it).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ninja import Router, Schema, Status
from ninja.params import functions as param
from pydantic import Field

from soms.assessments.selectors import profile as sel
from soms.assessments.services import carryover, validity
from soms.core.problems import Invalid
from soms.fields import Day, Input
from soms.frameworks.access import framework_version_for
from soms.frameworks.models import FrameworkVersion, Level
from soms.jobs.api import job_out
from soms.jobs.models import Job
from soms.people import access as people_access
from soms.people.models import Person
from soms.tenancy.access import NotFound, member_required, require
from soms.tenancy.requests import MemberRequest

router = Router(tags=["attainment"])
ID = 2**63 - 1


def _version_json(v: FrameworkVersion) -> dict[str, Any]:
    return {
        "id": v.pk,
        "framework": v.framework.code,
        "label": v.label,
        "name": f"{v.framework.name} {v.label}",
    }


def _elements_json(view: sel.VersionAttainment) -> list[dict[str, Any]]:
    return [
        {
            **{
                k: e.detail.get(k)
                for k in (
                    "element",
                    "level",
                    "since",
                    "refresh_due_on",
                    "expires_on",
                    "status",
                    "lapsed_level",
                    "lapsed_on",
                    "next_level",
                    "missing",
                )
            },
            "element": e.element.code,
            "element_name": e.element.name,
            "level_name": e.level.name if e.level else None,
            "status": e.status,
            "status_text": e.status_text,
        }
        for e in view.elements
    ]


def _person_version(m: Any, person: Person, version_id: int | None) -> FrameworkVersion | None:
    versions = sel.versions_of(person)
    if version_id is None:
        return versions[0] if versions else None
    chosen = next((v for v in versions if v.pk == version_id), None)
    if chosen is None:
        # A version the person has no attainment on yet is still a fair question ("what now?").
        chosen = framework_version_for(m, version_id)
    return chosen


class AttainmentOut(Schema):
    person: dict[str, Any]
    version: dict[str, Any] | None
    versions: list[dict[str, Any]]
    standing: str | None
    as_of: date | None
    elements: list[dict[str, Any]]


@router.get(
    "/people/{person_id}/attainment",
    response=AttainmentOut,
    summary="A person's level per element, dates, status and what is missing (stored, or computed at a date)",
)
@member_required
def person_attainment(
    request: MemberRequest,
    person_id: int = param.Path(..., ge=1, le=ID),
    version_id: int | None = param.Query(
        None, ge=1, le=ID, description="Default: the newest version with attainment"
    ),
    at: Day | None = param.Query(  # noqa: B008
        None, description="Compute at this date instead of reading the stored rows"
    ),
) -> dict[str, Any]:
    m = request.membership
    require(m, "attainment.view")
    person = people_access.person_for(m, person_id)
    versions = sel.versions_of(person)
    version = _person_version(m, person, version_id)
    out: dict[str, Any] = {
        "person": sel.person_json(person),
        "version": _version_json(version) if version else None,
        "versions": [_version_json(v) for v in versions],
        "standing": None,
        "as_of": None,
        "elements": [],
    }
    if version is None:
        return out
    view = sel.attainment_at(person, version, at)[0] if at else sel.stored_attainment(person, version)
    out.update(standing=view.standing or None, as_of=view.computed_on, elements=_elements_json(view))
    return out


class HistoryPage(Schema):
    count: int
    items: list[dict[str, Any]]


@router.get(
    "/people/{person_id}/attainment/assessments",
    response=HistoryPage,
    summary="A person's validated assessments, newest first (paged)",
)
@member_required
def person_assessment_history(
    request: MemberRequest,
    person_id: int = param.Path(..., ge=1, le=ID),
    limit: int = param.Query(50, ge=1, le=500),
    offset: int = param.Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    m = request.membership
    require(m, "attainment.view")
    person = people_access.person_for(m, person_id)
    qs = sel.assessment_history(person)
    items = [
        {
            "id": a.pk,
            "kind": a.kind,
            "version": _version_json(a.version),
            "validated_on": a.validated_on,
            "assessor": sel.who(a.assessor, a.assessor_person),
            "validated_by": sel.who(a.validated_by, a.validated_by_person),
            "imported_from": a.imported_from or None,
            "judgements": a.judgements.count(),
        }
        for a in qs[offset : offset + limit]
    ]
    return {"count": qs.count(), "items": items}


@router.get(
    "/people/{person_id}/attainment/projects",
    response=HistoryPage,
    summary="A person's change projects (owned or a named member), newest first (paged)",
)
@member_required
def person_project_history(
    request: MemberRequest,
    person_id: int = param.Path(..., ge=1, le=ID),
    limit: int = param.Query(50, ge=1, le=500),
    offset: int = param.Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    m = request.membership
    require(m, "attainment.view")
    person = people_access.person_for(m, person_id)
    qs = sel.project_history(person)
    items = [
        {
            "id": p.pk,
            "code": p.code,
            "title": p.title,
            "version": _version_json(p.version),
            "status": p.status,
            "review_status": p.review_status,
            "areas": p.areas,
            "started_on": p.started_on,
            "completed_on": p.completed_on,
            "validated_on": p.validated_on,
            "validated_by": sel.who(p.validated_by, p.validated_by_person) if p.validated_on else None,
        }
        for p in qs[offset : offset + limit]
    ]
    return {"count": qs.count(), "items": items}


class SelfViewOut(Schema):
    version: dict[str, Any] | None
    over: int
    under: int
    levels: dict[str, str | None]
    count: int
    items: list[dict[str, Any]]


@router.get(
    "/people/{person_id}/attainment/self-view",
    response=SelfViewOut,
    summary="Self view beside validated view per statement (over- and under-confidence), paged",
)
@member_required
def person_self_view(
    request: MemberRequest,
    person_id: int = param.Path(..., ge=1, le=ID),
    version_id: int | None = param.Query(None, ge=1, le=ID),
    limit: int = param.Query(100, ge=1, le=1000),
    offset: int = param.Query(0, ge=0, le=10**9),
) -> dict[str, Any]:
    m = request.membership
    require(m, "attainment.view")
    person = people_access.person_for(m, person_id)
    version = _person_version(m, person, version_id)
    if version is None:
        return {"version": None, "over": 0, "under": 0, "levels": {}, "count": 0, "items": []}
    view = sel.self_beside_validated(person, version)
    rows = view["rows"]
    return {
        "version": _version_json(version),
        "over": view["over"],
        "under": view["under"],
        "levels": view["levels"],
        "count": len(rows),
        "items": [
            {
                "statement": r.statement.code,
                "element": r.statement.element.code,
                "level": r.statement.level.code,
                "self": r.self_value,
                "validated": r.validated_value,
                "confidence": r.confidence,
            }
            for r in rows[offset : offset + limit]
        ],
    }


# --- validity -------------------------------------------------------------------------------------


class ValidityOut(Schema):
    version: dict[str, Any]
    levels: list[dict[str, Any]]


def _validity_out(m: Any, version: FrameworkVersion) -> dict[str, Any]:
    return {
        "version": _version_json(version),
        "levels": [
            {
                "id": row["level"].pk,
                "code": row["level"].code,
                "name": row["level"].name,
                "framework_months": row["framework_months"],
                "overridden": row["overridden"],
                "validity_months": row["months"],
            }
            for row in validity.validity_levels(m.organisation, version)
        ],
    }


@router.get(
    "/framework-versions/{version_id}/validity",
    response=ValidityOut,
    summary="Each level's validity here (the framework's, or your organisation's)",
)
@member_required
def validity_get(request: MemberRequest, version_id: int = param.Path(..., ge=1, le=ID)) -> dict[str, Any]:
    m = request.membership
    require(m, "attainment.manage")
    return _validity_out(m, framework_version_for(m, version_id))


class ValidityIn(Input):
    validity_months: int | None = Field(
        None, ge=1, le=validity.MAX_VALIDITY_MONTHS, description="Empty (null): never expires"
    )
    inherit: bool = Field(False, description="Drop your organisation's value: the framework's applies again")


class ValiditySetOut(Schema):
    validity: ValidityOut
    job: dict[str, Any] | None


@router.put(
    "/levels/{level_id}/validity",
    response={200: ValiditySetOut, 202: ValiditySetOut},
    summary="Set a level's validity for your organisation; recomputes its people on the version (202 with the job)",
)
@member_required
def validity_put(
    request: MemberRequest, payload: ValidityIn, level_id: int = param.Path(..., ge=1, le=ID)
) -> Status:  # type: ignore[type-arg]
    m = request.membership
    require(m, "attainment.manage")
    level = Level.objects.select_related("version__framework").filter(pk=level_id).first()
    if level is None:
        raise NotFound
    version = framework_version_for(m, level.version_id)  # 404 for another organisation's framework
    job = validity.validity_set(
        organisation=m.organisation,
        level=level,
        months=payload.validity_months,
        inherit=payload.inherit,
        actor=request.user,
    )
    body = {"validity": _validity_out(m, version), "job": job_out(job) if job else None}
    return Status(202 if job else 200, body)


# --- carry-over -----------------------------------------------------------------------------------


class CarryOverIn(Input):
    from_version_id: int = Field(..., ge=1, le=ID)
    to_version_id: int = Field(..., ge=1, le=ID)
    person_id: int | None = Field(
        None, ge=1, le=ID, description="One person; empty: everyone on the old version"
    )
    dry_run: bool = Field(True, description="Only say what would carry and what is to re-assess")


class CarryOverOut(Schema):
    summary: dict[str, Any]
    applied: bool
    result: dict[str, Any] | None
    jobs: list[dict[str, Any]]


def _body_version(m: Any, version_id: int, field: str) -> FrameworkVersion:
    try:
        return framework_version_for(m, version_id)
    except NotFound:
        raise Invalid.for_field(
            f"body.payload.{field}", f"no framework version with id {version_id} here"
        ) from None


@router.post(
    "/attainment/carry-over",
    response={200: CarryOverOut, 202: CarryOverOut},
    summary="Carry validated judgements to a newer version along its statement mappings (dry run by default)",
)
@member_required
def carry_over(request: MemberRequest, payload: CarryOverIn) -> Status:  # type: ignore[type-arg]
    m = request.membership
    require(m, "attainment.manage")
    source = _body_version(m, payload.from_version_id, "from_version_id")
    target = _body_version(m, payload.to_version_id, "to_version_id")
    people = None
    if payload.person_id is not None:
        if not Person.objects.filter(organisation=m.organisation, pk=payload.person_id).exists():
            raise Invalid.for_field("body.payload.person_id", f"no person with id {payload.person_id} here")
        people = [payload.person_id]
    try:
        plan = carryover.plan_carry_over(
            organisation=m.organisation, source=source, target=target, person_ids=people
        )
    except Invalid as exc:
        raise Invalid([p.within("body", "payload") for p in exc.problems]) from None
    summary = plan.summary()
    if payload.dry_run:
        return Status(200, {"summary": summary, "applied": False, "result": None, "jobs": []})
    result = carryover.apply_carry_over(plan, organisation=m.organisation, actor=request.user)
    jobs = [job_out(j) for j in Job.objects.filter(pk__in=result["jobs"])]
    return Status(202 if jobs else 200, {"summary": summary, "applied": True, "result": result, "jobs": jobs})


__all__ = ["router"]
