"""A filter that picks people within units (a team, role profile, location or manager) over more
people than one page: counted from the per-person shares the rollups keep, one row per person, and
showing exactly what the per-person picture of everyone shows (the page's rows, the gaps, the
distribution, the cover, the single points and their names, the specialists, the units)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.services.attainment import recompute
from soms.insights.models import RollupState
from soms.insights.selectors.overview import (
    Overview,
    overview,
    overview_for,
    overview_from_people,
    person_rows,
    set_specialisation,
)
from soms.insights.selectors.picture import Filters, picture, targets_for
from soms.people.models import CoverageTarget, Person, RoleProfile
from soms.people.services.persons import person_create
from soms.tenancy.models import Membership
from tests.assessments.conftest import statements, validated
from tests.insights.conftest import DC, DELIVERY, smo  # noqa: F401

pytestmark = pytest.mark.django_db


def owner(org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(
        user=org.world.alice, organisation=org.world.org_a
    )


def manager(org: Any) -> Membership:
    return Membership.objects.select_related("organisation").get(user=org.priya, organisation=org.world.org_a)


def per_person(
    m: Membership, version: Any, filters: Filters, targets: Any, offset: int, limit: int
) -> dict[str, Any]:
    """What every attainment row of the filtered people gives, paged as `overview_for` pages."""
    ov = overview(picture(m, version, filters), targets, group_units=True, scope=filters.unit)
    ov.data["rows"] = person_rows(ov.picture, offset, limit)
    set_specialisation(ov.picture, ov.data)
    ov.data["truncated"] = len(ov.data["rows"]) < ov.data["people"]
    return ov.data


def read(m: Membership, version: Any, filters: Filters, targets: Any, offset: int, limit: int) -> Overview:
    return overview_for(m, version, filters, targets, group_units=True, offset=offset, limit=limit)


def with_more_holders(org: Any, version: Any) -> None:
    """Olivia and Fred hold Foundation in delivery too (so it has holders in several units), and
    Noel is the sole Practitioner-level holder nobody else backs: single points with names."""
    on = date(2026, 1, 12)
    for code in ("E001", "E006"):
        validated(org.people[code], version, statements(version, DELIVERY, "foundation"), on=on)
    recompute([org.people[c].pk for c in ("E001", "E006")], version, org.world.org_a.pk, date(2026, 2, 1))


FILTERS = {
    "role profile": lambda org: Filters(role_profile=RoleProfile.objects.get(code="analyst").pk),
    "location": lambda org: Filters(location="leeds"),
    "manager": lambda org: Filters(manager=org.people["E001"]),
    "team": lambda org: Filters(team=org.team),
    "location within a unit": lambda org: Filters(location="Leeds", unit=org.units["claims"]),
}


@pytest.mark.parametrize("name", sorted(FILTERS))
@pytest.mark.parametrize("who", ["owner", "manager"])
def test_a_page_of_the_filtered_people_shows_what_everyone_per_person_shows(
    skilled: Any, soms_version: Any, name: str, who: str, django_capture_on_commit_callbacks: Any
) -> None:
    with_more_holders(skilled, soms_version)
    with django_capture_on_commit_callbacks(execute=True):  # someone in no unit (their own row)
        person_create(
            organisation=skilled.world.org_a,
            actor=skilled.world.alice,
            employee_id="E009",
            name="Una Unplaced",
            manager=skilled.people["E001"],
        )
    Person.objects.filter(organisation=skilled.world.org_a).exclude(employee_id="E006").update(
        location="Leeds"
    )
    m = owner(skilled) if who == "owner" else manager(skilled)
    filters = FILTERS[name](skilled)
    unit = filters.unit
    CoverageTarget.objects.create(
        organisation=skilled.world.org_a,
        unit=skilled.units["claims"],
        element=soms_version.elements.get(code=DC),
        level=soms_version.levels.get(code="foundation"),
        minimum=2,
    )
    targets = targets_for(m, soms_version, unit=unit, team=filters.team)
    everyone = per_person(m, soms_version, filters, targets, 0, 1000)
    assert everyone["people"] >= 3, everyone["people"]
    if who == "owner" and name in ("location", "manager"):
        assert "No unit" in [u["unit"] for u in everyone["units"]]
    for offset, limit in ((0, 2), (2, 2), (1, 1), (0, everyone["people"] - 1)):
        ov = read(m, soms_version, filters, targets, offset, limit)
        assert ov.from_shares and not ov.from_rollups
        assert ov.data == per_person(m, soms_version, filters, targets, offset, limit), (offset, limit)
    # A page that holds everyone is the per-person picture itself.
    whole = read(m, soms_version, filters, targets, 0, everyone["people"])
    assert not whole.from_shares and whole.data == everyone


def test_the_single_points_and_their_names_come_from_the_people_beyond_the_page(
    skilled: Any, soms_version: Any
) -> None:
    m = owner(skilled)
    filters = Filters(role_profile=RoleProfile.objects.get(code="analyst").pk)
    # By name the page of one is Charlie, who holds nothing: the sole holders (Nina, Practitioner in
    # demand and capacity; Noel, Foundation in delivery) are named from beyond it.
    ov = read(m, soms_version, filters, [], 0, 1)
    assert ov.from_shares and [r["name"] for r in ov.data["rows"]] == ["Charlie Member"]
    sole = {s["element"]: s["person_name"] for s in ov.data["single_points"]["sole"]}
    assert sole == {DC: "Nina North", DELIVERY: "Noel Desk"}
    assert ov.data["people"] == 8 and ov.data["truncated"]


def test_specialists_and_back_ups_of_a_capability_model(skilled: Any, smo: Any) -> None:  # noqa: F811
    m = owner(skilled)
    filters = Filters(manager=skilled.people["E001"])
    ov = read(m, smo, filters, [], 0, 2)
    assert ov.from_shares
    assert ov.data == per_person(m, smo, filters, [], 0, 2)
    incident = next(c for c in ov.data["capabilities"] if c["element"] == "incident-management")
    assert incident["specialists"] == ["Nina North"] and incident["backups"] == ["Sam South"]


def test_without_kept_rollups_it_reads_every_attainment_row_and_shows_the_same(
    skilled: Any, soms_version: Any
) -> None:
    m = owner(skilled)
    filters = Filters(manager=skilled.people["E001"])
    kept = read(m, soms_version, filters, [], 0, 2)
    RollupState.objects.filter(organisation=skilled.world.org_a, version=soms_version).delete()
    ov = read(m, soms_version, filters, [], 0, 2)
    assert kept.from_shares and not ov.from_shares
    assert ov.data == kept.data == per_person(m, soms_version, filters, [], 0, 2)


def test_another_organisation_is_never_counted(skilled: Any, soms_version: Any) -> None:
    b = skilled.world.org_b
    Person.objects.update(location="Leeds")  # both organisations
    recompute([skilled.b_person.pk], soms_version, b.pk, date(2026, 2, 1))
    ov = read(owner(skilled), soms_version, Filters(location="Leeds"), [], 0, 2)
    assert ov.from_shares and ov.data["people"] == 8
    assert "Bea Beta" not in repr(ov.data)


def test_the_same_queries_for_a_few_people_or_many(
    skilled: Any, soms_version: Any, django_assert_num_queries: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from soms.frameworks.models import FrameworkVersion

    soms_version = FrameworkVersion.objects.select_related("framework").get(pk=soms_version.pk)
    m = owner(skilled)
    filters = Filters(location="Leeds")
    Person.objects.filter(organisation=skilled.world.org_a).update(location="Leeds")
    # The page of people and their attainment and requirements (two), the rollup state and the
    # shares of the filtered people (two), the units' paths and names, the sole holders' names.
    with django_assert_num_queries(6):
        small = read(m, soms_version, filters, [], 0, 2)
    alice = skilled.world.alice
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            person_create(
                organisation=skilled.world.org_a,
                actor=alice,
                employee_id=f"L{n}",
                name=f"Leeds {n}",
                unit=skilled.units["south"],
                location="Leeds",
            )
    with django_assert_num_queries(6):
        large = read(m, soms_version, filters, [], 0, 2)
    assert small.from_shares and large.from_shares
    assert large.data["people"] == small.data["people"] + 12


def test_the_fallback_can_be_asked_for_the_organisation(skilled: Any, soms_version: Any) -> None:
    """What the benchmark measures as the fallback: the same people as the unit rows, from shares."""
    m = owner(skilled)
    for unit in (None, skilled.units["claims"]):
        targets = targets_for(m, soms_version, unit=unit, team=None)
        rolled = overview_for(m, soms_version, Filters(unit=unit), targets, group_units=True, limit=2)
        shared = overview_from_people(m, soms_version, Filters(unit=unit), targets, group_units=True, limit=2)
        assert rolled.from_rollups and shared.from_shares
        assert shared.data == rolled.data
