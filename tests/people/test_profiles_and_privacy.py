from __future__ import annotations

import pytest

from soms.frameworks.models import Element, Level
from soms.people.errors import PeopleInvalid
from soms.people.models import CoverageTarget, Person, RoleProfile
from soms.people.selectors.people import person_requirements
from soms.people.services.persons import person_update
from soms.people.services.privacy import person_data, person_erase, person_merge
from soms.people.services.profiles import (
    BUILTIN_PROFILES,
    builtin_soms_version,
    coverage_target_create,
    role_profile_create,
    role_profiles_builtin_load,
)
from soms.tenancy.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def test_builtin_profiles_load_once(builtin):
    assert len(role_profiles_builtin_load()) == len(BUILTIN_PROFILES)
    assert role_profiles_builtin_load() == []
    designer = RoleProfile.objects.get(code="om-designer", organisation=None)
    assert designer.requirements.count() == 7


def test_several_profiles_require_the_highest_level_per_element(org, builtin):
    role_profiles_builtin_load()
    version = builtin_soms_version()
    dc = Element.objects.get(version=version, code="demand-capacity")
    senior = Level.objects.get(version=version, code="senior-practitioner")
    own = role_profile_create(
        organisation=org.world.org_a,
        version=version,
        code="capacity-lead",
        name="Capacity lead",
        requirements={dc: senior},
        actor=org.world.alice,
    )
    maintainer = RoleProfile.objects.get(code="om-maintainer")
    person_update(person=org.people["E002"], role_profiles=[own, maintainer], actor=org.world.alice)
    reqs = {r["element"].code: r["level"].code for r in person_requirements(org.people["E002"])}
    assert reqs["demand-capacity"] == "senior-practitioner"
    assert reqs["delivery"] == "foundation"
    with pytest.raises(PeopleInvalid):
        role_profile_create(
            organisation=org.world.org_a,
            version=version,
            code="capacity-lead",
            name="Again",
            actor=org.world.alice,
        )


def test_coverage_targets_are_for_a_unit_or_a_team(org, builtin):
    version = builtin_soms_version()
    dc = Element.objects.get(version=version, code="demand-capacity")
    pr = Level.objects.get(version=version, code="practitioner")
    t = coverage_target_create(
        organisation=org.world.org_a, team=org.team, element=dc, level=pr, minimum=2, actor=org.world.alice
    )
    assert str(t) == "North desk: 2 × Practitioner in Demand and capacity management"
    with pytest.raises(PeopleInvalid):
        coverage_target_create(
            organisation=org.world.org_a, element=dc, level=pr, minimum=2, actor=org.world.alice
        )
    with pytest.raises(PeopleInvalid):
        coverage_target_create(
            organisation=org.world.org_a,
            unit=org.b_unit,
            element=dc,
            level=pr,
            minimum=1,
            actor=org.world.alice,
        )
    assert CoverageTarget.objects.count() == 1


def test_erase_keeps_counts_and_anonymises_history(org):
    sam = org.people["E003"]
    person_update(person=sam, job_title="Claims handler", actor=org.world.alice)
    person_erase(person=sam, actor=org.world.alice)
    sam.refresh_from_db()
    assert sam.name.startswith("Erased person") and sam.email == "" and not sam.active
    assert sam.unit == org.units["south"]  # still counted in its unit
    history = AuditLogEntry.objects.filter(object_type="Person", object_id=str(sam.pk))
    assert not any(
        "Sam" in (e.object_repr or "") or e.before or (e.after and "Claims" in str(e.after))
        for e in history.exclude(action="person.erase")
    )
    assert Person.objects.filter(organisation=org.world.org_a).count() == 8


def test_merge_carries_reports_profiles_and_history(org, builtin):
    role_profiles_builtin_load()
    p = org.people
    coach = RoleProfile.objects.get(code="om-coach")
    person_update(person=p["E003"], role_profiles=[coach], email="sam@example.org", actor=org.world.alice)
    # E006 is the same human as E003; E003's report (E004) must follow to E006.
    kept = person_merge(keep=p["E006"], duplicate=p["E003"], actor=org.world.alice)
    assert not Person.objects.filter(pk=p["E003"].pk).exists()
    sue = Person.objects.get(pk=p["E004"].pk)
    assert sue.manager == kept and sue.chain == kept.reports_prefix
    assert list(kept.role_profiles.values_list("code", flat=True)) == ["om-coach"]
    assert kept.email == "sam@example.org"
    data = person_data(kept)
    assert any(h["action"] == "person.update" for h in data["history"])  # E003's history came along
    assert data["direct_reports"] == ["Sue Junior"]


def test_erase_page_needs_the_box_ticked(org):
    """The page's confirm() was an inline handler the policy blocks: one click erased the person.
    The server now wants the box of the form ticked; without it nothing is erased."""
    from django.urls import reverse

    sam = org.people["E003"]
    c = org.world.client_for(org.world.alice, org.world.org_a)
    url = reverse("people-person-erase", args=[sam.pk])
    page = c.get(reverse("people-person", args=[sam.pk])).content.decode()
    assert 'name="confirm" value="erase" required' in page
    answer = c.post(url, follow=True)
    assert "Nothing was erased" in answer.content.decode()
    sam.refresh_from_db()
    assert not sam.name.startswith("Erased person")
    c.post(url, {"confirm": "erase"})
    sam.refresh_from_db()
    assert sam.name.startswith("Erased person")


def test_an_erased_record_cannot_be_merged_either_way(org):
    """Merging an erased record into a real person gave them another human's validated levels."""
    p = org.people
    person_erase(person=p["E003"], actor=org.world.alice)
    with pytest.raises(PeopleInvalid, match="erased"):
        person_merge(keep=p["E006"], duplicate=p["E003"], actor=org.world.alice)
    with pytest.raises(PeopleInvalid, match="erased"):
        person_merge(keep=p["E003"], duplicate=p["E006"], actor=org.world.alice)
    assert Person.objects.filter(pk=p["E003"].pk).exists() and Person.objects.filter(pk=p["E006"].pk).exists()


def test_merge_takes_a_team_only_with_its_unit(org):
    """A kept person in Finance took the duplicate's North desk: a team of another unit."""
    p = org.people
    kept = person_merge(keep=p["E006"], duplicate=p["E008"], actor=org.world.alice)
    assert kept.unit == org.units["finance"] and kept.team is None
    Person.objects.filter(pk=p["E001"].pk).update(unit=None)
    p["E001"].refresh_from_db()
    kept = person_merge(keep=p["E001"], duplicate=p["E005"], actor=org.world.alice)
    assert kept.unit == org.units["north"] and kept.team == org.team
