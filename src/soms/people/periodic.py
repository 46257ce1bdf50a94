"""Nightly: HR uploads checked but never applied are deleted after a day (each holds a whole file)."""

from __future__ import annotations

from datetime import datetime, timedelta

from soms.jobs.schedule import periodic
from soms.people.services.imports import people_imports_expire


@periodic(every=timedelta(days=1))
def people_imports_housekeeping(*, now: datetime) -> str:
    return f"deleted {people_imports_expire(now=now)} HR uploads checked but not applied within a day"
