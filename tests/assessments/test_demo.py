"""The demo: people at every level, refresh due and expired, the workflow's states, attainment stored."""

from __future__ import annotations

from typing import Any

import pytest

from soms.assessments.access import review_queue
from soms.assessments.models import Assessment, AssessmentEvent, ElementAttainment, PersonStanding
from soms.site.seeding import seed_demo
from soms.tenancy.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def _levels(org: Any, emp: str) -> dict[str, tuple[str | None, str]]:
    return {
        code: (level, status)
        for code, level, status in ElementAttainment.objects.filter(
            organisation=org, person__employee_id=emp
        ).values_list("element__code", "level__code", "status")
    }


def test_demo_assessments(django_assert_max_num_queries: Any) -> None:
    seed_demo()
    org = Organisation.objects.get(name__startswith="Harbourside")
    olivia = _levels(org, "HS001")
    assert olivia["customer-experience"] == ("senior-practitioner", "held")
    assert olivia["performance"] == ("practitioner", "held")
    assert (
        PersonStanding.objects.get(organisation=org, person__employee_id="HS001").standing == "Practitioner"
    )
    assert _levels(org, "HS014")["demand-capacity"][0] == "senior-practitioner"
    assert PersonStanding.objects.get(organisation=org, person__employee_id="HS003").standing == "Foundation"
    assert _levels(org, "HS006")["delivery"] == ("practitioner", "refresh_due")
    assert _levels(org, "HS008")["performance"] == ("foundation", "expired")
    tom = Assessment.objects.get(organisation=org, person__employee_id="HS004")
    assert tom.status == "draft" and tom.kind == "self" and tom.assessor.username == "tom.okafor"
    grace = Membership.objects.get(organisation=org, user__username="grace.liu")
    queue = {a.person.employee_id for a in review_queue(grace)}
    assert queue == {"HS005", "HS010"}
    returned = Assessment.objects.get(organisation=org, person__employee_id="HS007")
    assert returned.status == "returned" and "real cases" in returned.return_reason
    actions = list(
        AssessmentEvent.objects.filter(assessment__person__employee_id="HS010").values_list(
            "action", flat=True
        )
    )
    assert actions == ["create", "submit", "return", "resubmit"]
    before = Assessment.objects.count()
    with django_assert_max_num_queries(400):
        seed_demo()  # idempotent, and cheap the second time
    assert Assessment.objects.count() == before
