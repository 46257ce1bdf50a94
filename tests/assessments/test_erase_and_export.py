"""Everything SOMS holds about a person is in their data export, and erasing them removes it: the
evidence (files included), what people wrote about them, their development plan and their name in
other people's notifications and in the history — while the anonymised assessments stay counted."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from soms.assessments.models import Assessment, AssessmentEvent, Evidence, Judgement
from soms.assessments.services.attainment import recompute
from soms.assessments.services.evidence import EvidenceData, evidence_create
from soms.insights.models import DevelopmentAction
from soms.notifications.models import Notification
from soms.people.services.privacy import person_data, person_erase
from soms.tenancy.models import AuditLogEntry, Membership
from tests.assessments.conftest import statements, validated

pytestmark = pytest.mark.django_db

DC = "demand-capacity"


def _setup(org: Any, version: Any) -> tuple[Any, Evidence, str]:
    world, nina = org.world, org.people["E005"]
    found = statements(version, DC, "foundation")
    a = validated(nina, version, found, on=date(2026, 1, 10), validator=world.dana)
    Judgement.objects.filter(assessment=a).update(comment="Nina struggled after her operation")
    AssessmentEvent.objects.create(
        organisation=world.org_a, assessment=a, action="return", reason="Nina: redo"
    )
    recompute([nina.pk], version, nina.organisation_id)
    admin = Membership.objects.get(organisation=world.org_a, user=world.alice)
    item = evidence_create(
        membership=admin,
        actor=world.alice,
        person=nina,
        data=EvidenceData(
            kind="file",
            title="Nina North appraisal",
            refers_on=date(2026, 1, 5),
            file=SimpleUploadedFile("appraisal.txt", b"Nina North, 4 Harbour Row\n"),
            filename="appraisal.txt",
            statement_ids=[found[0].pk],
        ),
    )
    DevelopmentAction.objects.create(
        organisation=world.org_a,
        person=nina,
        version=version,
        element=found[0].element,
        kind="coaching",
        title="Coaching for Nina on her health",
    )
    Notification.objects.create(
        organisation=world.org_a, user=world.dana, text="Waiting for review: self-assessment of Nina North"
    )
    AuditLogEntry.objects.create(
        organisation=world.org_a,
        action="assessment.validate",
        object_type="Assessment",
        object_id=str(a.pk),
        object_repr="Coach assessment of Nina North (Validated)",
    )
    return nina, item, item.file.name


def test_the_data_export_holds_assessments_evidence_plans_and_attainment(org: Any, soms_version: Any) -> None:
    nina, item, _ = _setup(org, soms_version)
    data = person_data(nina)
    judged = data["assessments"]["assessments"][0]
    assert judged["status"] == "validated" and judged["validated_by"] == "dana"
    assert {j["comment"] for j in judged["judgements"]} == {"Nina struggled after her operation"}
    assert data["assessments"]["evidence"][0]["title"] == "Nina North appraisal"
    assert data["assessments"]["evidence"][0]["sha256"] == item.sha256
    assert any(r["element"] == DC and r["level"] == "foundation" for r in data["assessments"]["attainment"])
    assert data["development_actions"][0]["title"] == "Coaching for Nina on her health"
    # The same through the API, for the person's admin.
    admin = org.world.client_for(org.world.alice, org.world.org_a)
    api = admin.get(f"/api/v1/people/{nina.pk}/data").json()
    assert api["assessments"]["evidence"][0]["title"] == "Nina North appraisal"


def test_erasure_removes_what_identifies_them_everywhere(
    org: Any, soms_version: Any, django_capture_on_commit_callbacks: Any
) -> None:
    nina, item, stored = _setup(org, soms_version)
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(person=nina, actor=org.world.alice)
    assert not Evidence.objects.filter(pk=item.pk).exists()
    assert not default_storage.exists(stored)
    assert not DevelopmentAction.objects.filter(person=nina).exists()
    # The assessment stays (counted, anonymised) but nothing written about them does.
    a = Assessment.objects.get(person=nina)
    assert set(Judgement.objects.filter(assessment=a).values_list("comment", flat=True)) == {""}
    assert set(AssessmentEvent.objects.filter(assessment=a).values_list("reason", flat=True)) <= {""}
    texts = list(Notification.objects.values_list("text", flat=True))
    assert texts and not any("Nina North" in t for t in texts)
    reprs = AuditLogEntry.objects.filter(organisation=org.world.org_a).values_list("object_repr", flat=True)
    assert not any("Nina North" in r for r in reprs)
    data = person_data(nina)
    assert data["assessments"]["evidence"] == [] and data["development_actions"] == []
    assert data["assessments"]["attainment"] == []
    admin = org.world.client_for(org.world.alice, org.world.org_a)
    assert admin.get(f"/api/v1/evidence/{item.pk}").status_code == 404
