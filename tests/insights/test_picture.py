"""The picture behind the Insights views: scope, filters, gaps, cover and single points of failure,
from the stored attainment and the role profiles, in a fixed number of queries."""

from __future__ import annotations

from typing import Any

import pytest

from soms.insights.selectors.overview import overview
from soms.insights.selectors.picture import Filters, picture
from soms.tenancy.models import Membership
from tests.insights.conftest import DC

pytestmark = pytest.mark.django_db


def _m(user: Any, org: Any) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def test_owner_sees_everyone_with_gaps_against_their_profiles(skilled: Any, soms_version: Any) -> None:
    m = _m(skilled.world.alice, skilled.world.org_a)
    ov = overview(picture(m, soms_version))
    assert ov.data["people"] == 8
    gaps = {g["element"]: g for g in ov.data["gaps"]}
    # Only Nina holds Practitioner in demand-capacity: 7 of 8 short; Sam is one step short, the rest two.
    assert (gaps[DC]["with_requirement"], gaps[DC]["short"]) == (8, 7)
    assert gaps[DC]["by_gap"][:3] == [1, 1, 6]
    assert gaps["delivery"]["short"] == 7
    sole = {(s["element"], s["person_name"]) for s in ov.data["single_points"]["sole"]}
    assert (DC, "Nina North") in sole and ("delivery", "Noel Desk") in sole
    nina = next(r for r in ov.data["rows"] if r["name"] == "Nina North")
    cell = next(c for c in nina["cells"] if c["element"] == DC)
    assert (cell["level"], cell["required"], cell["gap"]) == ("practitioner", "practitioner", 0)


def test_a_manager_sees_only_their_subtree_whatever_the_filter(skilled: Any, soms_version: Any) -> None:
    m = _m(skilled.priya, skilled.world.org_a)
    names = {p["name"] for p in picture(m, soms_version).people}
    # Priya (E002) manages Claims/North and has Sam and Sue reporting to her.
    assert names == {"Priya Raman", "Sam South", "Sue Junior", "Nina North", "Charlie Member", "Noel Desk"}
    # Asking for Finance (outside her scope) narrows to nobody rather than widening.
    only = picture(m, soms_version, Filters(unit=skilled.units["finance"])).people
    assert only == []


def test_filters_by_unit_team_and_manager(skilled: Any, soms_version: Any) -> None:
    m = _m(skilled.world.alice, skilled.world.org_a)
    south = {p["name"] for p in picture(m, soms_version, Filters(unit=skilled.units["south"])).people}
    assert south == {"Sam South", "Sue Junior"}
    team = {p["name"] for p in picture(m, soms_version, Filters(team=skilled.team)).people}
    assert team == {"Nina North", "Charlie Member", "Noel Desk"}
    under = {p["name"] for p in picture(m, soms_version, Filters(manager=skilled.people["E005"])).people}
    assert under == {"Charlie Member", "Noel Desk"}


def test_unit_rollup_counts_people_meeting_their_requirement(skilled: Any, soms_version: Any) -> None:
    m = _m(skilled.world.alice, skilled.world.org_a)
    ov = overview(picture(m, soms_version), group_units=True)
    north = next(u for u in ov.data["units"] if u["unit"].endswith("North"))
    dc = next(c for c in north["elements"] if c["element"] == DC)
    assert north["people"] == 3 and dc["with_requirement"] == 3 and dc["short"] == 2
    assert dc["meeting"] == pytest.approx(33.3, abs=0.1)


def test_picture_reads_in_a_fixed_number_of_queries(
    skilled: Any, soms_version: Any, django_assert_max_num_queries: Any
) -> None:
    m = _m(skilled.world.alice, skilled.world.org_a)
    picture(m, soms_version)  # the version's elements and levels, kept with its index after one read
    # The people, then their attainment and their profiles' requirements in one query.
    with django_assert_max_num_queries(2):
        picture(m, soms_version)
