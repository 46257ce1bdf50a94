"""Large HR files are applied by a background job: page, API and command line alike."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.people.models import ImportStatus, PeopleImport, Person
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["employee_id", "name", "manager_employee_id", "unit"],
    ["J1", "Jo Chief", "", "Ops"],
    ["J2", "Kim Lead", "J1", "Ops/North"],
    ["J3", "Lee Handler", "J2", "Ops/North"],
    ["J4", "Max Handler", "J2", "Ops/North"],
]


@pytest.fixture
def large(settings):
    """Every file of more than two rows counts as large here."""
    settings.SOMS_PEOPLE_IMPORT_INLINE_ROWS = 2


def _checked(client) -> PeopleImport:
    r = client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", csv_bytes(ROWS))})
    assert r.status_code == 302
    return PeopleImport.objects.get(pk=int(r["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_the_page_applies_a_large_file_in_a_job_and_shows_its_progress(world, large):
    client = world.client_for(world.alice, world.org_a)
    record = _checked(client)
    detail = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "this runs in the background" in detail

    with jobs_run():
        r = client.post(f"/people/imports/{record.pk}/apply/")
        job = Job.objects.get(organisation=world.org_a)
        assert r.status_code == 302 and r["Location"] == f"/jobs/{job.pk}/"
        assert not Person.objects.exists()  # nothing written by the request itself
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert job.message == "Imported hr.csv: 4 created, 0 changed, 0 deactivated."
    assert job.result_url == "/people/tree/" and job.owner == world.alice
    assert Person.objects.get(employee_id="J4").manager.employee_id == "J2"
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED and record.job == job
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Open the org tree" in page and "4 created" in page


def test_while_the_job_waits_the_page_shows_it_and_a_second_apply_is_refused(world, large):
    client = world.client_for(world.alice, world.org_a)
    record = _checked(client)
    # Outside jobs_run() the job is recorded but never runs: it stays waiting.
    first = client.post(f"/people/imports/{record.pk}/apply/")
    job = Job.objects.get(organisation=world.org_a)
    assert first["Location"] == f"/jobs/{job.pk}/"
    detail = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "Being applied in the background" in detail and f'hx-get="/jobs/{job.pk}/"' in detail
    assert "Apply the import" not in detail
    again = client.post(f"/people/imports/{record.pk}/apply/", follow=True)
    assert "already being applied" in again.content.decode()
    assert Job.objects.filter(organisation=world.org_a).count() == 1
    api = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert api.status_code == 409 and "already being applied" in api.json()["detail"]


def test_the_api_answers_202_with_the_job_to_poll(world, large):
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        r = client.post(
            "/api/v1/people/import",
            {"file": SimpleUploadedFile("hr.csv", csv_bytes(ROWS)), "dry_run": "false"},
        )
        assert r.status_code == 202, r.content
        body = r.json()
        assert body["status"] == "queued" and body["url"] == f"/api/v1/jobs/{body['id']}"
    polled = client.get(body["url"]).json()
    assert polled["status"] == "done" and polled["percent"] == 100
    assert Person.objects.filter(organisation=world.org_a).count() == 4
    record = PeopleImport.objects.get(organisation=world.org_a)
    assert client.get(f"/api/v1/people/imports/{record.pk}").json()["status"] == "applied"


def test_the_api_apply_route_also_starts_a_job_for_a_large_file(world, large):
    client = world.client_for(world.alice, world.org_a)
    record = _checked(client)
    with jobs_run():
        r = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert r.status_code == 202 and r.json()["title"] == "Import hr.csv (4 rows)"
    assert Person.objects.filter(organisation=world.org_a).count() == 4


def test_small_files_are_still_applied_within_the_request(world):
    client = world.client_for(world.alice, world.org_a)
    record = _checked(client)
    r = client.post(f"/api/v1/people/imports/{record.pk}/apply")
    assert r.status_code == 200 and r.json()["status"] == "applied"
    assert not Job.objects.exists()


def test_a_job_whose_file_was_applied_meanwhile_fails_with_a_sentence(world, large):
    client = world.client_for(world.alice, world.org_a)
    record = _checked(client)
    with jobs_run():
        client.post(f"/people/imports/{record.pk}/apply/")
        # Before the job runs, the file is marked applied by another way in (a second tab).
        PeopleImport.objects.filter(pk=record.pk).update(status=ImportStatus.APPLIED)
    job = Job.objects.get(organisation=world.org_a)
    assert job.status == JobStatus.FAILED and job.message == "This import has already been applied."
    assert not Person.objects.exists()


def test_the_command_runs_the_same_job_in_the_foreground(world, tmp_path, capsys):
    f = tmp_path / "hr.csv"
    f.write_bytes(csv_bytes(ROWS))
    call_command("people", "import", str(f), "--org", world.org_a.slug)
    out = capsys.readouterr().out
    assert "4 rows: 4 to create" in out
    assert "Imported hr.csv: 4 created, 0 changed, 0 deactivated." in out
    job = Job.objects.get(organisation=world.org_a)
    assert job.status == JobStatus.DONE and job.owner is None and job.progress_total
    assert Person.objects.filter(organisation=world.org_a).count() == 4
