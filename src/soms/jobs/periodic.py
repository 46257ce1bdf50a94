"""Housekeeping run by `soms cron`: abandoned jobs, old finished jobs and task records, expired sessions,
the query planner's statistics."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from soms.jobs.maintenance import planner_statistics_refresh
from soms.jobs.queue import jobs_reclaim
from soms.jobs.schedule import periodic
from soms.jobs.services import jobs_purge, retention_cutoff


@periodic(every=timedelta(days=1))
def housekeeping(*, now: datetime) -> str:
    from importlib import import_module

    from django_tasks_db.models import DBTaskResult

    # Jobs whose worker or command died, in case no worker runs to notice (soms.jobs.queue).
    reclaimed = jobs_reclaim(now=now)
    cutoff = retention_cutoff(now, settings.SOMS_JOB_RETENTION_DAYS)
    jobs = jobs_purge(finished_before=cutoff)
    tasks, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    # Imports and recomputations change the tables' shape by the thousand rows (soms.jobs.maintenance).
    stats = planner_statistics_refresh()
    return (
        f"purged {jobs} finished jobs and {tasks} task records older than {cutoff:%Y-%m-%d}; "
        f"expired sessions cleared; {reclaimed.requeued} abandoned jobs queued again, {reclaimed.failed} failed; "
        f"{stats}"
    )
