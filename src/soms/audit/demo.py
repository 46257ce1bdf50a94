"""Demo: Harbourside's Motor Claims unit audited last spring by three respondents (one wide
disagreement resolved with a reason), with findings, an action plan (one action overdue) and
evidence; and a re-audit in progress with some answers in. Also a second unit's closed audit so that
units can be compared. Idempotent: nothing is made twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from soms.audit.models import Audit, AuditTemplate, Question, Respondent
from soms.audit.services import audits as svc
from soms.audit.services.templates import builtin_audit_templates_load
from soms.people.models import OrgUnit

BASELINE = "Motor Claims operating model audit"

# Respondent → answers that differ from the level they mostly give.
VIEWS: dict[str, tuple[int, dict[str, Any]]] = {
    "priya.raman": (3, {"DC1": 4, "DL3": 78}),
    "tom.okafor": (2, {"DC1": 2, "DL3": 72}),
    "grace.liu": (3, {"DC1": 5, "DL3": 74}),
}


def _answer(q: Question, level: int, overrides: dict[str, Any]) -> Any:
    if q.code in overrides:
        return overrides[q.code]
    if q.kind == "maturity":
        return max(1, min(5, level + (1 if q.code.endswith("1") else 0)))
    if q.kind == "yes_partly_no":
        return "yes" if level >= 4 else "partly"
    return 60.0 + 5 * level


def _run(
    audit: Audit, users: dict[str, Any], views: dict[str, tuple[int, dict[str, Any]]], *, submit: bool
) -> list[Respondent]:
    questions = list(Question.objects.filter(template_id=audit.template_id).select_related("element"))
    out = []
    for username, (level, overrides) in views.items():
        r = Respondent.objects.filter(audit=audit, user=users[username]).first() or svc.respondent_add(
            audit=audit, user=users[username], actor=audit.lead
        )
        svc.ratings_save(
            respondent=r, answers=[svc.AnswerIn(q.pk, _answer(q, level, overrides)) for q in questions]
        )
        if submit:
            svc.ratings_submit(respondent=r, now=None)
        out.append(r)
    return out


def seed(ctx: Any) -> None:
    org = ctx.organisations["harbourside"]
    if Audit.objects.filter(organisation=org, title=BASELINE).exists():
        return
    builtin_audit_templates_load()
    template = AuditTemplate.objects.filter(organisation__isnull=True, code="soms-service-audit").first()
    lead = ctx.users["grace.liu"]
    if template is None:
        return
    unit = OrgUnit.objects.filter(organisation=org, name="Motor Claims").first()
    baseline = svc.audit_create(
        organisation=org,
        template=template,
        title=BASELINE,
        date=dt.date(2026, 4, 14),
        lead=lead,
        unit=unit,
        targets={
            "customer-experience": 0.75,
            "delivery": 0.75,
            "process-context": 0.6,
            "people-capability": 0.7,
            "demand-capacity": 0.75,
            "performance": 0.75,
            "strategy-governance": 0.6,
        },
        actor=lead,
    )
    _run(baseline, ctx.users, VIEWS, submit=True)
    svc.consensus_accept_agreed(audit=baseline, actor=lead)
    dc1 = Question.objects.get(template=template, code="DC1")
    svc.consensus_set(
        audit=baseline,
        question=dc1,
        value=3,
        actor=lead,
        reason="The interval profile exists for the phone line only; the e-mail queue has no profile, so not yet 4. "
        "Tom sees the e-mail side, Grace the phone forecasts.",
    )
    svc.evidence_add(
        audit=baseline,
        element="demand-capacity",
        question=dc1.pk,
        text="Half-hourly phone demand profile, Q1",
        refers_to=dt.date(2026, 3, 31),
        expires_on=dt.date(2026, 9, 30),
        actor=lead,
    )
    svc.evidence_add(
        audit=baseline,
        element="delivery",
        text="Current-state map of the first-notice-of-loss flow",
        refers_to=dt.date(2026, 2, 20),
        actor=lead,
    )
    f1 = svc.finding_add(
        audit=baseline,
        element="demand-capacity",
        question=dc1.pk,
        actor=lead,
        text="E-mail demand is not profiled, so staffing for it is set by habit.",
    )
    f2 = svc.finding_add(
        audit=baseline,
        element="performance",
        actor=lead,
        text="KPI results reach team leaders but not the handlers.",
    )
    svc.finding_add(
        audit=baseline,
        element="delivery",
        kind="recommendation",
        actor=lead,
        text="Map the future-state flow for total-loss claims before the system change.",
    )
    svc.action_add(
        audit=baseline,
        element="demand-capacity",
        finding=f1,
        title="Profile e-mail demand by half hour",
        owner=ctx.users["priya.raman"],
        due_date=dt.date(2026, 7, 31),
        actor=lead,
    )
    done = svc.action_add(
        audit=baseline,
        element="performance",
        finding=f2,
        title="Weekly KPI board in the team room",
        owner=ctx.users["priya.raman"],
        due_date=dt.date(2026, 6, 1),
        actor=lead,
    )
    svc.action_update(action=done, status="done", actor=lead)
    svc.finding_update(finding=f2, status="closed", actor=lead)
    svc.audit_close(audit=baseline, actor=lead)

    # A second unit's audit, so that units can be set side by side.
    other = (
        OrgUnit.objects.filter(organisation=org)
        .exclude(pk=unit.pk if unit else 0)
        .order_by("depth", "name")
        .first()
    )
    if other is not None:
        side = svc.audit_create(
            organisation=org,
            template=template,
            title=f"{other.name} operating model audit",
            date=dt.date(2026, 5, 6),
            lead=lead,
            unit=other,
            actor=lead,
        )
        _run(side, ctx.users, {"grace.liu": (4, {}), "priya.raman": (3, {})}, submit=True)
        svc.consensus_accept_agreed(audit=side, actor=lead)
        for c in Question.objects.filter(template=template).exclude(
            pk__in=side.consensus.values("question_id")
        ):
            svc.consensus_set(
                audit=side,
                question=c,
                value=3 if c.kind == "maturity" else ("partly" if c.kind == "yes_partly_no" else 75.0),
                reason="Agreed at the review meeting.",
                actor=lead,
            )
        svc.audit_close(audit=side, actor=lead)

    reaudit = svc.reaudit_start(
        baseline=baseline, date=dt.date(2026, 11, 10), actor=lead, title="Motor Claims re-audit, autumn"
    )
    _run(reaudit, ctx.users, {"grace.liu": (4, {"DC1": 4}), "priya.raman": (4, {"DC1": 4})}, submit=True)
    ctx.notes.append(
        f"Audits: “{BASELINE}” (closed, three respondents, a resolved disagreement on DC1, findings and actions) "
        f"and its re-audit in progress (two of three answered; grace.liu leads)"
    )
