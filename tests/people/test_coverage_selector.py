"""Coverage targets handed to the gap core: one framework version at a time, as core targets."""

from __future__ import annotations

import numpy as np
import pytest

from soms.core import gaps
from soms.frameworks.models import Element, FrameworkVersion, Level
from soms.people.selectors.coverage import coverage_targets_by_version, coverage_targets_for
from soms.people.services.profiles import builtin_soms_version, coverage_target_create

pytestmark = pytest.mark.django_db


def _smo() -> FrameworkVersion:
    return FrameworkVersion.objects.get(framework__organisation=None, framework__code="smo-capability")


def _target(org, version, element, level, minimum, **where):
    return coverage_target_create(
        organisation=org.world.org_a,
        element=Element.objects.get(version=version, code=element),
        level=Level.objects.get(version=version, code=level),
        minimum=minimum,
        actor=org.world.alice,
        **where,
    )


def test_a_teams_targets_become_core_targets_of_one_version(org, builtin):
    soms, smo = builtin_soms_version(), _smo()
    _target(org, soms, "demand-capacity", "practitioner", 2, team=org.team)
    _target(org, soms, "delivery", "foundation", 3, team=org.team)
    _target(org, smo, "incident-management", "defined", 1, team=org.team)
    _target(org, soms, "performance", "foundation", 5, unit=org.units["north"])  # the unit's, not the team's

    assert coverage_targets_for(org.team, version=soms) == [
        gaps.CoverageTarget("delivery", "foundation", 3),
        gaps.CoverageTarget("demand-capacity", "practitioner", 2),
    ]
    assert coverage_targets_for(org.team, version=smo.pk) == [
        gaps.CoverageTarget("incident-management", "defined", 1)
    ]
    assert coverage_targets_for(org.units["north"], version=soms) == [
        gaps.CoverageTarget("performance", "foundation", 5)
    ]
    assert coverage_targets_for(org.units["south"], version=soms) == []


def test_targets_by_version_carry_what_the_core_needs_and_feed_coverage(org, builtin):
    soms, smo = builtin_soms_version(), _smo()
    _target(org, soms, "demand-capacity", "practitioner", 2, team=org.team)
    _target(org, smo, "incident-management", "defined", 1, team=org.team)

    by_version = coverage_targets_by_version(org.team)
    assert [v.version_id for v in by_version] == sorted([soms.pk, smo.pk])
    soms_targets = next(v for v in by_version if v.version_id == soms.pk)
    assert soms_targets.levels == ("foundation", "practitioner", "senior-practitioner")
    assert len(soms_targets.elements) == 7 and "demand-capacity" in soms_targets.elements

    # The three people of the team: one practitioner and one foundation in demand and capacity.
    holdings = gaps.Holdings.from_rows(
        [
            gaps.Holding("E005", "demand-capacity", "practitioner"),
            gaps.Holding("E007", "demand-capacity", "foundation"),
        ],
        people=["E005", "E007", "E008"],
        elements=soms_targets.elements,
        levels=soms_targets.levels,
    )
    (result,) = gaps.coverage(holdings, soms_targets.targets)
    assert result.state == gaps.CoverageState.SHORT and result.covered == 1 and result.missing == 1
    assert isinstance(holdings.rank, np.ndarray)


def test_another_organisations_targets_never_come_along(org, builtin):
    soms = builtin_soms_version()
    _target(org, soms, "demand-capacity", "practitioner", 2, unit=org.units["north"])
    assert coverage_targets_for(org.b_unit, version=soms) == []
    assert coverage_targets_by_version(org.b_unit) == []


def test_one_query_for_a_version_and_three_for_all(org, builtin, django_assert_num_queries):
    soms, smo = builtin_soms_version(), _smo()
    _target(org, soms, "demand-capacity", "practitioner", 2, team=org.team)
    _target(org, smo, "incident-management", "defined", 1, team=org.team)
    with django_assert_num_queries(1):
        coverage_targets_for(org.team, version=soms)
    with django_assert_num_queries(3):
        coverage_targets_by_version(org.team)
