"""Nightly: levels whose refresh-due or expiry date has come are recomputed, so that every page and
dashboard shows them as refresh due or expired on the right day without anyone editing anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from soms.assessments.services.attainment import recompute_due
from soms.assessments.services.notifications import attainment_changes_notify, attainment_snapshot
from soms.jobs.schedule import periodic


@periodic(every=timedelta(days=1))
def attainment_refresh(*, now: datetime) -> str:
    today = timezone.localdate(now)
    before = attainment_snapshot(today)
    people = recompute_due(today)
    told = attainment_changes_notify(before)
    return (
        f"recomputed the attainment of {people} people whose refresh-due or expiry date has come; "
        f"{told} notified"
    )
