from __future__ import annotations

import pytest
from django.core.management import call_command

from soms.people.access import people_in_scope
from soms.people.models import OrgUnit, Person
from soms.site.seeding import seed_demo
from soms.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def test_demo_people_and_the_managers_subtree():
    result = seed_demo()
    seed_demo()  # idempotent
    org = Organisation.objects.get(name__startswith="Harbourside")
    assert Person.objects.filter(organisation=org).count() == 15
    priya = Membership.objects.get(organisation=org, user__username="priya.raman")
    seen = set(people_in_scope(priya).values_list("employee_id", flat=True))
    assert seen == {f"HS{n:03d}" for n in range(2, 11)}
    motor = OrgUnit.objects.get(organisation=org, name="Motor Claims")
    assert motor.manager.employee_id == "HS002"
    tom = Person.objects.get(organisation=org, user__username="tom.okafor")
    assert tom.manager.name == "Marcus Bell" and sorted(tom.role_profiles.all()) == []
    assert result.admin_password
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="grace.liu").check_password(result.admin_password)


def test_the_demo_sets_coverage_targets_once_and_the_insights_page_shows_them():
    """Coverage targets in the demo, on the units the demo names; a second run adds none, and one an
    admin removed stays removed (targets are seeded only into an organisation without any)."""
    from soms.people.models import CoverageTarget
    from soms.people.services.profiles import coverage_target_delete

    seed_demo()
    org = Organisation.objects.get(name__startswith="Harbourside")
    targets = CoverageTarget.objects.filter(organisation=org)
    assert targets.count() == 6
    motor = targets.filter(unit__name="Motor Claims", element__code="demand-capacity").get()
    assert (motor.minimum, motor.level.code) == (2, "practitioner")
    seed_demo()
    assert targets.count() == 6
    coverage_target_delete(target=targets.filter(unit__name="Property Claims").get(), actor=None)
    seed_demo()
    assert targets.count() == 5
    assert CoverageTarget.objects.filter(organisation__name__startswith="Northgate").count() == 2


def test_large_demo_command(capsys):
    call_command("demo", "--people", "300", "--teams", "12")
    org = Organisation.objects.get(name__startswith="Large demo")
    assert Person.objects.filter(organisation=org).count() == 300
    assert OrgUnit.objects.filter(organisation=org, name__startswith="Section").count() == 12
    assert "Large demo (300 people, 12 teams) is in place" in capsys.readouterr().out
