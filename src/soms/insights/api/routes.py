"""Insights over JSON: the same numbers as the pages (the same selectors compute both).

A filter naming a unit, team, role profile or manager that the member cannot see (another
organisation's, outside their scope, or no such id) answers 404 naming it, like a missing object.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.params import functions as param
from pydantic import ConfigDict

from soms.fields import MAX_ID, MAX_OFFSET, Id, Input
from soms.frameworks.models import Element, FrameworkVersion, Statement
from soms.insights import access
from soms.insights.models import OPEN_STATUSES, DevelopmentAction
from soms.insights.selectors.overview import overview_for
from soms.insights.selectors.person import PlanAction, person_view
from soms.insights.selectors.picture import Filters, default_version, versions_with_attainment
from soms.insights.selectors.scope import (
    scope_name,
    view_capabilities,
    view_cover,
    view_coverage,
    view_single_points,
    view_targets,
)
from soms.insights.services import plans
from soms.insights.services.snapshots import trend_for
from soms.jobs.api import JobOut, job_out
from soms.people.access import people_in_scope, role_profiles_visible, unit_scope
from soms.people.errors import PeopleInvalid
from soms.people.models import OrgUnit, Team
from soms.ratelimits import documented, refused
from soms.tenancy.access import NotFound, get_or_not_found, member_required, require
from soms.tenancy.idempotency import IDEMPOTENCY_HEADER, header_key, idempotent
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

router = Router(tags=["insights"])

MAX_PAGE = 500


def _ref(field: str, queryset: Any, missing: str, **lookup: Any) -> Any:
    """An object named by a query or body field: one the member cannot see answers 422 on that
    field, exactly as one that does not exist (these routes have no id in their path)."""
    try:
        return get_or_not_found(queryset, missing=missing, **lookup)
    except NotFound:
        raise PeopleInvalid(field, missing) from None


def _version(request: MemberRequest, version: int | None, field: str = "version") -> FrameworkVersion:
    m = request.membership
    if version is not None:
        found: FrameworkVersion = _ref(
            field,
            versions_with_attainment(m.organisation_id),
            f"No framework version with id {version}",
            pk=version,
        )
        return found
    default = default_version(m.organisation_id)
    if default is None:
        raise PeopleInvalid(field, "No framework is published yet")
    return default


def _filters(
    request: MemberRequest,
    unit: int | None,
    team: int | None,
    role_profile: int | None,
    location: str,
    manager: str | None,
) -> Filters:
    m = request.membership
    units = OrgUnit.objects.filter(Q(organisation_id=m.organisation_id) & unit_scope(m))
    teams = Team.objects.filter(organisation_id=m.organisation_id, unit__in=units)
    return Filters(
        unit=_ref("unit", units, f"No unit with id {unit}", pk=unit) if unit is not None else None,
        team=_ref("team", teams, f"No team with id {team}", pk=team) if team is not None else None,
        role_profile=_ref(
            "role_profile",
            role_profiles_visible(m),
            f"No role profile with id {role_profile}",
            pk=role_profile,
        ).pk
        if role_profile is not None
        else None,
        location=location.strip(),
        manager=_ref(
            "manager",
            people_in_scope(m, "person.list"),
            f"No person with employee id {manager}",
            employee_id=manager,
        )
        if manager
        else None,
    )


@router.get("/insights/overview")
@member_required
def insights_overview(
    request: MemberRequest,
    version: Id | None = None,
    unit: Id | None = None,
    team: Id | None = None,
    role_profile: Id | None = None,
    location: str = param.Query("", max_length=200),
    manager: str | None = param.Query(None, max_length=64),
    offset: int = param.Query(0, ge=0, le=MAX_OFFSET),
    limit: int = param.Query(100, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """Gaps, distribution, cover against targets, single points of failure, specialists, units ×
    elements, and one row per person (paged with `offset` and `limit`)."""
    require(request.membership, "insights.view")
    v = _version(request, version)
    filters = _filters(request, unit, team, role_profile, location, manager)
    ov = overview_for(
        request.membership,
        v,
        filters,
        view_targets(request.membership, v, filters),
        group_units=True,
        offset=offset,
        limit=limit,
    )
    data = dict(ov.data)
    data["title"] = scope_name(request.membership, filters)
    # `shown` false and `note` saying why where the view holds only part of a team: targets in an
    # assessor's and a member's view, single points and specialists in a member's own view
    # (soms.insights.selectors.scope).
    data["coverage_groups"] = view_cover(request.membership, v, filters, tallies=ov.tallies)
    data["coverage"] = view_coverage(data["coverage"], data["coverage_groups"])
    data["single_points"] = view_single_points(request.membership, data["single_points"])
    data.update(view_capabilities(request.membership, data))
    data["trend"] = trend_for(request.membership, v, filters)
    data["offset"], data["limit"] = offset, limit
    return data


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


@router.get("/insights/people/{person_id}")
@member_required
def insights_person(request: MemberRequest, person_id: Id, version: Id | None = None) -> dict[str, Any]:
    """Required vs attained vs self per element, the gaps, what blocks the next level, suggested
    actions and the development plan."""
    who = access.person_for(request.membership, person_id)
    v = _version(request, version)
    view = person_view(request.membership, who, v)
    return {
        "person": {"id": who.pk, "name": who.name, "employee_id": who.employee_id},
        "version": {"id": v.pk, "framework": v.framework.name, "label": v.label},
        "elements": [{k: _jsonable(val) for k, val in row.items()} for row in view["rows"]],
        "gaps_total": view["gaps_total"],
        "suggestions": [dict(s.__dict__) for s in view["suggestions"]],
        "plan": [_action_out(a) for a in view["actions"]],
        "progress": view["progress"],
    }


class InsightsInput(Input):
    """Base of this router's bodies: a field the schema does not know is refused (422 naming it).
    Dropped in silence, `owner` on an action or `units` on a report would look taken: the action
    would keep its default owner and the report would cover everyone the member sees."""

    model_config = ConfigDict(extra="forbid")


class ActionOut(Schema):
    id: int
    person_id: int
    version_id: int
    element: str
    statement: str | None
    kind: str
    title: str
    notes: str
    owner: str | None
    due_on: date | None
    status: str
    overdue: bool
    source: Literal["own", "gap", "refresher", "audit"] = Field(
        description="Where the action came from: own (typed in by a user), gap or refresher (a "
        "suggestion of the person's page taken up), audit (from an audit finding)"
    )
    revision: int


def _action_out(a: DevelopmentAction | PlanAction) -> dict[str, Any]:
    """An action as the API answers it: a saved one, or one of a person's view (`PlanAction`, which
    carries its owner's login name and whether it is overdue)."""
    if isinstance(a, PlanAction):
        owner, overdue = a.owner_name, a.overdue
    else:
        owner, overdue = (a.owner.get_username() if a.owner else None), plans.is_overdue(a)
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "version_id": a.version_id,
        "element": a.element.code,
        "statement": a.statement.code if a.statement else None,
        "kind": a.kind,
        "title": a.title,
        "notes": a.notes,
        "owner": owner,
        "due_on": a.due_on,
        "status": a.status,
        "overdue": overdue,
        "source": a.source,
        "revision": a.revision,
    }


