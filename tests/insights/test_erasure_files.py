"""Erasing a person deletes the stored files that may name them: report and plan job results, HR
uploads kept for applying, exports; unapplied uploads expire after a day whoever they name."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from soms.jobs.models import Job
from soms.jobs.services import ERASED_RESULT
from soms.jobs.testing import jobs_run
from soms.people.models import ImportStatus, PeopleImport
from soms.people.periodic import people_imports_housekeeping
from soms.people.services.privacy import person_erase
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db


def test_erasure_deletes_reports_their_plan_and_exports_that_may_name_them(
    skilled: Any, soms_version: Any, settings: Any
) -> None:
    settings.SOMS_PEOPLE_EXPORT_INLINE_ROWS = 0  # the export is a job with a file too
    sam, sue = skilled.people["E003"], skilled.people["E004"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    with jobs_run():
        client.post(reverse("insights-plan-pdf", args=[sam.pk]), {"version": soms_version.pk})
        client.post(reverse("insights-plan-pdf", args=[sue.pk]), {"version": soms_version.pk})
        client.post(
            "/api/v1/insights/reports",
            {"format": "xlsx", "unit": skilled.units["south"].pk},
            content_type="application/json",
        )
        client.get("/api/v1/people/export?format=csv")
    sam_plan, sue_plan, report, export = Job.objects.order_by("id")
    files = {j.pk: j.result_file.name for j in (sam_plan, sue_plan, report, export)}
    storage = sam_plan.result_file.storage
    assert all(storage.exists(name) for name in files.values())
    assert "Sam South" in sam_plan.title

    with TestCase.captureOnCommitCallbacks(execute=True):
        person_erase(person=sam, actor=skilled.world.alice)

    for job in (sam_plan, report, export):
        job.refresh_from_db()
        assert not job.result_file and job.message == ERASED_RESULT
        assert not storage.exists(files[job.pk])
        assert client.get(f"/api/v1/jobs/{job.pk}/download").status_code == 404
    sam_plan.refresh_from_db()
    assert "Sam South" not in sam_plan.title
    # Sue's plan names only Sue: it stays.
    sue_plan.refresh_from_db()
    assert sue_plan.result_file and storage.exists(files[sue_plan.pk])


def test_erasure_deletes_unapplied_uploads_and_the_names_in_applied_ones(skilled: Any) -> None:
    sam = skilled.people["E003"]
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    rows = [["employee_id", "job_title"], ["E003", "Senior handler"], ["E004", "Handler"]]
    for _ in range(2):
        client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", csv_bytes(rows))})
    applied = PeopleImport.objects.order_by("id").last()
    assert client.post(f"/api/v1/people/imports/{applied.pk}/apply").status_code == 200
    pending = PeopleImport.objects.filter(status=ImportStatus.READY).get()
    assert b"E003" in bytes(pending.content)
    applied.refresh_from_db()
    assert "Sam South" in str(applied.summary)

    person_erase(person=sam, actor=skilled.world.alice)

    assert not PeopleImport.objects.filter(pk=pending.pk).exists()
    applied.refresh_from_db()
    assert "Sam South" not in str(applied.summary) and "E003" not in str(applied.summary)
    assert applied.summary["update"] == 2 and applied.summary["result"]["updated"] == 2


def test_unapplied_uploads_expire_after_a_day(skilled: Any) -> None:
    client = skilled.world.client_for(skilled.world.alice, skilled.world.org_a)
    rows = [["employee_id", "job_title"], ["E003", "Senior handler"]]
    for _ in range(3):
        client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", csv_bytes(rows))})
    client.post("/people/import/", {"file": SimpleUploadedFile("bad.csv", b"nothing,useful\n1,2\n")})
    old, kept, applied, bad = PeopleImport.objects.order_by("id")
    assert client.post(f"/api/v1/people/imports/{applied.pk}/apply").status_code == 200
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    PeopleImport.objects.filter(pk__in=[old.pk, applied.pk, bad.pk]).update(created_at=two_days_ago)

    assert people_imports_housekeeping(now=timezone.now()).startswith("deleted 2 HR uploads")
    assert set(PeopleImport.objects.values_list("pk", flat=True)) == {kept.pk, applied.pk}
