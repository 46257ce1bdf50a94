"""From a finding to the people whose gap in its element is largest, and development actions for them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from soms.assessments.models import AttainmentStatus, ElementAttainment
from soms.audit.people_gaps import development_actions_for, largest_gaps
from soms.audit.services import audits as svc
from soms.frameworks.models import Element, Level
from soms.insights.models import DevelopmentAction
from soms.people.models import RoleProfile
from soms.people.services.persons import person_create
from soms.people.services.profiles import role_profiles_builtin_load
from tests.audit.helpers import make_audit

pytestmark = pytest.mark.django_db


def test_the_largest_gaps_and_actions_in_one_step(world: Any) -> None:
    audit = make_audit(world.org_a, world.alice)
    role_profiles_builtin_load()
    version = audit.template.framework_version
    element = Element.objects.get(version=version, code="demand-capacity")
    profile = RoleProfile.objects.filter(organisation__isnull=True, version=version).first()
    assert profile is not None
    wanted = profile.requirements.get(element=element).level.rank
    foundation = Level.objects.get(version=version, rank=1)
    ada = person_create(
        organisation=world.org_a,
        actor=world.alice,
        employee_id="E1",
        name="Ada Lane",
        role_profiles=[profile],
    )
    ben = person_create(
        organisation=world.org_a,
        actor=world.alice,
        employee_id="E2",
        name="Ben Moss",
        role_profiles=[profile],
    )
    person_create(organisation=world.org_a, actor=world.alice, employee_id="E3", name="No Profile")
    ElementAttainment.objects.create(
        organisation=world.org_a,
        person=ben,
        version=version,
        element=element,
        level=foundation,
        rank=1,
        status=AttainmentStatus.HELD,
        computed_on=dt.date(2026, 1, 1),
    )
    finding = svc.finding_add(
        audit=audit,
        element="demand-capacity",
        text="Staffing by habit,\r\nnot by forecast",
        actor=world.alice,
    )
    people, _ = largest_gaps(audit, finding)
    assert [(p.person.name, p.gap) for p in people] == [("Ada Lane", wanted), ("Ben Moss", wanted - 1)][
        : 2 if wanted > 1 else 1
    ]
    assert ada.pk == people[0].person.pk
    assert development_actions_for(audit=audit, finding=finding, actor=world.alice) == len(people)
    assert development_actions_for(audit=audit, finding=finding, actor=world.alice) == 0  # not twice
    action = DevelopmentAction.objects.filter(person=ada).get()
    assert action.source == "audit" and action.element_id == element.pk
    # A finding written over several lines makes a one-line title (a title holds no line break).
    assert action.title.endswith("Staffing by habit, not by forecast")
    page = world.client_for(world.alice, world.org_a).get(reverse("audits-findings", args=[audit.pk]))
    assert "Largest gaps in" in page.content.decode() and "Ada Lane" in page.content.decode()
