"""The refresher list: levels refresh due, expiring within 90 days or expired, and open development
actions past their due date, for the people in the member's scope. The page and the API read the
same two querysets and page them the same way."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.frameworks.models import Level
from soms.insights.models import OPEN_STATUSES, DevelopmentAction
from soms.people.access import people_in_scope
from soms.tenancy.models import Membership

# How far ahead a level "expires soon".
EXPIRING_WITHIN = timedelta(days=90)


def levels_to_refresh(m: Membership, today: date) -> QuerySet[ElementAttainment]:
    people = people_in_scope(m, "person.view").filter(active=True)
    return (
        ElementAttainment.objects.filter(organisation_id=m.organisation_id, person__in=people)
        .filter(
            Q(status__in=[AttainmentStatus.REFRESH_DUE, AttainmentStatus.EXPIRED])
            | Q(expires_on__lte=today + EXPIRING_WITHIN, level__isnull=False)
        )
        .select_related("person", "element", "level", "version__framework")
        .order_by("expires_on", "person__name_key", "pk")
    )


def overdue_actions(m: Membership, today: date) -> QuerySet[DevelopmentAction]:
    people = people_in_scope(m, "person.view").filter(active=True)
    return (
        DevelopmentAction.objects.filter(
            organisation_id=m.organisation_id, person__in=people, status__in=OPEN_STATUSES, due_on__lt=today
        )
        .select_related("person", "element")
        .order_by("due_on", "pk")
    )


def with_lapsed(rows: list[Any]) -> list[Any]:
    """An expired row holds the level still valid (or none); the level that lapsed and when are in
    the engine's detail, and are what the list is about: `lapsed_code`, `lapsed_name`, `lapsed_on`."""
    names = {
        (lv.version_id, lv.code): lv.name
        for lv in Level.objects.filter(version_id__in={r.version_id for r in rows if r.status == "expired"})
    }
    for r in rows:
        lapsed = (r.detail or {}).get("lapsed_level") if r.status == AttainmentStatus.EXPIRED else None
        r.lapsed_code = lapsed or ""
        r.lapsed_name = names.get((r.version_id, lapsed), lapsed) if lapsed else ""
        on = (r.detail or {}).get("lapsed_on") if lapsed else None
        r.lapsed_on = date.fromisoformat(on) if isinstance(on, str) else None
    return rows
