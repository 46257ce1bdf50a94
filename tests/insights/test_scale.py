"""The large demo organisation gets validated assessments with a spread of levels and validity,
and its attainment computed (what `soms demo --people N --teams M` builds)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import Assessment, AttainmentStatus, ElementAttainment
from soms.assessments.services.attainment import evaluate
from soms.insights.models import Snapshot
from soms.insights.scale import attainment_summary, large_assessments
from soms.insights.services.snapshots import trend
from soms.people.demo import large_organisation
from soms.people.models import Person
from tests.assessments.conftest import soms_version  # noqa: F401

pytestmark = pytest.mark.django_db


def test_large_demo_has_assessments_and_attainment(soms_version: Any) -> None:  # noqa: F811
    org = large_organisation(people=120, teams=5, progress=lambda *a: None)
    seen: list[tuple[str, int, int]] = []
    written, recomputed = large_assessments(
        org, soms_version, today=date(2026, 6, 1), progress=lambda *a: seen.append(a)
    )
    assert written == recomputed == Person.objects.filter(organisation=org).count() == 120
    assert ("attainment", 120, 120) in seen and seen[0][0] == "assessments"
    counts = attainment_summary(org, soms_version)
    for status in (AttainmentStatus.HELD, AttainmentStatus.REFRESH_DUE, AttainmentStatus.EXPIRED):
        assert counts.get(status, 0) > 0, counts
    ranks = set(ElementAttainment.objects.filter(organisation=org).values_list("rank", flat=True))
    assert len(ranks) >= 3  # no level, and at least two levels held
    # A month of snapshots behind today's, each from the attainment as at its month, so the
    # trend has a line; the stored attainment is today's: what the engine answers on 1 June (a row
    # that today's recomputation found unchanged keeps the day it was computed, 1 May).
    months = sorted(set(Snapshot.objects.filter(organisation=org).values_list("month", flat=True)))
    assert months == [date(2026, 5, 1), date(2026, 6, 1)]
    assert trend(org.pk, soms_version, None) is not None
    rows = ElementAttainment.objects.filter(organisation=org)
    assert {
        (pid, code): (level, status)
        for pid, code, level, status in rows.values_list(
            "person_id", "element__code", "level__code", "status"
        )
    } == {
        (pid, e.element): (e.level, e.status.value)
        for pid in Person.objects.filter(organisation=org).values_list("pk", flat=True)
        for e in evaluate(pid, org.pk, soms_version, date(2026, 6, 1)).elements
    }
    days = set(rows.values_list("computed_on", flat=True))
    assert date(2026, 6, 1) in days and days <= {date(2026, 5, 1), date(2026, 6, 1)}
    whole = Snapshot.objects.filter(organisation=org, unit=None)
    may = sum(sum(s.counts[1:]) + s.expired for s in whole.filter(month=date(2026, 5, 1)))
    june = sum(sum(s.counts[1:]) + s.expired for s in whole.filter(month=date(2026, 6, 1)))
    assert may < june  # assessments validated in May did not count on 1 May
    # Run again: nobody gets a second assessment.
    assert large_assessments(org, soms_version, today=date(2026, 6, 1))[0] == 0
    assert Assessment.objects.filter(organisation=org).count() == 120