class ActionIn(InsightsInput):
    person_id: Id
    version_id: Id
    element: str = Field(max_length=80, description="Element code")
    statement: str | None = Field(None, max_length=80, description="Statement code (optional)")
    kind: Literal["course", "coaching", "shadowing", "project", "reading", "refresher"]
    title: str = Field(min_length=1, max_length=200)
    notes: str = Field("", max_length=5000)
    due_on: date | None = None
    source: Literal["own", "gap", "refresher", "audit", ""] = Field(
        "own", description='Where the action came from; "" (the old spelling) is read as own'
    )


class ActionPatch(InsightsInput):
    status: Literal["planned", "in_progress", "done", "cancelled"]
    revision: int = Field(ge=1, le=MAX_ID, description="The revision you read; a stale one answers 409")


class ActionPage(Schema):
    count: int
    items: list[ActionOut]


@router.get("/development-actions", response=ActionPage)
@member_required
def action_list(
    request: MemberRequest,
    person: Id | None = None,
    status: Literal["planned", "in_progress", "done", "cancelled"] | None = None,
    overdue: bool = False,
    offset: int = param.Query(0, ge=0, le=MAX_OFFSET),
    limit: int = param.Query(100, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """The development actions of the people in the member's scope, soonest due first."""
    m = request.membership
    require(m, "development.view")
    qs = DevelopmentAction.objects.filter(
        organisation_id=m.organisation_id, person__in=people_in_scope(m, "person.view")
    ).select_related("element", "statement", "owner")
    if person is not None:
        qs = qs.filter(person_id=person)
    if status is not None:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_on__lt=timezone.localdate())
    qs = qs.order_by("due_on", "id")
    return {"count": qs.count(), "items": [_action_out(a) for a in qs[offset : offset + limit]]}


def _may_plan(request: MemberRequest, person: Any) -> None:
    if not can(request.membership, "development.manage", person):
        raise PermissionDenied("You may not change this person's development plan")


@router.post(
    "/development-actions",
    response={201: ActionOut},
    openapi_extra=IDEMPOTENCY_HEADER,
)
@member_required
def action_create(request: MemberRequest, payload: ActionIn) -> Status[dict[str, Any]]:
    """Add an action to a person's plan (element and statement by code).

    With an `Idempotency-Key` header, sending the request again (a retry after a lost answer)
    adds nothing and answers as the first time, with the same action; the same key with another
    body is refused (422). Two identical actions without a key, or with two keys, are two actions."""
    m = request.membership
    require(m, "development.manage")
    key = header_key(request)
    who = _ref(
        "person_id",
        people_in_scope(m, "person.view"),
        f"No person with id {payload.person_id}",
        pk=payload.person_id,
    )
    _may_plan(request, who)
    v = _version(request, payload.version_id, "version_id")
    element = Element.objects.filter(version=v, code=payload.element).first()
    if element is None:
        raise PeopleInvalid("element", f"No element {payload.element!r} in {v}")
    statement = None
    if payload.statement:
        statement = Statement.objects.filter(version=v, code=payload.statement).first()
        if statement is None:
            raise PeopleInvalid("statement", f"No statement {payload.statement!r} in {v}")

    def create() -> dict[str, Any]:
        action = plans.action_create(
            actor=request.user,
            person=who,
            version=v,
            element=element,
            statement=statement,
            kind=payload.kind,
            title=payload.title,
            notes=payload.notes,
            due_on=payload.due_on,
            source=payload.source,
        )
        return {"status": 201, "body": _action_out(action)}

    outcome = idempotent(
        organisation_id=m.organisation_id,
        user=request.user,
        scope="insights.action.create:api",
        key=key,
        content=payload.model_dump(mode="json"),
        perform=create,
    )
    return Status(outcome.answer["status"], outcome.answer["body"])


@router.patch("/development-actions/{action_id}", response=ActionOut)
@member_required
def action_patch(request: MemberRequest, action_id: Id, payload: ActionPatch) -> dict[str, Any]:
    """Move an action along; `revision` must be the one read (409 when someone changed it)."""
    action = access.action_for(request.membership, action_id, action="development.manage")
    _may_plan(request, action.person)
    changed = plans.action_set_status(
        actor=request.user, action=action, status=payload.status, revision=payload.revision
    )
    return _action_out(changed)


@router.get("/insights/refreshers")
@member_required
def insights_refreshers(
    request: MemberRequest,
    offset: int = param.Query(0, ge=0, le=MAX_OFFSET),
    limit: int = param.Query(100, ge=1, le=MAX_PAGE),
) -> dict[str, Any]:
    """The page *Refreshers and overdue actions*: levels refresh due, expiring within 90 days or
    expired (`levels`, soonest first; an expired one names the level that lapsed and when), and
    open development actions past their due date (`overdue`), of the people in the member's
    scope. Both lists are paged with the same `offset` and `limit` and give their `count`."""
    from soms.insights.selectors.refreshers import levels_to_refresh, overdue_actions, with_lapsed

    m = request.membership
    require(m, "insights.view")
    today = timezone.localdate()
    levels, overdue = levels_to_refresh(m, today), overdue_actions(m, today)
    rows = with_lapsed(list(levels[offset : offset + limit]))
    return {
        "as_of": today.isoformat(),
        "offset": offset,
        "limit": limit,
        "levels": {
            "count": levels.count(),
            "items": [
                {
                    "person": {"id": r.person_id, "name": r.person.name, "employee_id": r.person.employee_id},
                    "version_id": r.version_id,
                    "element": r.element.code,
                    "element_name": r.element.name,
                    "level": r.level.code if r.level else None,
                    "state": r.status if r.status in ("refresh_due", "expired") else "expires_soon",
                    "expires_on": _jsonable(r.expires_on),
                    "lapsed_level": r.lapsed_code or None,
                    "lapsed_on": _jsonable(r.lapsed_on),
                }
                for r in rows
            ],
        },
        "overdue": {
            "count": overdue.count(),
            "items": [
                _action_out(a) | {"due_on": _jsonable(a.due_on)}
                for a in overdue.select_related("statement", "owner")[offset : offset + limit]
            ],
        },
    }


class ReportIn(InsightsInput):
    format: Literal["pdf", "xlsx"]
    version: Id | None = None
    unit: Id | None = None
    team: Id | None = None
    role_profile: Id | None = None
    location: str = Field("", max_length=200)
    manager: str | None = Field(None, max_length=64, description="Employee id")


@router.post("/insights/reports", response={202: JobOut}, openapi_extra=documented("export"))
@member_required
def insights_report(request: MemberRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    """Render the overview of these filters as PDF or XLSX in the background; poll the job."""
    from soms.insights.jobs import filter_params, insights_report_job
    from soms.insights.selectors.scope import scope_title
    from soms.jobs.services import job_start

    require(request.membership, "insights.export")
    if (answer := refused(request, "export")) is not None:
        return answer  # type: ignore[return-value]
    v = _version(request, payload.version)
    f = _filters(request, payload.unit, payload.team, payload.role_profile, payload.location, payload.manager)
    job = job_start(
        job_function=insights_report_job,
        organisation=request.membership.organisation,
        owner=request.user,
        title=f"{payload.format.upper()} report: {scope_title(request.membership, f)}",
        params={
            "version_id": v.pk,
            "fmt": payload.format,
            "filters": filter_params(f),
        },
    )
    return Status(202, job_out(job))
