"""A coach reviewing a submitted assessment or change project sees the person and the evidence the
person attached: a reviewer who could not open it would validate blind. Before anything is
submitted, the same coach sees neither (another organisation's coach never does)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soms.assessments.models import Assessment, Judgement, Kind, Status
from soms.assessments.services.evidence import EvidenceData, evidence_create
from soms.tenancy.models import Membership
from tests.assessments.conftest import project, statements

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%the walk-through\n"


def _evidence(world: Any, me: Any, statement: Any) -> Any:
    membership = Membership.objects.get(organisation=world.org_a, user=world.charlie)
    return evidence_create(
        membership=membership,
        actor=world.charlie,
        person=me,
        data=EvidenceData(
            kind="file",
            title="Value-stream walk-through",
            refers_on=date(2026, 3, 2),
            file=SimpleUploadedFile("walk.pdf", PDF),
            filename="walk.pdf",
            statement_ids=[statement.pk],
        ),
    )


def _self_assessment(world: Any, me: Any, version: Any, statement: Any, status: str) -> Assessment:
    a = Assessment.objects.create(
        organisation=world.org_a,
        person=me,
        version=version,
        kind=Kind.SELF,
        assessor=world.charlie,
        status=status,
    )
    Judgement.objects.create(organisation=world.org_a, assessment=a, statement=statement, value="met")
    return a


def test_coach_reviewing_a_submitted_self_assessment_sees_and_downloads_its_evidence(
    org: Any, soms_version: Any
) -> None:
    world, me = org.world, org.people["E007"]
    s = statements(soms_version, "demand-capacity", "foundation")[0]
    item = _evidence(world, me, s)
    a = _self_assessment(world, me, soms_version, s, Status.DRAFT)
    coach = world.client_for(world.dana, world.org_a)
    # A draft is the member's own business: the coach sees neither the person nor the evidence.
    assert coach.get(reverse("evidence-detail", args=[item.pk])).status_code == 404
    assert coach.get(f"/api/v1/evidence/{item.pk}/download").status_code == 404
    assert coach.get(reverse("people-person", args=[me.pk])).status_code == 404

    Assessment.objects.filter(pk=a.pk).update(status=Status.SUBMITTED)
    review = coach.get(reverse("assessment-review", args=[a.pk]))
    assert review.status_code == 200
    assert "Value-stream walk-through" in review.content.decode()
    assert "No evidence for this statement yet" not in review.content.decode()
    download = coach.get(reverse("evidence-download", args=[item.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert coach.get(f"/api/v1/evidence/{item.pk}/download").status_code == 200
    assert coach.get(reverse("people-person", args=[me.pk])).status_code == 200
    # The same login in organisation B (a member there) sees nothing of A's person.
    other = world.client_for(world.dana, world.org_b)
    assert other.get(f"/api/v1/evidence/{item.pk}").status_code == 404

    # Once validated by this coach, the person stays in their scope (their history of work).
    Assessment.objects.filter(pk=a.pk).update(
        status=Status.VALIDATED, validated_by=world.dana, validated_on=date(2026, 3, 9)
    )
    assert coach.get(reverse("evidence-detail", args=[item.pk])).status_code == 200


def test_coach_reviewing_a_submitted_change_project_sees_its_owner_and_members(
    org: Any, soms_version: Any
) -> None:
    world = org.world
    owner, member = org.people["E007"], org.people["E008"]
    s = statements(soms_version, "demand-capacity", "foundation")[0]
    item = _evidence(world, owner, s)
    coach = world.client_for(world.dana, world.org_a)
    assert coach.get(reverse("people-person", args=[member.pk])).status_code == 404
    p = project(
        owner, soms_version, ["a", "b"], completed_on=date(2026, 3, 1), validated_on=None, members=[member]
    )
    assert coach.get(reverse("change-project", args=[p.pk])).status_code == 200
    assert coach.get(reverse("people-person", args=[member.pk])).status_code == 200
    assert coach.get(reverse("evidence-detail", args=[item.pk])).status_code == 200
    # A member of the organisation gains nothing from it.
    member_client = world.client_for(world.charlie, world.org_a)
    assert member_client.get(reverse("people-person", args=[org.people["E006"].pk])).status_code == 404
