"""Makers for the tenancy registry (tests/tenancy_routes.py): audit objects inside one organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from soms.audit.services import audits as svc
from soms.audit.services import templates as tsvc
from tests.audit.helpers import answer_all, builtin_template, make_audit


def template_draft(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    from soms.audit.models import AuditTemplate

    existing = AuditTemplate.objects.filter(organisation=organisation, status="draft").first()
    draft = existing or tsvc.audit_template_new_version(
        template=builtin_template(), organisation=organisation, actor=owner
    )
    return {"template_id": draft.pk, "question_id": draft.questions.order_by("order").first().pk}  # type: ignore[union-attr]


def template_published(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    made = template_draft(world, organisation, owner)
    from soms.audit.models import AuditTemplate

    draft = AuditTemplate.objects.get(pk=made["template_id"])
    tsvc.audit_template_publish(template=draft, revision=None, actor=owner)
    return made


def audit_open(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    """An open audit led by `owner`; charlie answers it in organisation A (so that a plain member
    reaches the respondent's pages), the owner in another organisation."""
    audit = make_audit(organisation, owner)
    respondent = world.charlie if organisation == world.org_a else owner
    svc.respondent_add(audit=audit, user=respondent, actor=owner)
    finding = svc.finding_add(audit=audit, element="delivery", text="No map", actor=owner)
    action = svc.action_add(audit=audit, element="delivery", title="Map it", finding=finding, actor=owner)
    question = audit.template.questions.order_by("order").first()
    return {
        "audit_id": audit.pk,
        "question_id": question.pk,
        "finding_id": finding.pk,
        "action_id": action.pk,
    }  # type: ignore[union-attr]


def audit_closed(world: Any, organisation: Any, owner: Any) -> dict[str, Any]:
    made = audit_open(world, organisation, owner)
    from soms.audit.models import Audit, Respondent

    audit = Audit.objects.get(pk=made["audit_id"])
    for r in Respondent.objects.filter(audit=audit):
        answer_all(r, audit, 3)
    svc.consensus_accept_agreed(audit=audit, actor=owner)
    svc.audit_close(audit=audit, actor=owner)
    return made


def reaudit_body(params: dict[str, Any]) -> dict[str, Any]:
    return {"date": dt.date(2027, 1, 1).isoformat()}
