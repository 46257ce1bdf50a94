"""/api/v1/audit-templates…, /api/v1/audits… and the personal links /api/v1/audit-links/{token}….

The same services as the pages: a value outside a question's answer set, an answer after submitting
or after the audit closed, a consensus without a reason where answers lie far apart are 422 or 409
with the place named, and nothing is written."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from pydantic import StrictFloat, StrictInt, StrictStr

from soms.audit import selectors as sel
from soms.audit.access import (
    action_for,
    audit_for,
    finding_for,
    question_for,
    respondent_of,
    template_for,
    templates_visible,
)
from soms.audit.errors import LinkExpired
from soms.audit.jobs import audit_report_job
from soms.audit.models import Audit, AuditTemplate, Question, Respondent, TemplateStatus
from soms.audit.report import audit_document
from soms.audit.scoring import show
from soms.audit.services import audits as svc
from soms.audit.services import templates as tsvc
from soms.core.problems import Invalid, Problem
from soms.fields import Description, Id, Input, Name
from soms.jobs.api import JobOut, job_out
from soms.jobs.services import job_start
from soms.people.models import OrgUnit
from soms.tenancy.access import get_or_not_found, require
from soms.tenancy.permissions import can
from soms.tenancy.requests import ApiRequest

router = Router(tags=["audits"])

Value = StrictInt | StrictFloat | StrictStr | None
RuleName = Literal["weighted_mean", "minimum", "gated"]
Kind = Literal["maturity", "yes_partly_no", "number"]


class AuditDetailOut(Schema):
    detail: str


class AnchorIn(Input):
    label: str = Field(max_length=120)
    description: str = Field("", max_length=2000)


class QuestionIn(Input):
    code: str = Field(max_length=40, description="Letters, digits, dots, dashes, underscores")
    element: str = Field(max_length=80, description="An element code of the template's framework version")
    text: str = Field(max_length=10_000)
    guidance: str = Field("", max_length=10_000)
    kind: Kind = "maturity"
    anchors: list[AnchorIn] = Field(default_factory=list, max_length=11, description="Maturity: lowest first")
    minimum: float = Field(0, ge=-1e12, le=1e12)
    maximum: float = Field(100, ge=-1e12, le=1e12)
    higher_is_better: bool = True
    steps: list[float] = Field(default_factory=list, max_length=50)
    unit: str = Field("", max_length=40)
    weight: float = Field(1.0, ge=0, le=1000)
    allow_na: bool = True
    revision: int | None = Field(None, ge=1, le=2**31 - 1, description="The template revision you read")


class QuestionPatch(Input):
    code: str | None = Field(None, max_length=40)
    element: str | None = Field(None, max_length=80)
    text: str | None = Field(None, max_length=10_000)
    kind: Kind | None = None
    anchors: list[AnchorIn] | None = Field(None, max_length=11)
    minimum: float | None = Field(None, ge=-1e12, le=1e12)
    maximum: float | None = Field(None, ge=-1e12, le=1e12)
    higher_is_better: bool | None = None
    steps: list[float] | None = Field(None, max_length=50)
    unit: str | None = Field(None, max_length=40)
    weight: float | None = Field(None, ge=0, le=1000)
    allow_na: bool | None = None
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


class QuestionOut(Schema):
    id: int
    code: str
    element: str
    text: str
    kind: str
    anchors: list[dict[str, Any]]
    minimum: float
    maximum: float
    higher_is_better: bool
    steps: list[float]
    unit: str
    weight: float
    allow_na: bool


class TemplateOut(Schema):
    id: int
    code: str
    name: str
    label: str
    description: str
    status: str
    rule: str
    builtin: bool
    framework_version_id: int
    based_on_id: int | None
    revision: int
    questions: list[QuestionOut] | None = None


class TemplateIn(Input):
    framework_version_id: Id
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    name: Name
    description: Description = ""
    rule: RuleName = "weighted_mean"


class TemplatePatch(Input):
    name: Name | None = None
    description: Description | None = None
    rule: RuleName | None = None
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


class AuditRevisionIn(Input):
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


def _question_out(q: Question) -> dict[str, Any]:
    return {
        "id": q.pk,
        "code": q.code,
        "element": q.element.code,
        "text": q.text,
        "kind": q.kind,
        "anchors": q.anchors,
        "minimum": q.minimum,
        "maximum": q.maximum,
        "higher_is_better": q.higher_is_better,
        "steps": [float(s) for s in q.steps],
        "unit": q.unit,
        "weight": q.weight,
        "allow_na": q.allow_na,
    }


def _template_out(t: AuditTemplate, *, questions: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": t.pk,
        "code": t.code,
        "name": t.name,
        "label": t.label,
        "description": t.description,
        "status": t.status,
        "rule": t.rule,
        "builtin": t.is_builtin,
        "framework_version_id": t.framework_version_id,
        "based_on_id": t.based_on_id,
        "revision": t.revision,
    }
    if questions:
        out["questions"] = [_question_out(q) for q in sel.questions_of(t)]
    return out


@router.get(
    "/audit-templates",
    response=list[TemplateOut],
    summary="Templates the organisation can audit against (built-in ones too)",
)
def template_list(request: ApiRequest) -> list[dict[str, Any]]:
    member = require(request.membership, "audit_template.read")
    tsvc.builtin_audit_templates_load()
    return [_template_out(t) for t in templates_visible(member)[:500]]


@router.post(
    "/audit-templates",
    response={201: TemplateOut},
    summary="A draft template derived from a published framework version",
)
def template_create(request: ApiRequest, payload: TemplateIn) -> Status[dict[str, Any]]:
    from django.db.models import Q

    from soms.frameworks.models import FrameworkVersion

    member = require(request.membership, "audit_template.author")
    version = FrameworkVersion.objects.filter(
        Q(framework__organisation__isnull=True) | Q(framework__organisation_id=member.organisation_id),
        pk=payload.framework_version_id,
    ).first()
    if version is None:
        raise Invalid.for_field("body.payload.framework_version_id", "no such framework version")
    t = tsvc.audit_template_create(
        organisation=member.organisation,
        framework_version=version,
        code=payload.code,
        name=payload.name,
        description=payload.description,
        rule=payload.rule,
        actor=request.user,
    )
    return Status(201, _template_out(t, questions=True))


@router.get("/audit-templates/{template_id}", response=TemplateOut, summary="A template with its questions")
def template_detail(request: ApiRequest, template_id: int) -> dict[str, Any]:
    return _template_out(template_for(request.membership, template_id), questions=True)


@router.patch(
    "/audit-templates/{template_id}",
    response=TemplateOut,
    summary="Rename a draft or change its scoring rule",
)
def template_update(request: ApiRequest, template_id: int, payload: TemplatePatch) -> dict[str, Any]:
    t = template_for(request.membership, template_id, action="audit_template.author")
    t = tsvc.audit_template_update(
        template=t,
        name=payload.name or t.name,
        description=payload.description if payload.description is not None else t.description,
        rule=payload.rule or t.rule,
        revision=payload.revision,
        actor=request.user,
    )
    return _template_out(t, questions=True)


@router.post(
    "/audit-templates/{template_id}/questions",
    response={201: QuestionOut},
    summary="Add a question to a draft",
)
def question_add(request: ApiRequest, template_id: int, payload: QuestionIn) -> Status[dict[str, Any]]:
    t = template_for(request.membership, template_id, action="audit_template.author")
    data = payload.model_dump(exclude={"revision"})
    q = tsvc.audit_question_add(template=t, data=data, revision=payload.revision, actor=request.user)
    return Status(201, _question_out(q))


@router.patch(
    "/audit-templates/{template_id}/questions/{question_id}",
    response=QuestionOut,
    summary="Change a draft's question",
)
def question_update(
    request: ApiRequest, template_id: int, question_id: int, payload: QuestionPatch
) -> dict[str, Any]:
    t = template_for(request.membership, template_id, action="audit_template.author")
    q = question_for(t, question_id)
    data = payload.model_dump(exclude={"revision"}, exclude_none=True)
    q = tsvc.audit_question_update(question=q, data=data, revision=payload.revision, actor=request.user)
    return _question_out(q)


@router.delete(
    "/audit-templates/{template_id}/questions/{question_id}",
    response={204: None},
    summary="Delete a draft's question",
)
def question_delete(
    request: ApiRequest, template_id: int, question_id: int, revision: int | None = None
) -> Status[None]:
    t = template_for(request.membership, template_id, action="audit_template.author")
    tsvc.audit_question_delete(question=question_for(t, question_id), revision=revision, actor=request.user)
    return Status(204, None)


@router.post(
    "/audit-templates/{template_id}/publish",
    response=TemplateOut,
    summary="Publish a draft (checked as the scoring core checks it)",
)
def template_publish(request: ApiRequest, template_id: int, payload: AuditRevisionIn) -> dict[str, Any]:
    t = template_for(request.membership, template_id, action="audit_template.author")
    return _template_out(
        tsvc.audit_template_publish(template=t, revision=payload.revision, actor=request.user), questions=True
    )


@router.post(
    "/audit-templates/{template_id}/versions",
    response={201: TemplateOut},
    summary="A new draft from a published template (or your adaptation of a built-in one)",
)
def template_version(request: ApiRequest, template_id: int) -> Status[dict[str, Any]]:
    member = require(request.membership, "audit_template.author")
    t = template_for(member, template_id)
    draft = tsvc.audit_template_new_version(template=t, organisation=member.organisation, actor=request.user)
    return Status(201, _template_out(draft, questions=True))


# --- audits ---------------------------------------------------------------------------------------


class AuditIn(Input):
    template_id: Id
    title: Name
    date: dt.date
    unit_id: Id | None = None
    lead_id: Id | None = Field(None, description="A member; you when empty")
    targets: dict[str, float] = Field(
        default_factory=dict, description="Element code → target as a share 0..1"
    )


class AuditOut(Schema):
    id: int
    title: str
    scope: str
    date: dt.date
    status: str
    template_id: int
    lead: str
    baseline_id: int | None
    targets: dict[str, float]
    revision: int


def _audit_out(a: Audit) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "scope": a.scope_name,
        "date": a.date,
        "status": a.status,
        "template_id": a.template_id,
        "lead": a.lead.get_full_name() or a.lead.get_username(),
        "baseline_id": a.baseline_id,
        "targets": a.targets,
        "revision": a.revision,
    }


@router.get("/audits", response=list[AuditOut], summary="The organisation's audits, newest first")
def audit_list(request: ApiRequest) -> list[dict[str, Any]]:
    member = require(request.membership, "audit.read")
    return [_audit_out(a) for a in sel.audits_of(member)[:500]]


@router.post("/audits", response={201: AuditOut}, summary="Start an audit of the organisation or one unit")
def audit_create(request: ApiRequest, payload: AuditIn) -> Status[dict[str, Any]]:
    member = require(request.membership, "audit.create")
    template = (
        templates_visible(member).filter(pk=payload.template_id, status=TemplateStatus.PUBLISHED).first()
    )
    if template is None:
        raise Invalid.for_field("body.payload.template_id", "no such published template")
    unit = None
    if payload.unit_id is not None:
        unit = OrgUnit.objects.filter(organisation_id=member.organisation_id, pk=payload.unit_id).first()
        if unit is None:
            raise Invalid.for_field("body.payload.unit_id", "no such unit")
    lead = User.objects.filter(pk=payload.lead_id).first() if payload.lead_id else request.user
    try:
        a = svc.audit_create(
            organisation=member.organisation,
            template=template,
            title=payload.title,
            date=payload.date,
            lead=lead,
            unit=unit,
            targets=payload.targets,
            actor=request.user,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(201, _audit_out(a))


@router.get(
    "/audits/{audit_id}",
    response=dict[str, Any],
    summary="An audit's results: scores per element with the rule in words, answers, findings, actions, evidence",
)
def audit_detail(request: ApiRequest, audit_id: int) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id)
    return audit_document(a, with_ratings=can(request.membership, "audit.lead", a) or not a.is_open)


class TargetsIn(Input):
    targets: dict[str, float | None] = Field(description="Element code → target share 0..1 (null: none)")
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


@router.put("/audits/{audit_id}/targets", response=AuditOut, summary="Set the target per element")
def targets_set(request: ApiRequest, audit_id: int, payload: TargetsIn) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    try:
        return _audit_out(
            svc.audit_targets_set(
                audit=a, targets=payload.targets, revision=payload.revision, actor=request.user
            )
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None


class RespondentIn(Input):
    user_id: Id | None = Field(None, description="A member who answers with their login")
    name: str | None = Field(
        None, max_length=200, description="Or someone without a login, answering through a personal link"
    )
    email: str = Field("", max_length=254)
    days: int = Field(svc.LINK_DAYS_DEFAULT, ge=1, le=svc.LINK_DAYS_MAX)


class RespondentOut(Schema):
    id: int
    name: str
    member: bool
    submitted_at: dt.datetime | None
    link_expires_at: dt.datetime | None
    link: str | None = Field(None, description="The personal link; given once, when it is made")


def _respondent_out(r: Respondent, link: str | None = None) -> dict[str, Any]:
    return {
        "id": r.pk,
        "name": r.name,
        "member": r.user_id is not None,
        "submitted_at": r.submitted_at,
        "link_expires_at": r.token_expires_at,
        "link": link,
    }


@router.get(
    "/audits/{audit_id}/respondents",
    response=list[RespondentOut],
    summary="Who answers the audit (the lead's view)",
)
def respondent_list(request: ApiRequest, audit_id: int) -> list[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    return [_respondent_out(r) for r in Respondent.objects.filter(audit=a).order_by("name", "id")]


@router.post(
    "/audits/{audit_id}/respondents",
    response={201: RespondentOut},
    summary="Add a member, or invite someone through a personal expiring link",
)
def respondent_add(request: ApiRequest, audit_id: int, payload: RespondentIn) -> Status[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id).first()
        try:
            r = svc.respondent_add(audit=a, user=user, actor=request.user)
        except Invalid:
            raise Invalid.for_field("body.payload.user_id", "must be a member of this organisation") from None
        return Status(201, _respondent_out(r))
    if not payload.name or not payload.name.strip():
        raise Invalid.for_field(
            "body.payload.name", "give a member's user_id, or the name of the person to invite"
        )
    try:
        inv = svc.respondent_invite(
            audit=a, name=payload.name, email=payload.email, days=payload.days, actor=request.user
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(
        201, _respondent_out(inv.respondent, request.build_absolute_uri(f"/audits/respond/{inv.token}/"))
    )


class AnswerIn(Input):
    question_id: Id
    value: Value = Field(None, description="A maturity rating, yes/partly/no, or a number; null clears")
    not_applicable: bool = False
    reason: str = Field("", max_length=10_000)


class AnswersIn(Input):
    answers: list[AnswerIn] = Field(max_length=500)


class MyAnswerOut(Schema):
    question_id: int
    code: str
    element: str
    text: str
    value: Value
    not_applicable: bool
    reason: str
    consensus: str | None = Field(None, description="Shown once you have submitted")
    baseline: str | None = None


class MyAnswersOut(Schema):
    respondent: str
    submitted_at: dt.datetime | None
    audit_open: bool
    answers: list[MyAnswerOut]


def _mine(a: Audit, r: Respondent) -> dict[str, Any]:
    rows = sel.my_answers(a, r)
    return {
        "respondent": r.name,
        "submitted_at": r.submitted_at,
        "audit_open": a.is_open,
        "answers": [
            {
                "question_id": x.question.pk,
                "code": x.question.code,
                "element": x.question.element.code,
                "text": x.question.text,
                "value": x.rating.value if x.rating else None,
                "not_applicable": bool(x.rating and x.rating.not_applicable),
                "reason": x.rating.reason if x.rating else "",
                "consensus": x.consensus_shown or None,
                "baseline": x.baseline_shown or None,
            }
            for x in rows
        ],
    }


def _save(r: Respondent, payload: AnswersIn, actor: Any, *, submit: bool = False) -> None:
    answers = [svc.AnswerIn(x.question_id, x.value, x.not_applicable, x.reason) for x in payload.answers]
    try:
        with transaction.atomic():
            svc.ratings_save(respondent=r, answers=answers, actor=actor)
            if submit:
                svc.ratings_submit(respondent=r, actor=actor)
    except Invalid as exc:
        raise _answer_places(exc, "answers", r.audit.template_id, payload.answers).within(
            "body", "payload"
        ) from None


def _answer_places(exc: Invalid, where: str, template_id: int, answers: list[AnswerIn]) -> Invalid:
    """The service names an answer by its question's code, as the pages show it ("answers", "CX1");
    the client sent a list, and needs the item and its field: ("answers", 3, "value"). `where=""`
    is one answer sent as the whole body (a consensus): ("value",)."""
    ids = [a.question_id for a in answers]
    codes = dict(Question.objects.filter(template_id=template_id, pk__in=ids).values_list("code", "pk"))
    index: dict[str, int] = {}
    for i, a in enumerate(answers):
        index.setdefault(str(a.question_id), i)
    for code, pk in codes.items():
        if str(pk) in index:
            index.setdefault(code, index[str(pk)])
    out = []
    for p in exc.problems:
        if len(p.loc) >= 2 and p.loc[0] in (where, "consensus"):
            if str(p.loc[1]) in index:
                field = p.loc[2] if len(p.loc) > 2 else "value"
                place: tuple[str | int, ...] = (where, index[str(p.loc[1])], field) if where else (field,)
                out.append(Problem(place, p.msg, p.type))
            else:
                # A question the request left out (every question needs an answer to submit): the
                # list is the place, the question's code goes into the message.
                out.append(Problem((where,) if where else (), f"{p.loc[1]}: {p.msg}", p.type))
        else:
            out.append(p)
    return Invalid(out)


def _respondent(request: ApiRequest, audit_id: int) -> tuple[Audit, Respondent]:
    a = audit_for(request.membership, audit_id, action="audit.respond")
    r = respondent_of(a, request.user)
    assert r is not None
    return a, r


@router.get(
    "/audits/{audit_id}/my-answers",
    response=MyAnswersOut,
    summary="Your own answers (the consensus beside them once you have submitted)",
)
def my_answers(request: ApiRequest, audit_id: int) -> dict[str, Any]:
    a, r = _respondent(request, audit_id)
    return _mine(a, r)


@router.put(
    "/audits/{audit_id}/my-answers",
    response=MyAnswersOut,
    summary="Save your answers (all or nothing) before you submit",
)
def my_answers_save(request: ApiRequest, audit_id: int, payload: AnswersIn) -> dict[str, Any]:
    a, r = _respondent(request, audit_id)
    _save(r, payload, request.user)
    r.refresh_from_db()
    return _mine(a, r)


@router.post(
    "/audits/{audit_id}/my-answers/submit",
    response=MyAnswersOut,
    summary="Save and submit: every question answered; then final",
)
def my_answers_submit(request: ApiRequest, audit_id: int, payload: AnswersIn) -> dict[str, Any]:
    a, r = _respondent(request, audit_id)
    _save(r, payload, request.user, submit=True)
    r.refresh_from_db()
    return _mine(a, r)


class SpreadOut(Schema):
    question_id: int
    code: str
    text: str
    rated: int
    not_applicable: int
    range: float = Field(description="Highest minus lowest answer as a share of the scale")
    stdev: float
    wide: bool = Field(description="A consensus needs a reason")
    answers: dict[str, str]
    consensus: str | None
    reason: str
    baseline: str | None


@router.get(
    "/audits/{audit_id}/spread",
    response=list[SpreadOut],
    summary="Submitted answers per question, most-disagreed first (the lead's view)",
)
def spread(request: ApiRequest, audit_id: int) -> list[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    return [
        {
            "question_id": row.question.pk,
            "code": row.question.code,
            "text": row.question.text,
            "rated": row.spread.rated,
            "not_applicable": row.spread.not_applicable,
            "range": row.spread.range,
            "stdev": row.spread.stdev,
            "wide": row.spread.wide,
            "answers": dict(row.answers),
            "consensus": row.consensus_shown or None,
            "reason": row.consensus.reason if row.consensus else "",
            "baseline": row.baseline_shown or None,
        }
        for row in sel.spread_view(a)
    ]


class ConsensusIn(Input):
    value: Value = None
    not_applicable: bool = False
    reason: str = Field("", max_length=10_000)


class ConsensusOut(Schema):
    question_id: int
    value: Value
    shown: str
    not_applicable: bool
    reason: str


@router.put(
    "/audits/{audit_id}/consensus/{question_id}",
    response=ConsensusOut,
    summary="Record the agreed answer (a reason where answers lie far apart)",
)
def consensus_set(
    request: ApiRequest, audit_id: int, question_id: int, payload: ConsensusIn
) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    q = get_or_not_found(
        Question.objects.select_related("element"), pk=question_id, template_id=a.template_id
    )
    try:
        c = svc.consensus_set(
            audit=a,
            question=q,
            value=payload.value,
            not_applicable=payload.not_applicable,
            reason=payload.reason,
            actor=request.user,
        )
    except Invalid as exc:
        one = [AnswerIn(question_id=q.pk, value=payload.value, not_applicable=False, reason="")]
        raise _answer_places(exc, "", a.template_id, one).within("body", "payload") from None
    return {
        "question_id": q.pk,
        "value": c.value,
        "shown": show(q, c.value, c.not_applicable),
        "not_applicable": c.not_applicable,
        "reason": c.reason,
    }


class CountOut(Schema):
    agreed: int


@router.post(
    "/audits/{audit_id}/consensus-agreed",
    response=CountOut,
    summary="Take the agreed answer wherever respondents do not disagree widely",
)
def consensus_agreed(request: ApiRequest, audit_id: int) -> dict[str, int]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    return {"agreed": svc.consensus_accept_agreed(audit=a, actor=request.user)}


@router.post(
    "/audits/{audit_id}/close",
    response=AuditOut,
    summary="Close the audit (every question needs a consensus)",
)
def audit_close(request: ApiRequest, audit_id: int) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    return _audit_out(svc.audit_close(audit=a, actor=request.user))


class ReauditIn(Input):
    date: dt.date
    title: str = Field("", max_length=200)


@router.post(
    "/audits/{audit_id}/reaudit", response={201: AuditOut}, summary="Start a re-audit from this closed audit"
)
def reaudit(request: ApiRequest, audit_id: int, payload: ReauditIn) -> Status[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    try:
        new = svc.reaudit_start(baseline=a, date=payload.date, title=payload.title, actor=request.user)
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(201, _audit_out(new))


@router.get(
    "/audits/{audit_id}/comparison",
    response=dict[str, Any],
    summary="Against the baseline and the target: per element and per question, with reasons",
)
def comparison(request: ApiRequest, audit_id: int) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id)
    cmp = sel.comparison_of(a)
    return {
        "baseline_id": a.baseline_id,
        "overall": {"baseline": cmp.overall_baseline, "current": cmp.overall_current},
        "elements": [
            {"code": e.code, "name": e.name, "baseline": e.baseline, "current": e.current, "target": e.target}
            for e in cmp.elements
        ],
        "questions": [
            {
                "code": q.code,
                "before": before,
                "after": after,
                "change": ch.change,
                "direction": ch.direction,
                "reason": why,
            }
            for q, ch, before, after, why in cmp.changes
        ],
    }


class FindingIn(Input):
    element: str = Field(max_length=80)
    text: str = Field(max_length=10_000)
    kind: Literal["finding", "recommendation"] = "finding"
    question_id: Id | None = None


class FindingPatch(Input):
    status: Literal["open", "closed"] | None = None
    text: str | None = Field(None, max_length=10_000)


class FindingOut(Schema):
    id: int
    kind: str
    element: str
    question_id: int | None
    text: str
    status: str
    carried_from_id: int | None


def _finding_out(f: Any) -> dict[str, Any]:
    return {
        "id": f.pk,
        "kind": f.kind,
        "element": f.element.code,
        "question_id": f.question_id,
        "text": f.text,
        "status": f.status,
        "carried_from_id": f.carried_from_id,
    }


@router.post(
    "/audits/{audit_id}/findings",
    response={201: FindingOut},
    summary="Record a finding or recommendation on an element (and question)",
)
def finding_add(request: ApiRequest, audit_id: int, payload: FindingIn) -> Status[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    try:
        f = svc.finding_add(
            audit=a,
            element=payload.element,
            text=payload.text,
            kind=payload.kind,
            question=payload.question_id,
            actor=request.user,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(201, _finding_out(f))


@router.patch(
    "/audits/{audit_id}/findings/{finding_id}",
    response=FindingOut,
    summary="Close, reopen or reword a finding",
)
def finding_update(
    request: ApiRequest, audit_id: int, finding_id: int, payload: FindingPatch
) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    f = finding_for(a, finding_id)
    try:
        return _finding_out(
            svc.finding_update(finding=f, status=payload.status, text=payload.text, actor=request.user)
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None


class AuditActionIn(Input):
    element: str = Field(max_length=80)
    title: str = Field(max_length=200)
    owner_id: Id | None = None
    due_date: dt.date | None = None
    finding_id: Id | None = None
    kpi_id: Id | None = None


class AuditActionPatch(Input):
    status: Literal["open", "in_progress", "done", "cancelled"] | None = None
    due_date: dt.date | None = None
    owner_id: Id | None = None
    revision: int | None = Field(None, ge=1, le=2**31 - 1)


class AuditActionOut(Schema):
    id: int
    title: str
    element: str
    owner: str | None
    due_date: dt.date | None
    status: str
    overdue: bool
    kpi_id: int | None
    finding_id: int | None
    revision: int


def _action_out(x: Any) -> dict[str, Any]:
    return {
        "id": x.pk,
        "title": x.title,
        "element": x.element.code,
        "owner": (x.owner.get_full_name() or x.owner.get_username()) if x.owner else None,
        "due_date": x.due_date,
        "status": x.status,
        "overdue": x.overdue(sel.today()),
        "kpi_id": x.kpi_id,
        "finding_id": x.finding_id,
        "revision": x.revision,
    }


def _user_or_invalid(user_id: int | None, where: str) -> Any:
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Invalid.for_field(where, "must be a member of this organisation")
    return user


@router.post(
    "/audits/{audit_id}/actions",
    response={201: AuditActionOut},
    summary="Add an action to the plan (owner, due date, element, KPI)",
)
def action_add(request: ApiRequest, audit_id: int, payload: AuditActionIn) -> Status[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    finding = None
    if payload.finding_id is not None:
        finding = a.findings.filter(pk=payload.finding_id).first()
        if finding is None:
            raise Invalid.for_field("body.payload.finding_id", "no such finding in this audit")
    try:
        x = svc.action_add(
            audit=a,
            element=payload.element,
            title=payload.title,
            due_date=payload.due_date,
            finding=finding,
            kpi=payload.kpi_id,
            owner=_user_or_invalid(payload.owner_id, "owner"),
            actor=request.user,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(201, _action_out(x))


@router.patch(
    "/audits/{audit_id}/actions/{action_id}",
    response=AuditActionOut,
    summary="Move an action along (status, due date, owner)",
)
def action_update(
    request: ApiRequest, audit_id: int, action_id: int, payload: AuditActionPatch
) -> dict[str, Any]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    x = action_for(a, action_id)
    try:
        x = svc.action_update(
            action=x,
            status=payload.status,
            due_date=payload.due_date,
            owner=_user_or_invalid(payload.owner_id, "owner"),
            revision=payload.revision,
            actor=request.user,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return _action_out(x)


class EvidenceIn(Input):
    element: str = Field(max_length=80)
    text: str = Field(max_length=10_000)
    link: str = Field("", max_length=500)
    refers_to: dt.date = Field(description="The date the evidence describes")
    expires_on: dt.date | None = None
    question_id: Id | None = None


class AuditEvidenceOut(Schema):
    id: int
    element: str
    text: str
    refers_to: dt.date
    expires_on: dt.date | None


@router.post(
    "/audits/{audit_id}/evidence",
    response={201: AuditEvidenceOut},
    summary="Add evidence with the date it refers to and an optional expiry",
)
def evidence_add(request: ApiRequest, audit_id: int, payload: EvidenceIn) -> Status[dict[str, Any]]:
    a = audit_for(request.membership, audit_id, action="audit.lead")
    if payload.link and not payload.link.startswith(("http://", "https://")):
        raise Invalid.for_field("body.payload.link", "a link starts with http:// or https://")
    try:
        e = svc.evidence_add(
            audit=a,
            element=payload.element,
            text=payload.text,
            refers_to=payload.refers_to,
            link=payload.link,
            expires_on=payload.expires_on,
            question=payload.question_id,
            actor=request.user,
        )
    except Invalid as exc:
        raise exc.within("body", "payload") from None
    return Status(
        201,
        {
            "id": e.pk,
            "element": e.element.code,
            "text": e.text,
            "refers_to": e.refers_to,
            "expires_on": e.expires_on,
        },
    )


class AuditReportIn(Input):
    format: Literal["pdf", "xlsx", "json"]


@router.post(
    "/audits/{audit_id}/reports",
    response={202: JobOut},
    summary="Make a PDF, XLSX or JSON report in the background; poll the job",
)
def report(request: ApiRequest, audit_id: int, payload: AuditReportIn) -> Status[dict[str, object]]:
    a = audit_for(request.membership, audit_id)
    with transaction.atomic():
        job = job_start(
            job_function=audit_report_job,
            organisation=a.organisation,
            owner=request.user,
            title=f"{payload.format.upper()} report of {a.title}",
            params={"audit_id": a.pk, "fmt": payload.format},
            total=3,
        )
    return Status(202, job_out(job))


# --- personal links (no sign-in) ------------------------------------------------------------------


# The token's shape: what a personal link carries after /audits/respond/.
Token = Annotated[str, Path(pattern=r"^sa_[A-Za-z0-9_-]{1,97}$", description="The personal link's token")]


def _linked(token: str) -> Respondent:
    try:
        return svc.respondent_by_token(token)
    except Respondent.DoesNotExist:
        from django.http import Http404

        raise Http404("Not found") from None


@router.get(
    "/audit-links/{token}",
    auth=None,
    response={200: MyAnswersOut, 410: AuditDetailOut},
    summary="The answers behind a personal link (no sign-in)",
)
def link_answers(request: HttpRequest, token: Token) -> Any:
    try:
        r = _linked(token)
    except LinkExpired as exc:
        return Status(410, {"detail": str(exc)})
    return _mine(r.audit, r)


@router.put(
    "/audit-links/{token}",
    auth=None,
    response={200: MyAnswersOut, 410: AuditDetailOut},
    summary="Save answers through a personal link",
)
def link_save(request: HttpRequest, token: Token, payload: AnswersIn) -> Any:
    try:
        r = _linked(token)
    except LinkExpired as exc:
        return Status(410, {"detail": str(exc)})
    _save(r, payload, None)
    r.refresh_from_db()
    return _mine(r.audit, r)


@router.post(
    "/audit-links/{token}/submit",
    auth=None,
    response={200: MyAnswersOut, 410: AuditDetailOut},
    summary="Save and submit through a personal link",
)
def link_submit(request: HttpRequest, token: Token, payload: AnswersIn) -> Any:
    try:
        r = _linked(token)
    except LinkExpired as exc:
        return Status(410, {"detail": str(exc)})
    _save(r, payload, None, submit=True)
    r.refresh_from_db()
    return _mine(r.audit, r)
