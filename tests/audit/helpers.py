"""Making audits for tests: the built-in template, an audit with respondents who have answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

from soms.audit.models import Audit, AuditTemplate, Question
from soms.audit.services import audits as svc
from soms.audit.services.templates import builtin_audit_templates_load
from soms.frameworks.services.versions import builtin_frameworks_load


def builtin_template() -> AuditTemplate:
    if not AuditTemplate.objects.filter(organisation__isnull=True).exists():
        builtin_frameworks_load()
        builtin_audit_templates_load()
    return AuditTemplate.objects.get(organisation__isnull=True, code="soms-service-audit")


def questions(audit: Audit) -> list[Question]:
    return list(
        Question.objects.filter(template_id=audit.template_id).select_related("element").order_by("order")
    )


def make_audit(
    organisation: Any, lead: Any, *, title: str = "Claims audit", date: dt.date | None = None
) -> Audit:
    return svc.audit_create(
        organisation=organisation,
        template=builtin_template(),
        title=title,
        date=date or dt.date(2026, 3, 1),
        lead=lead,
        actor=lead,
    )


def typical(q: Question, level: int = 3) -> Any:
    """An answer in q's answer set: a maturity level, yes/partly/no, or a number."""
    if q.kind == "maturity":
        return level
    if q.kind == "yes_partly_no":
        return {1: "no", 2: "no", 3: "partly", 4: "yes", 5: "yes"}[level]
    return 20.0 * level - 10


def answer_all(
    respondent: Any,
    audit: Audit,
    level: int = 3,
    overrides: dict[str, Any] | None = None,
    submit: bool = True,
) -> None:
    overrides = overrides or {}
    answers = [svc.AnswerIn(q.pk, overrides.get(q.code, typical(q, level))) for q in questions(audit)]
    svc.ratings_save(respondent=respondent, answers=answers)
    if submit:
        svc.ratings_submit(respondent=respondent)
