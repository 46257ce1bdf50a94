"""Exports of many people run as a background job (progress on the job's page, then the file);
small ones stay inside the request."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from tests.people.conftest import Org

pytestmark = pytest.mark.django_db


def _csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_a_large_export_from_the_page_runs_as_a_job_with_a_download(org: Org, settings) -> None:
    settings.SOMS_PEOPLE_EXPORT_INLINE_ROWS = 3  # org A has 8 people
    client = org.world.client_for(org.world.alice, org.world.org_a)
    with jobs_run():
        started = client.get("/people/export.csv")
    assert started.status_code == 302 and "/jobs/" in started["Location"]
    job = Job.objects.get(organisation=org.world.org_a)
    assert job.status == JobStatus.DONE and job.progress_current == job.progress_total == 8
    page = client.get(started["Location"])
    assert page.status_code == 200 and b"Exported 8 people" in page.content
    assert b"Download the result" in page.content
    download = client.get(f"/jobs/{job.pk}/download/")
    rows = _csv(b"".join(download.streaming_content))
    assert rows[0][:2] == ["employee_id", "name"] and len(rows) == 9
    # While a job waits, asking again gives the same job rather than a second one.
    client.get("/people/export.xlsx")
    client.get("/people/export.xlsx")
    assert Job.objects.filter(organisation=org.world.org_a).count() == 2


def test_a_large_export_over_the_api_answers_202_with_the_job(org: Org, settings) -> None:
    settings.SOMS_PEOPLE_EXPORT_INLINE_ROWS = 3
    client = org.world.client_for(org.world.alice, org.world.org_a)
    with jobs_run():
        answer = client.get("/api/v1/people/export?format=xlsx")
    assert answer.status_code == 202
    job = client.get(answer.json()["url"]).json()
    assert job["status"] == "done" and job["download_url"]
    xlsx = b"".join(client.get(job["download_url"]).streaming_content)
    assert xlsx[:2] == b"PK"


def test_a_small_export_stays_in_the_request(org: Org) -> None:
    client = org.world.client_for(org.world.alice, org.world.org_a)
    answer = client.get("/api/v1/people/export")
    assert answer.status_code == 200 and len(_csv(answer.content)) == 9
    assert not Job.objects.exists()


def test_the_cli_export_runs_the_job_with_a_progress_bar(org: Org, tmp_path, capsys) -> None:
    out = tmp_path / "people.csv"
    call_command("people", "export", "--org", org.world.org_a.slug, "-o", str(out))
    printed = capsys.readouterr().out
    assert "Export of 8 people" in printed and "Wrote" in printed
    assert len(_csv(out.read_bytes())) == 9
    call_command("people", "export", "--org", org.world.org_a.slug)
    captured = capsys.readouterr()
    assert captured.out.startswith("employee_id,name") and "Export of 8 people" in captured.err
