"""Daily: the first run of each month writes every organisation's monthly snapshot (the trend lines
of the Insights dashboard read them); later runs that month find it written and do nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from soms.insights.services.snapshots import snapshot_due
from soms.jobs.schedule import periodic


@periodic(every=timedelta(days=1))
def insights_snapshots(*, now: datetime) -> str:
    organisations, rows = snapshot_due(timezone.localdate(now))
    return f"wrote this month's snapshot of {organisations} organisations ({rows} rows)"
