"""Audit templates and audits by id, inside the member's organisation, and who may do what to them.

Any member reads the organisation's audits and the templates it can use (its own and the built-in
ones); owners and admins author templates; owners, admins and coaches start audits; the audit's lead
(or an owner or admin) runs it; a respondent answers only their own ratings. Another organisation's
objects answer 404, exactly like missing ones.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from soms.audit.models import Action, Audit, AuditTemplate, Finding, Question, Respondent, TemplateStatus
from soms.tenancy.access import get_in_organisation, get_or_not_found, require
from soms.tenancy.models import ADMIN_ROLES, Membership
from soms.tenancy.permissions import object_rule


def templates_visible(membership: Membership) -> QuerySet[AuditTemplate]:
    """Built-in templates (published) and the organisation's own; drafts only for their authors."""
    mine = Q(organisation_id=membership.organisation_id)
    if membership.role not in ADMIN_ROLES:
        mine &= Q(status=TemplateStatus.PUBLISHED)
    return AuditTemplate.objects.filter(mine | Q(organisation__isnull=True, status=TemplateStatus.PUBLISHED))


def template_for(
    membership: Membership | None, template_id: Any, *, action: str = "audit_template.read"
) -> AuditTemplate:
    member = require(membership, action)
    template = get_or_not_found(
        templates_visible(member).select_related("framework_version__framework"), pk=template_id
    )
    if action != "audit_template.read":
        require(member, action, template)
    return template


def question_for(template: AuditTemplate, question_id: Any) -> Question:
    return get_or_not_found(Question.objects.select_related("element"), pk=question_id, template=template)


def audit_for(membership: Membership | None, audit_id: Any, *, action: str = "audit.read") -> Audit:
    member = require(membership, action)
    audit = get_in_organisation(
        Audit.objects.select_related("template", "unit", "lead", "baseline", "template__framework_version"),
        member.organisation_id,
        audit_id,
    )
    if action != "audit.read":
        require(member, action, audit)
    return audit


def finding_for(audit: Audit, finding_id: Any) -> Finding:
    return get_or_not_found(Finding.objects.select_related("element"), pk=finding_id, audit=audit)


def action_for(audit: Audit, action_id: Any) -> Action:
    return get_or_not_found(Action.objects.select_related("element", "owner"), pk=action_id, audit=audit)


def respondent_of(audit: Audit, user: Any) -> Respondent | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return Respondent.objects.filter(audit=audit, user=user).first()


@object_rule("audit_template.author")
def _may_author(membership: Membership, template: AuditTemplate) -> bool:
    """A draft of the member's own organisation (built-in and published templates never change)."""
    return template.organisation_id == membership.organisation_id and template.status == TemplateStatus.DRAFT


@object_rule("audit.lead")
def _may_lead(membership: Membership, audit: Audit) -> bool:
    """The audit's lead auditor, or an owner or admin of its organisation."""
    if audit.organisation_id != membership.organisation_id:
        return False
    return membership.role in ADMIN_ROLES or audit.lead_id == membership.user_id


@object_rule("audit.respond")
def _may_respond(membership: Membership, audit: Audit) -> bool:
    """A respondent of the audit (each answers only their own ratings)."""
    return (
        audit.organisation_id == membership.organisation_id
        and Respondent.objects.filter(audit=audit, user_id=membership.user_id).exists()
    )
