from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from soms.tenancy.models import ApiToken, AuditLogEntry, Membership, Organisation


def audit_log_for(*, organisation: Organisation) -> QuerySet[AuditLogEntry]:
    return AuditLogEntry.objects.filter(organisation=organisation).select_related("actor")


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")
    )


def api_tokens_of(*, user: Any, organisation: Organisation) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, organisation=organisation)


def home_summary(*, organisation: Organisation) -> dict[str, Any]:
    from soms.frameworks.selectors import frameworks_visible_to
    from soms.toolkits.selectors import capacity_studies_for

    return {
        "member_count": Membership.objects.filter(organisation=organisation).count(),
        "frameworks": frameworks_visible_to(organisation=organisation),
        "recent_studies": capacity_studies_for(organisation=organisation)[:5],
    }
