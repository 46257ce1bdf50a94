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
