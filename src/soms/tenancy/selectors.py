from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from soms.tenancy.audit import local_date_bounds
from soms.tenancy.models import ApiToken, AuditLogEntry, Membership, Organisation

# Changes made by no person (the demo, built-in loads, commands); not a valid username, so no clash.
SYSTEM_ACTOR = "(system)"


def audit_log_for(
    *,
    organisation: Organisation,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditLogEntry]:
    """The organisation's audit log, newest first, narrowed by who (a username, or "system" for
    changes no person made), what, on which kind of object, and between which days (both included)."""
    entries = AuditLogEntry.objects.filter(organisation=organisation).select_related("actor")
    if actor == SYSTEM_ACTOR:
        entries = entries.filter(actor__isnull=True)
    elif actor:
        entries = entries.filter(actor__username=actor)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    start, end = local_date_bounds(since, until)
    if start is not None:
        entries = entries.filter(created_at__gte=start)
    if end is not None:
        entries = entries.filter(created_at__lt=end)
    return entries


def audit_object_types_of(*, organisation: Organisation) -> list[str]:
    # order_by(): the model's ordering would join created_at to the DISTINCT and answer one value
    # per entry (100,000 entries: a 7.6 MB page drawn in 37 s).
    return sorted(
        t
        for t in AuditLogEntry.objects.filter(organisation=organisation)
        .exclude(object_type="")
        .order_by()
        .values_list("object_type", flat=True)
        .distinct()
    )


def audit_actors_of(*, organisation: Organisation) -> list[str]:
    """Usernames that appear in the log (members past and present who changed something)."""
    return sorted(
        AuditLogEntry.objects.filter(organisation=organisation, actor__isnull=False)
        .order_by()
        .values_list("actor__username", flat=True)
        .distinct()
    )


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organisation=organisation).select_related("user").order_by("user__username")
    )


def api_tokens_of(*, user: Any, organisation: Organisation) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, organisation=organisation)
