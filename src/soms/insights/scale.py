"""Assessments for the large demo organisation (`soms demo --people N`): validated coach assessments
written with `bulk_create`, then every attainment recomputed, so that Insights has a realistic
organisation of any size to show and the benchmark something to measure.

The spread is fixed by a seed: per person and element a level drawn from a skewed distribution
(many without a level, few at the top), judgements "met" on every statement up to that level, and a
validation day spread over the last four years, so that some levels are refresh due and some
have expired by today. The previous month's and this month's snapshots are written as well, each
from everyone's attainment as at that month, so that the trend charts show a line.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from soms.assessments.models import (
    Assessment,
    ElementAttainment,
    Judgement,
    Kind,
    Status,
    ValidityOverride,
)
from soms.assessments.services.attainment import recompute
from soms.assessments.services.bulkwrite import insert_rows
from soms.core.attainment import add_months
from soms.frameworks.models import FrameworkVersion, Statement
from soms.insights.services.snapshots import first_of_month, snapshot_organisation
from soms.jobs.maintenance import planner_statistics_refresh
from soms.people.models import Person

# Chance of holding no level, then the first, second, ... level of an element (the rest: higher).
SPREAD = (0.30, 0.34, 0.22, 0.10, 0.04)
CHUNK = 1000
# Months of snapshots written behind today's (with today's, two points: a line). Each costs one
# recomputation of everyone and one snapshot (about two minutes at 50,000 people on this machine).
HISTORY_MONTHS = 1


def _levels_for(rnd: random.Random, n_levels: int) -> int:
    weights = list(SPREAD[: n_levels + 1]) + [0.01] * max(0, n_levels + 1 - len(SPREAD))
    return rnd.choices(range(n_levels + 1), weights=weights)[0]


def large_assessments(
    organisation: Any,
    version: FrameworkVersion,
    *,
    progress: Callable[[str, int, int], None] = lambda stage, done, total: None,
    today: date | None = None,
    seed: int = 2026,
    history_months: int = HISTORY_MONTHS,
) -> tuple[int, int]:
    """Give every person of the organisation without an assessment on `version` one validated
    assessment; recompute them all. When it wrote any, it also writes the monthly snapshots of the
    last `history_months` months and of this one, so the trend charts have a line to show. Returns
    (assessments written, people recomputed)."""
    today = today or timezone.localdate()
    rnd = random.Random(seed)
    by_element: dict[int, list[list[int]]] = {}
    levels = list(version.levels.order_by("rank").values_list("pk", flat=True))
    for sid, eid, lid in Statement.objects.filter(version=version).values_list(
        "pk", "element_id", "level_id"
    ):
        by_element.setdefault(eid, [[] for _ in levels])[levels.index(lid)].append(sid)
    elements = sorted(by_element)
    # Levels that never expire would give no refresher work to look at: the demo organisation keeps
    # each level three years (its own validity, as an organisation may set).
    for lv in version.levels.filter(validity_months__isnull=True):
        ValidityOverride.objects.get_or_create(
            organisation=organisation, level=lv, defaults={"validity_months": 36}
        )
    done_ids = set(
        Assessment.objects.filter(organisation=organisation, version=version).values_list(
            "person_id", flat=True
        )
    )
    people = [
        pk
        for pk in Person.objects.filter(organisation=organisation, active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in done_ids
    ]
    total = len(people)
    written = 0
    org_id = organisation.pk
    stamp = connection.ops.adapt_datetimefield_value(timezone.now())
    table = Judgement._meta.db_table
    columns = ("organisation_id", "assessment_id", "statement_id", "value", "comment", "updated_at")
    for start in range(0, total, CHUNK):
        batch = people[start : start + CHUNK]
        with transaction.atomic():
            made = Assessment.objects.bulk_create(
                [
                    Assessment(
                        organisation=organisation,
                        person_id=pid,
                        version=version,
                        kind=Kind.COACH,
                        status=Status.VALIDATED,
                        validated_on=today - timedelta(days=rnd.randint(20, 4 * 365)),
                        imported_from="large demo",
                    )
                    for pid in batch
                ],
                batch_size=500,
            )
            if any(a.pk is None for a in made):  # a backend that does not return ids
                made = list(
                    Assessment.objects.filter(organisation=organisation, version=version, person_id__in=batch)
                )
            # A million judgements at 50,000 people: written as plain rows (COPY on PostgreSQL), not
            # as model instances, which cost more than the database's own work.
            rows: list[tuple[Any, ...]] = []
            for a in made:
                for eid in elements:
                    reach = _levels_for(rnd, len(levels))
                    for k in range(reach):
                        rows.extend((org_id, a.pk, sid, "met", "", stamp) for sid in by_element[eid][k])
            with connection.cursor() as cur:
                insert_rows(cur, table, columns, rows)
        written += len(batch)
        progress("assessments", written, total)
    everyone = list(
        Person.objects.filter(organisation=organisation, active=True).values_list("pk", flat=True)
    )
    _analyse()
    if written and history_months > 0:
        _history(organisation, version, everyone, today, history_months, progress)
    recomputed = recompute(
        everyone,
        version,
        organisation.pk,
        today,
        progress=lambda done, total: progress("attainment", done, total),
    )
    _analyse()
    if written and history_months > 0:
        snapshot_organisation(organisation.pk, first_of_month(today), as_of=today)
    return written, recomputed


def _history(
    organisation: Any,
    version: FrameworkVersion,
    everyone: list[int],
    today: date,
    months: int,
    progress: Callable[[str, int, int], None],
) -> None:
    """The monthly snapshots of the last `months` months, as the nightly job would have written them:
    everyone's attainment computed as at the first of each month (judgements validated later do not
    count yet), then that month's snapshot; oldest first. The caller recomputes today afterwards."""
    this_month = first_of_month(today)
    for k in range(months, 0, -1):
        month = add_months(this_month, -k)
        recompute(everyone, version, organisation.pk, month)
        if k == months:
            _analyse()
        snapshot_organisation(organisation.pk, month, as_of=month)
        progress("history", months - k + 1, months)


def _analyse() -> None:
    # Fresh bulk-loaded tables have no statistics (on PostgreSQL until autovacuum comes by, on SQLite
    # ever): without them PostgreSQL took 10,000 people for one and the organisation picture ran for
    # tens of seconds, and SQLite read a team of 200 through the organisation's 50,000 names.
    planner_statistics_refresh()


def attainment_summary(organisation: Any, version: FrameworkVersion) -> dict[str, int]:
    from django.db.models import Count

    return dict(
        ElementAttainment.objects.filter(organisation=organisation, version=version)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
