"""Nightly: HR uploads checked but never applied are deleted after a day (each holds a whole file)."""

from __future__ import annotations

from datetime import datetime, timedelta

from soms.jobs.schedule import periodic
from soms.people.services.imports import people_imports_expire


@periodic(every=timedelta(days=1))
def people_imports_housekeeping(*, now: datetime) -> str:
    return f"deleted {people_imports_expire(now=now)} HR uploads checked but not applied within a day"


@periodic(every=timedelta(days=1))
def people_team_units_report(*, now: datetime) -> str:
    """People whose team is outside their unit (left by team moves before they moved their people),
    per organisation; repaired by `soms people team-units --org SLUG --fix`."""
    from soms.people.services.consistency import people_team_unit_report, people_team_unit_summary

    return people_team_unit_summary(people_team_unit_report())
