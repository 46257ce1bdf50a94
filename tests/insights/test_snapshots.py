"""Monthly snapshots: what a month holds, written once (delete-then-insert when forced), the daily
job, and the trend they give the dashboard and the API for any part of the organisation and any
filter (a manager's only ever of their own people)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.urls import reverse

from soms.assessments.services.attainment import recompute
from soms.insights.models import Snapshot
from soms.insights.selectors.picture import Filters
from soms.insights.services.snapshots import filtered_trend, snapshot_due, snapshot_organisation
from soms.jobs.schedule import cron_run
from tests.assessments.conftest import statements, validated
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def _row(org_id: int, month: date, unit: Any, code: str) -> Snapshot:
    return Snapshot.objects.get(organisation_id=org_id, month=month, unit=unit, element__code=code)


def test_a_month_holds_the_whole_organisation_and_each_top_level_unit(skilled: Any) -> None:
    a = skilled.world.org_a
    written = snapshot_organisation(a.pk, FEB)
    assert written == Snapshot.objects.filter(organisation=a).count() > 0
    whole = _row(a.pk, FEB, None, DC)
    assert whole.people == 8 and whole.with_requirement == 8
    # No level for six, Foundation for Sam, Practitioner for Nina; everyone but Nina is short.
    assert whole.counts[:3] == [6, 1, 1] and sum(whole.counts) == 8
    assert whole.short == 7
    ops = _row(a.pk, FEB, skilled.units["ops"], DC)  # Operations holds Claims, North and South
    finance = _row(a.pk, FEB, skilled.units["finance"], DC)
    assert (ops.people, finance.people) == (7, 1)
    assert ops.short + finance.short == whole.short
    # Sub-units are not kept (their trend would be too fine to be worth the rows), nor org B.
    assert not Snapshot.objects.filter(unit=skilled.units["claims"]).exists()
    assert not Snapshot.objects.filter(organisation=skilled.world.org_b).exists()


def test_a_month_is_written_once_and_a_forced_run_replaces_it(skilled: Any, soms_version: Any) -> None:
    a = skilled.world.org_a
    assert snapshot_due(date(2026, 2, 3)) == (1, Snapshot.objects.filter(organisation=a).count())
    before = Snapshot.objects.filter(organisation=a).count()
    # Sam reaches Practitioner: a later day in the same month changes nothing ...
    sam = skilled.people["E003"]
    validated(sam, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 2, 5))
    recompute([sam.pk], soms_version, a.pk, date(2026, 2, 6))
    assert snapshot_due(date(2026, 2, 20)) == (0, 0)
    assert _row(a.pk, FEB, None, DC).short == 7
    # ... unless forced, which rewrites the month without duplicating a row.
    snapshot_due(date(2026, 2, 20), force=True)
    assert Snapshot.objects.filter(organisation=a).count() == before
    assert _row(a.pk, FEB, None, DC).short == 6


def test_the_daily_job_writes_the_month(skilled: Any) -> None:
    outcomes = cron_run(now=datetime(2026, 3, 2, 4, 0, tzinfo=UTC), only="insights_snapshots")
    assert [o.ok for o in outcomes] == [True]
    assert "1 organisations" in outcomes[0].message
    assert Snapshot.objects.filter(organisation=skilled.world.org_a, month=MAR).exists()


def test_the_trend_appears_from_two_months_on(skilled: Any, soms_version: Any) -> None:
    a = skilled.world.org_a
    alice = skilled.world.client_for(skilled.world.alice, a)
    snapshot_organisation(a.pk, JAN)
    html = alice.get(reverse("insights-dashboard")).content.decode()
    assert 'id="trend"' not in html  # one month is not a trend
    assert alice.get("/api/v1/insights/overview").json()["trend"] is None

    sam = skilled.people["E003"]
    validated(sam, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 2, 5))
    recompute([sam.pk], soms_version, a.pk, date(2026, 2, 6))
    snapshot_organisation(a.pk, FEB)

    html = alice.get(reverse("insights-dashboard")).content.decode()
    assert 'id="trend"' in html and "people meeting their requirement" in html
    assert "2026-01" in html and "12.5 %" in html and "25.0 %" in html  # the table beside the chart
    trend = alice.get("/api/v1/insights/overview").json()["trend"]
    assert trend["months"] == ["2026-01", "2026-02"]
    dc = next(e for e in trend["elements"] if e["element"] == DC)
    assert dc["meeting"] == [12.5, 25.0] and dc["short"] == [7, 6]
    assert dc["levels"][2] == [1, 2]  # Practitioner holders per month

    # A top-level unit has its own trend, and the same numbers from its people's monthly rows.
    ops = alice.get("/api/v1/insights/overview", {"unit": skilled.units["ops"].pk}).json()["trend"]
    assert next(e for e in ops["elements"] if e["element"] == DC)["people"] == [7, 7]
    m = skilled.world.alice.memberships.get(organisation=a)
    summed = filtered_trend(m, soms_version, Filters(unit=skilled.units["ops"]))
    assert summed is not None and summed["months"] == ops["months"]
    for mine, theirs in zip(summed["elements"], ops["elements"], strict=True):
        for key in ("meeting", "short", "people", "levels"):
            assert mine[key] == theirs[key], (mine["element"], key)


def _dc(client: Any, **query: Any) -> dict[str, Any]:
    trend = client.get("/api/v1/insights/overview", query).json()["trend"]
    assert trend is not None, query
    return next(e for e in trend["elements"] if e["element"] == DC)


def _two_months_sam_up(skilled: Any, soms_version: Any) -> None:
    a = skilled.world.org_a
    snapshot_organisation(a.pk, JAN)
    sam = skilled.people["E003"]
    validated(sam, soms_version, statements(soms_version, DC, "practitioner"), on=date(2026, 2, 5))
    recompute([sam.pk], soms_version, a.pk, date(2026, 2, 6))
    snapshot_organisation(a.pk, FEB)


def test_any_subtree_and_filter_has_its_trend(skilled: Any, soms_version: Any) -> None:
    _two_months_sam_up(skilled, soms_version)
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    # Claims (a sub-unit): Nina meets practitioner in January; Sam too from February.
    claims = _dc(alice, unit=skilled.units["claims"].pk)
    assert claims["people"] == [6, 6] and claims["meeting"] == [16.7, 33.3] and claims["short"] == [5, 4]
    assert _dc(alice, unit=skilled.units["south"].pk)["meeting"] == [0.0, 50.0]
    assert _dc(alice, team=skilled.team.pk)["people"] == [3, 3]  # North desk
    assert _dc(alice, manager="E005")["people"] == [2, 2]  # Charlie and Noel report to Nina
    profile = skilled.people["E003"].role_profiles.get()
    assert _dc(alice, role_profile=profile.pk)["meeting"] == [12.5, 25.0]
    html = alice.get(reverse("insights-dashboard"), {"unit": skilled.units["south"].pk}).content.decode()
    assert 'id="trend"' in html and "50.0 %" in html and "as each of them stood" in html


def test_a_manager_sees_the_trend_of_her_scope_only(skilled: Any, soms_version: Any) -> None:
    _two_months_sam_up(skilled, soms_version)
    priya = skilled.world.client_for(skilled.priya, skilled.world.org_a)
    mine = _dc(priya)
    assert mine["people"] == [6, 6] and mine["meeting"] == [16.7, 33.3]  # Claims, not all eight
    # Asking for the whole organisation's top-level unit still gives only her people.
    assert _dc(priya, unit=skilled.units["claims"].pk)["people"] == [6, 6]
    html = priya.get(reverse("insights-dashboard")).content.decode()
    assert 'id="trend"' in html and "33.3 %" in html and "12.5 %" not in html
    # A filter beyond her scope answers like a missing unit, never with someone else's trend.
    r = priya.get("/api/v1/insights/overview", {"unit": skilled.units["finance"].pk})
    assert r.status_code == 422 and "No unit with id" in r.content.decode()


def test_the_filtered_trend_reads_in_a_fixed_number_of_queries(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any
) -> None:
    _two_months_sam_up(skilled, soms_version)
    m = skilled.priya.memberships.get(organisation=skilled.world.org_a)
    # Months, elements, levels, the manager's person and units (her scope), the people's rows.
    with django_assert_num_queries(6):
        assert filtered_trend(m, soms_version, Filters()) is not None


def test_erasing_a_person_takes_their_monthly_rows(skilled: Any) -> None:
    from soms.insights.models import PersonSnapshot
    from soms.people.services.privacy import person_erase

    a = skilled.world.org_a
    snapshot_organisation(a.pk, JAN)
    sam = skilled.people["E003"]
    assert PersonSnapshot.objects.filter(organisation=a, person_id=sam.pk).count() == 1
    person_erase(person=sam, actor=skilled.world.alice)
    assert not PersonSnapshot.objects.filter(organisation=a, person_id=sam.pk).exists()
    assert PersonSnapshot.objects.filter(organisation=a, month=JAN).count() == 7
