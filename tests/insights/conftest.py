"""Insights fixtures: Alpha Services' tree (tests/people) with attainment and a role profile."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.services.attainment import recompute
from soms.people.models import RoleProfile, RoleRequirement
from tests.assessments.conftest import soms_version, statements, validated  # noqa: F401
from tests.people.conftest import Org, org  # noqa: F401

DC = "demand-capacity"
DELIVERY = "delivery"


@pytest.fixture
def skilled(org: Org, soms_version: Any) -> Org:  # noqa: F811  (the imported fixtures)
    """Everyone in Alpha needs Practitioner in demand-capacity and Foundation in delivery (profile
    'analyst'). Nina holds Practitioner in demand-capacity, Sam Foundation, Noel Foundation in
    delivery only; the others nothing."""
    a = org.world.org_a
    profile = RoleProfile.objects.create(organisation=a, version=soms_version, code="analyst", name="Analyst")
    levels = {lv.code: lv for lv in soms_version.levels.all()}
    elements = {e.code: e for e in soms_version.elements.all()}
    RoleRequirement.objects.create(profile=profile, element=elements[DC], level=levels["practitioner"])
    RoleRequirement.objects.create(profile=profile, element=elements[DELIVERY], level=levels["foundation"])
    for person in org.people.values():
        person.role_profiles.add(profile)
    on = date(2026, 1, 10)
    nina, sam, noel = org.people["E005"], org.people["E003"], org.people["E008"]
    validated(
        nina,
        soms_version,
        statements(soms_version, DC, "foundation") + statements(soms_version, DC, "practitioner"),
        on=on,
    )
    validated(sam, soms_version, statements(soms_version, DC, "foundation"), on=on)
    validated(noel, soms_version, statements(soms_version, DELIVERY, "foundation"), on=on)
    recompute([p.pk for p in org.people.values()], soms_version, a.pk, date(2026, 2, 1))
    return org


SMO_LEVELS = ["initial", "repeatable", "defined", "managed", "continually-improving"]


def held(version: Any, element: str, up_to: str) -> list[Any]:
    """Every statement of `element` from the lowest level up to `up_to`."""
    return [s for lv in SMO_LEVELS[: SMO_LEVELS.index(up_to) + 1] for s in statements(version, element, lv)]


@pytest.fixture
def smo(org: Org, builtin: Any) -> Any:  # noqa: F811
    """Alpha on the service management office capability model (1-5): Nina a specialist in
    incident management (level 4) with a little problem management, Sam a back-up there (level 2)
    and broad elsewhere (level 1 in five capabilities), Olivia level 3 in risk management only."""
    from soms.frameworks.models import FrameworkVersion

    version = FrameworkVersion.objects.get(
        framework__organisation__isnull=True, framework__code="smo-capability"
    )
    on = date(2026, 1, 10)
    nina, sam, olivia = org.people["E005"], org.people["E003"], org.people["E001"]
    validated(
        nina,
        version,
        held(version, "incident-management", "managed") + held(version, "problem-management", "initial"),
        on=on,
    )
    broad = [
        "strategy-management",
        "relationship-management",
        "service-desk",
        "knowledge-management",
        "supplier-management",
    ]
    validated(
        sam,
        version,
        held(version, "incident-management", "repeatable")
        + [s for e in broad for s in held(version, e, "initial")],
        on=on,
    )
    validated(olivia, version, held(version, "risk-management", "defined"), on=on)
    recompute([p.pk for p in org.people.values()], version, org.world.org_a.pk, date(2026, 2, 1))
    return version
