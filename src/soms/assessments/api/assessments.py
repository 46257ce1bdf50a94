"""Assessments over JSON: list, start, read, judge (with the revision read: 409 with the stored and
the sent values when stale), submit, return, resubmit, validate, correct, and the review queue.

Every operation asks the same access helpers and services as the pages: a role too weak answers
403 before any lookup, another organisation's assessment 404 exactly like a missing one, a step
from the wrong state 409, bad input 422 naming the field."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema, Status

from soms.assessments import access
from soms.assessments.models import Assessment
from soms.assessments.selectors.assessments import events_of, judgement_rows, my_assessments
from soms.assessments.services import assessments as svc
from soms.core.problems import Invalid, Problem
from soms.fields import Id, Input
from soms.frameworks.models import FrameworkVersion
from soms.limits import MAX_TEXT_LENGTH
from soms.people.models import Person
from soms.tenancy.access import member_required
from soms.tenancy.permissions import can
from soms.tenancy.requests import MemberRequest

router = Router(tags=["assessments"])


# --- schemas ---------------------------------------------------------------------------------------


class AssessmentOut(Schema):
    id: int
    person_id: int
    person: str
    version_id: int
    version: str
    kind: str = Field(description="self, manager or coach")
    status: str = Field(description="draft, submitted, returned or validated")
    assessor_id: int | None
    assessor: str | None = Field(description="The assessor's username")
    revision: int = Field(description="Send it back with a change; a stale one answers 409")
    return_reason: str
    submitted_at: datetime | None
    validated_at: datetime | None
    validated_on: date | None = Field(description="The day attainment counts from")
    validated_by: str | None
    supersedes_id: int | None
    superseded_by_id: int | None
    created_at: datetime
    updated_at: datetime
    url: str


class JudgementOut(Schema):
    statement_id: int
    statement: str = Field(description="The statement's code")
    value: str = Field(description="not_yet, partly or met")
    comment: str
    updated_at: datetime


class EventOut(Schema):
    action: str
    actor: str | None
    reason: str
    at: datetime


class AssessmentDetailOut(AssessmentOut):
    judgements: list[JudgementOut]
    events: list[EventOut]


class AssessmentPage(Schema):
    count: int
    items: list[AssessmentOut]


class AssessmentIn(Input):
    person_id: Id
    version_id: Id = Field(description="A published framework version")
    kind: Literal["self", "manager", "coach"]


class JudgementIn(Input):
    statement_id: Id = Field(description="A statement of the assessment's framework version")
    value: Literal["not_yet", "partly", "met"]
    comment: str = Field("", max_length=MAX_TEXT_LENGTH)


class JudgementsIn(Input):
    revision: int = Field(ge=1, le=2**31 - 1, description="The revision you read; a stale one answers 409")
    judgements: list[JudgementIn] = Field(min_length=1, max_length=svc.MAX_JUDGEMENTS_PER_SAVE)


class StepIn(Input):
    revision: int | None = Field(
        None, ge=1, le=2**31 - 1, description="The revision you read; when given, a stale one answers 409"
    )


class ReturnIn(StepIn):
    reason: str = Field(min_length=1, max_length=MAX_TEXT_LENGTH, description="Why: the assessor acts on it")


class StoredJudgementOut(Schema):
    statement_id: int
    value: str
    comment: str


class ConflictOut(Schema):
    detail: str
    revision: int | None = Field(description="The revision stored now")
    changed_by: str = Field("", description="Who saved since you read it, when known")
    changed_at: datetime | None = None
    current: list[StoredJudgementOut] = Field(
        default_factory=list, description="What is stored now for the statements you sent"
    )
    yours: list[StoredJudgementOut] = Field(
        default_factory=list, description="What you sent (nothing of it was saved)"
    )


class ListQuery(Input):
    scope: Literal["visible", "mine"] = Field(
        "visible", description="mine: of your own person record or written by you"
    )
    person_id: Id | None = None
    status: Literal["draft", "submitted", "returned", "validated"] | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


class QueueQuery(Input):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


# --- helpers ---------------------------------------------------------------------------------------


def _out(a: Assessment) -> dict[str, Any]:
    superseded = getattr(a, "superseded_by", None) if _has_successor(a) else None
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "person": a.person.name,
        "version_id": a.version_id,
        "version": str(a.version),
        "kind": a.kind,
        "status": a.status,
        "assessor_id": a.assessor_id,
        "assessor": a.assessor.get_username() if a.assessor else None,
        "revision": a.revision,
        "return_reason": a.return_reason,
        "submitted_at": a.submitted_at,
        "validated_at": a.validated_at,
        "validated_on": a.validated_on,
        "validated_by": a.validated_by.get_username() if a.validated_by else None,
        "supersedes_id": a.supersedes_id,
        "superseded_by_id": superseded.pk if superseded is not None else None,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "url": a.get_absolute_url(),
    }


def _has_successor(a: Assessment) -> bool:
    try:
        a.superseded_by  # noqa: B018  (the reverse one-to-one raises when there is none)
    except Assessment.DoesNotExist:
        return False
    return True


def _detail(a: Assessment) -> dict[str, Any]:
    fresh = Assessment.objects.select_related("person", "version__framework", "assessor", "validated_by").get(
        pk=a.pk
    )
    return {
        **_out(fresh),
        "judgements": judgement_rows(fresh),
        "events": [
            {
                "action": e.action,
                "actor": e.actor.get_username() if e.actor else None,
                "reason": e.reason,
                "at": e.at,
            }
            for e in events_of(fresh)
        ],
    }


def _conflict(exc: svc.AssessmentConflict) -> Status[dict[str, Any]]:
    body: dict[str, Any] = {"detail": str(exc), "revision": exc.revision}
    if isinstance(exc, svc.StaleAssessment):
        body["changed_by"] = exc.changed_by
        body["changed_at"] = exc.changed_at
        body["current"] = [{"statement_id": k, **v} for k, v in sorted(exc.current.items())]
        body["yours"] = [j.as_dict() for j in exc.yours]
    return Status(409, body)


def _in_body(exc: Invalid) -> Invalid:
    return exc.within("body", "payload")


def _assessment(request: MemberRequest, assessment_id: int, action: str = "assessment.view") -> Assessment:
    return access.assessment_for(request.membership, assessment_id, action=action)


# --- operations ------------------------------------------------------------------------------------


@router.get(
    "/assessments",
    response=AssessmentPage,
    summary="Assessments you may see (or only yours), newest first, paged",
)
@member_required
def assessment_list(request: MemberRequest, filters: Query[ListQuery]) -> dict[str, Any]:
    m = request.membership
    if filters.scope == "mine":
        qs = my_assessments(m)
    else:
        qs = (
            access.assessments_visible(m)
            .select_related("person", "version__framework", "assessor", "validated_by")
            .order_by("-updated_at", "-id")
        )
    if filters.person_id is not None:
        qs = qs.filter(person_id=filters.person_id)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "items": [_out(a) for a in items]}


@router.get(
    "/assessments/queue",
    response=AssessmentPage,
    summary="Submitted assessments you may return or validate, oldest first",
)
@member_required
def assessment_queue(request: MemberRequest, filters: Query[QueueQuery]) -> dict[str, Any]:
    qs = access.review_queue(request.membership).select_related("validated_by")
    items = list(qs[filters.offset : filters.offset + filters.limit])
    return {"count": qs.count(), "items": [_out(a) for a in items]}


@router.post(
    "/assessments",
    response={201: AssessmentDetailOut, 409: ConflictOut},
    summary="Start an assessment (you are its assessor): self, or manager / coach of someone you may assess",
)
@member_required
def assessment_create(request: MemberRequest, payload: AssessmentIn) -> Status[dict[str, Any]]:
    m = request.membership
    if payload.kind == "self":
        if not can(m, "assessment.start_self"):
            raise PermissionDenied("Your role does not allow self-assessments")
    elif not can(m, "assessment.start"):
        raise PermissionDenied("Your role does not allow starting assessments of others")
    person = Person.objects.filter(organisation_id=m.organisation_id, pk=payload.person_id).first()
    if person is None:
        raise Invalid([Problem(("body", "payload", "person_id"), "no such person in this organisation")])
    version = FrameworkVersion.objects.select_related("framework").filter(pk=payload.version_id).first()
    if version is None:
        raise Invalid([Problem(("body", "payload", "version_id"), "no such framework version")])
    try:
        made = svc.assessment_start(
            membership=m, actor=request.user, person=person, version=version, kind=payload.kind
        )
    except Invalid as exc:
        raise _in_body(exc) from None
    except svc.AssessmentConflict as exc:
        return _conflict(exc)
    return Status(201, _detail(made))


@router.get("/assessments/{assessment_id}", response=AssessmentDetailOut, summary="One assessment")
@member_required
def assessment_detail(request: MemberRequest, assessment_id: int) -> dict[str, Any]:
    return _detail(_assessment(request, assessment_id))


@router.put(
    "/assessments/{assessment_id}/judgements",
    response={200: AssessmentDetailOut, 409: ConflictOut},
    summary="Save judgements of one or many statements; send the revision you read",
)
@member_required
def judgements_put(
    request: MemberRequest, assessment_id: int, payload: JudgementsIn
) -> Status[dict[str, Any]]:
    a = _assessment(request, assessment_id, "assessment.edit")
    try:
        a = svc.judgements_save(
            assessment=a,
            membership=request.membership,
            actor=request.user,
            judgements=[svc.JudgementIn(j.statement_id, j.value, j.comment) for j in payload.judgements],
            revision=payload.revision,
        )
    except Invalid as exc:
        raise _in_body(exc) from None
    except svc.AssessmentConflict as exc:
        return _conflict(exc)
    return Status(200, _detail(a))


def _step(request: MemberRequest, assessment_id: int, action: str, run: Any) -> Status[dict[str, Any]]:
    a = _assessment(request, assessment_id, action)
    try:
        a = run(a)
    except Invalid as exc:
        raise _in_body(exc) from None
    except svc.AssessmentConflict as exc:
        return _conflict(exc)
    return Status(200, _detail(a))


STEP_RESPONSES = {200: AssessmentDetailOut, 409: ConflictOut}


@router.post(
    "/assessments/{assessment_id}/submit",
    response=STEP_RESPONSES,
    summary="Submit a draft for review (its assessor; at least one judgement)",
)
@member_required
def assessment_submit(request: MemberRequest, assessment_id: int, payload: StepIn) -> Status[dict[str, Any]]:
    m, user = request.membership, request.user
    return _step(
        request,
        assessment_id,
        "assessment.edit",
        lambda a: svc.assessment_submit(assessment=a, membership=m, actor=user, revision=payload.revision),
    )


@router.post(
    "/assessments/{assessment_id}/resubmit",
    response=STEP_RESPONSES,
    summary="Submit a returned assessment again (its assessor)",
)
@member_required
def assessment_resubmit(
    request: MemberRequest, assessment_id: int, payload: StepIn
) -> Status[dict[str, Any]]:
    m, user = request.membership, request.user
    return _step(
        request,
        assessment_id,
        "assessment.edit",
        lambda a: svc.assessment_resubmit(assessment=a, membership=m, actor=user, revision=payload.revision),
    )


@router.post(
    "/assessments/{assessment_id}/return",
    response=STEP_RESPONSES,
    summary="Return a submitted assessment with a reason (a reviewer the rules allow; never your own)",
)
@member_required
def assessment_return(
    request: MemberRequest, assessment_id: int, payload: ReturnIn
) -> Status[dict[str, Any]]:
    m, user = request.membership, request.user
    return _step(
        request,
        assessment_id,
        "assessment.review",
        lambda a: svc.assessment_return(
            assessment=a, membership=m, actor=user, reason=payload.reason, revision=payload.revision
        ),
    )


@router.post(
    "/assessments/{assessment_id}/validate",
    response=STEP_RESPONSES,
    summary="Validate a submitted assessment (a reviewer the rules allow; never your own or of yourself)",
)
@member_required
def assessment_validate(
    request: MemberRequest, assessment_id: int, payload: StepIn
) -> Status[dict[str, Any]]:
    m, user = request.membership, request.user
    return _step(
        request,
        assessment_id,
        "assessment.review",
        lambda a: svc.assessment_validate(assessment=a, membership=m, actor=user, revision=payload.revision),
    )


@router.post(
    "/assessments/{assessment_id}/correct",
    response={201: AssessmentDetailOut, 409: ConflictOut},
    summary="Start a correction of a validated assessment: a new draft with its judgements that supersedes it",
)
@member_required
def assessment_correct(request: MemberRequest, assessment_id: int) -> Status[dict[str, Any]]:
    a = _assessment(request, assessment_id)
    try:
        made = svc.assessment_correct(assessment=a, membership=request.membership, actor=request.user)
    except Invalid as exc:
        raise _in_body(exc) from None
    except svc.AssessmentConflict as exc:
        return _conflict(exc)
    return Status(201, _detail(made))
