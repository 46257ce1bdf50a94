"""The issue's bad-input list on every Insights route: filters naming unknown ids or another
organisation's objects answer like missing ones (a note on the page, 404/422 naming the field on
the API), empty teams, people without a role profile and frameworks without assessments get a
friendly answer, never an error page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from soms.frameworks.models import FrameworkVersion
from soms.insights.models import DevelopmentAction
from soms.people.models import Person, Team

pytestmark = pytest.mark.django_db

BAD_IDS = ["999999", "abc", "-1", "9" * 30, "1.5", "", "\x00"]


def _smo() -> FrameworkVersion:
    return FrameworkVersion.objects.get(
        framework__organisation__isnull=True, framework__code="smo-capability"
    )


def test_dashboard_filters_with_bad_or_foreign_ids(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    url = reverse("insights-dashboard")
    for field in ("version", "unit", "team", "role_profile", "manager"):
        for bad in [*BAD_IDS, str(skilled.b_unit.pk)]:
            r = alice.get(url, {field: bad})
            assert r.status_code == 200, (field, bad)
    html = alice.get(url, {"unit": skilled.b_unit.pk}).content.decode()
    assert "Not a unit you may see" in html and "Bea Beta" not in html
    for key in ("page", "units_page", "show"):
        assert alice.get(url, {key: "\x00<x>"}).status_code == 200


def test_export_with_a_filter_that_is_not_a_choice_starts_nothing(skilled: Any, soms_version: Any) -> None:
    from soms.jobs.models import Job

    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    before = Job.objects.count()
    r = alice.post(reverse("insights-export") + f"?unit={skilled.b_unit.pk}", {"format": "pdf"}, follow=True)
    assert r.status_code == 200 and Job.objects.count() == before
    assert "Unit (and below)" in r.content.decode() and "nothing was started" in r.content.decode()


def test_person_page_with_bad_versions_and_foreign_people(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    sam = skilled.people["E003"]
    for bad in BAD_IDS:
        r = alice.get(reverse("insights-person", args=[sam.pk]), {"version": bad})
        assert r.status_code in (200, 404), (bad, r.status_code)
    assert alice.get(reverse("insights-person", args=[skilled.b_person.pk])).status_code == 404
    assert alice.get(reverse("insights-person", args=[10**12])).status_code == 404


def test_posts_with_bad_ids_write_nothing(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    sam = skilled.people["E003"]
    for bad in BAD_IDS:
        for name, args in (("insights-action-create", [sam.pk]), ("insights-plan-pdf", [sam.pk])):
            r = alice.post(
                reverse(name, args=args), {"version": bad, "element": bad, "kind": "course", "title": "x"}
            )
            assert r.status_code in (302, 404, 422), (name, bad, r.status_code)
        r = alice.post(
            reverse("insights-action-create", args=[sam.pk]),
            {"version": soms_version.pk, "element": bad, "kind": "course", "title": "x", "due_on": bad},
        )
        assert r.status_code == 422  # the form drawn again with the reasons, nothing added
    assert not DevelopmentAction.objects.exists()
    for bad in ("abc", "", "0", "9" * 30):
        r = alice.post(reverse("insights-action-status", args=[1]), {"status": "done", "revision": bad})
        assert r.status_code == 404


def test_api_filters_answer_like_missing_and_name_the_field(skilled: Any, soms_version: Any) -> None:
    alice = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    for field, value in (
        ("unit", skilled.b_unit.pk),
        ("unit", 999999),
        ("team", 999999),
        ("role_profile", 999999),
        ("manager", "NOPE"),
        ("version", 999999),
    ):
        r = alice.get("/api/v1/insights/overview", {field: value})
        assert r.status_code == 422, (field, value, r.status_code)
        assert field in str(r.json()), r.json()
    for bad in ("abc", "1.5", "9" * 30):
        assert alice.get("/api/v1/insights/overview", {"unit": bad}).status_code == 422
    assert alice.get(f"/api/v1/insights/people/{skilled.b_person.pk}").status_code == 404


def test_an_empty_team_a_person_without_a_profile_and_a_framework_without_assessments(
    skilled: Any, soms_version: Any
) -> None:
    a = skilled.world.org_a
    alice = skilled.world.client_for(skilled.world.alice, a)
    empty = Team.objects.create(organisation=a, unit=skilled.units["claims"], name="Nobody yet")
    html = alice.get(reverse("insights-dashboard"), {"team": empty.pk}).content.decode()
    assert "Nobody here yet" in html
    assert alice.get("/api/v1/insights/overview", {"team": empty.pk}).json()["people"] == 0

    fred = Person.objects.get(pk=skilled.people["E006"].pk)
    fred.role_profiles.clear()
    html = alice.get(reverse("insights-person", args=[fred.pk])).content.decode()
    assert "no role profile sets a requirement" in html

    smo = _smo()  # published, nobody assessed on it yet
    r = alice.get(reverse("insights-dashboard"), {"version": smo.pk})
    assert r.status_code == 200
    html = r.content.decode()
    assert "No one here has been assessed on this framework yet" in html
    r = alice.get(reverse("insights-person", args=[fred.pk]), {"version": smo.pk})
    assert r.status_code == 200
    data = alice.get("/api/v1/insights/overview", {"version": smo.pk}).json()
    assert data["people"] == 8 and data["levels_held"] == 0
