"""A filter that picks people within units (the people reporting to a manager, a role profile, a
location) chooses which coverage targets are listed, those of the units and teams its people belong
to, but each target is still counted over everyone in its unit or team: a unit's target is for the
unit, and counted over a manager's reports alone a unit that meets it would look short. The page,
the API and the report files say what the targets are counted against."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from soms.insights.reports import team_html, team_xlsx
from soms.insights.selectors.picture import Filters
from soms.tenancy.models import Membership
from tests.insights import test_subtree_targets as subtree

targets = subtree.targets  # the fixture of the targets beneath a view
_cover = subtree._cover

pytestmark = pytest.mark.django_db


def _groups(data: dict[str, Any]) -> dict[str, list[tuple[int, str]]]:
    return {
        g["name"]: [(t["covered"], t["state"]) for t in g["targets"]]
        for g in data["coverage_groups"]["groups"]
    }


def test_an_admin_filtering_by_a_manager_counts_each_target_over_its_unit(
    targets: Any, soms_version: Any
) -> None:
    """Nina (E005) manages Charlie and Noel in North; she alone holds Practitioner in demand and
    capacity, which North's target asks one person for. North meets it."""
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    data = alice.get("/api/v1/insights/overview", {"manager": "E005"}).json()
    assert data["people"] == 2
    cover = data["coverage_groups"]
    # Only the targets Nina's reports count towards: South's and Finance's are not theirs.
    assert _groups(data) == {"North": [(1, "met")], "North desk": [(1, "met")]}
    assert (cover["targets"], cover["met"], cover["not_met"]) == (2, 2, 0)
    assert cover["narrowed"] is True
    assert "not only the people shown here, who report to Nina North" in cover["narrowed_note"]
    html = _cover(alice.get(reverse("insights-dashboard"), {"manager": "E005"}).content.decode())
    assert "2 targets in 2 units and teams: 2 met, 0 not met" in html
    assert "a unit&#x27;s target is for the whole unit" in html and "report to Nina North" in html


def test_the_units_own_targets_are_counted_over_the_unit_too(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    query = {"unit": targets.units["north"].pk, "manager": "E005"}
    data = alice.get("/api/v1/insights/overview", query).json()
    assert [(c["covered"], c["state"]) for c in data["coverage"]] == [(1, "met")]
    assert _groups(data)["North"] == [(1, "met")]


def test_a_manager_filtering_by_another_manager_counts_over_the_unit_she_holds_whole(
    targets: Any, soms_version: Any
) -> None:
    """Priya manages the unit North: her view holds it whole. Filtered to Nina's reports, North's
    target is still North's, met by Nina."""
    priya = targets.world.client_for(targets.priya, targets.world.org_a)
    data = priya.get("/api/v1/insights/overview", {"manager": "E005"}).json()
    assert data["people"] == 2
    assert _groups(data) == {"North": [(1, "met")], "North desk": [(1, "met")]}
    assert data["coverage_groups"]["narrowed"] is True
    own = priya.get(
        "/api/v1/insights/overview", {"unit": targets.units["north"].pk, "manager": "E005"}
    ).json()
    assert [(c["covered"], c["state"]) for c in own["coverage"]] == [(1, "met")]


def test_a_location_filter_counts_the_same_way(targets: Any, soms_version: Any) -> None:
    from soms.people.models import Person

    Person.objects.filter(pk=targets.people["E007"].pk).update(location="Leeds")
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    data = alice.get("/api/v1/insights/overview", {"location": "Leeds"}).json()
    assert data["people"] == 1
    assert _groups(data) == {"North": [(1, "met")], "North desk": [(1, "met")]}
    assert "work at Leeds" in data["coverage_groups"]["narrowed_note"]


def test_views_of_whole_units_say_they_count_everyone_there(targets: Any, soms_version: Any) -> None:
    alice = targets.world.client_for(targets.world.alice, targets.world.org_a)
    cover = alice.get("/api/v1/insights/overview", {"unit": targets.units["claims"].pk}).json()[
        "coverage_groups"
    ]
    assert (cover["narrowed"], cover["narrowed_note"]) == (False, "")
    html = _cover(alice.get(reverse("insights-dashboard")).content.decode())
    assert "Each target counts everyone in its own unit (with the units under it) or team." in html


def test_the_reports_count_and_say_the_same(targets: Any, soms_version: Any) -> None:
    m = Membership.objects.select_related("organisation").get(
        organisation=targets.world.org_a, user=targets.world.alice
    )
    nina = targets.people["E005"]
    html = team_html(m, soms_version, Filters(manager=nina))
    part = html[html.index('id="targets-beneath"') :]
    assert "2 targets in 2 units and teams: 2 met, 0 not met" in part and "report to Nina North" in part
    book = CalamineWorkbook.from_filelike(io.BytesIO(team_xlsx(m, soms_version, Filters(manager=nina))))
    rows = book.get_sheet_by_name("Targets beneath").to_python()
    assert any("report to Nina North" in str(r[0]) for r in rows)
    states = [r[5] for r in rows if r[1] in ("unit", "team")]
    assert states == ["met", "met"]
