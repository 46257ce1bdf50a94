"""Assessments fixtures: the people `org` of tests/people (Alpha Services with its tree) and the
built-in SOMS version, plus helpers that build validated inputs the way the workflow would."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from soms.assessments.models import Assessment, ChangeProject, Judgement, Kind, ProjectMember, Status
from soms.frameworks.models import FrameworkVersion, Statement
from tests.people.conftest import Org, org  # noqa: F401  (the fixture, re-exported)


@pytest.fixture
def soms_version(builtin: Any) -> FrameworkVersion:
    return FrameworkVersion.objects.get(framework__organisation__isnull=True, framework__code="soms")


def statements(version: FrameworkVersion, element: str, level: str) -> list[Statement]:
    return list(Statement.objects.filter(version=version, element__code=element, level__code=level))


def validated(
    person: Any,
    version: FrameworkVersion,
    judged: dict[Statement, str] | list[Statement],
    *,
    on: date,
    kind: str = Kind.COACH,
    validator: Any = None,
) -> Assessment:
    """A validated assessment with these judgements, as the workflow leaves it."""
    if isinstance(judged, list):
        judged = {s: "met" for s in judged}
    a = Assessment.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        version=version,
        kind=kind,
        assessor=validator,
        status=Status.VALIDATED,
        validated_on=on,
        validated_by=validator,
    )
    Judgement.objects.bulk_create(
        Judgement(organisation_id=person.organisation_id, assessment=a, statement=s, value=v)
        for s, v in judged.items()
    )
    return a


def project(
    owner: Any,
    version: FrameworkVersion,
    areas: list[str],
    *,
    completed_on: date,
    validated_on: date | None,
    code: str = "P1",
    members: list[Any] = (),  # type: ignore[assignment]
) -> ChangeProject:
    p = ChangeProject.objects.create(
        organisation_id=owner.organisation_id,
        code=code,
        title=f"Project {code}",
        version=version,
        owner=owner,
        areas=areas,
        status="completed",
        completed_on=completed_on,
        review_status=Status.VALIDATED if validated_on else Status.SUBMITTED,
        validated_on=validated_on,
    )
    for m in members:
        ProjectMember.objects.create(organisation_id=owner.organisation_id, project=p, person=m)
    return p


__all__ = ["Org", "project", "statements", "validated"]
