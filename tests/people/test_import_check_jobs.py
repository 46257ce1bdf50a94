"""A large HR file is checked (dry run) by a background job with a progress bar; what can be refused
without reading its rows is still refused in the request. Page, API and command line alike."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from soms.jobs.models import Job, JobStatus
from soms.jobs.testing import jobs_run
from soms.people.models import ImportStatus, PeopleImport, Person
from tests.people.helpers import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db

ROWS = [
    ["employee_id", "name", "manager_employee_id", "unit"],
    ["J1", "Jo Chief", "", "Ops"],
    ["J2", "Kim Lead", "J1", "Ops/North"],
    ["J3", "Lee Handler", "J2", "Ops/North"],
]


@pytest.fixture
def large(settings):
    """Every file of more than 20 bytes counts as large here."""
    settings.SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES = 20


def _upload(client, content: bytes, name: str = "hr.csv", **data):
    return client.post("/api/v1/people/import", {"file": SimpleUploadedFile(name, content), **data})


def test_the_api_answers_202_and_the_job_checks_every_row(world, large):
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        r = _upload(client, csv_bytes(ROWS))
        assert r.status_code == 202, r.content
        record = PeopleImport.objects.get(organisation=world.org_a)
        # The request read the header only: nothing checked row by row yet, nothing written.
        assert record.status == ImportStatus.CHECKING and record.job_id == r.json()["id"]
        assert client.get(f"/api/v1/people/imports/{record.pk}").json()["status"] == "checking"
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == JobStatus.DONE, job.message
    assert job.message.startswith("Checked hr.csv: 3 rows: 3 to create")
    assert job.result_url == f"/people/imports/{record.pk}/"
    body = client.get(f"/api/v1/people/imports/{record.pk}").json()
    assert body["status"] == "ready" and body["summary"]["create"] == 3
    assert not Person.objects.exists()  # a dry run


def test_the_api_without_dry_run_checks_then_applies_in_one_job(world, large):
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        r = _upload(client, csv_bytes(ROWS), dry_run="false")
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == JobStatus.DONE and job.message.startswith("Imported hr.csv: 3 created"), job.message
    assert Person.objects.filter(organisation=world.org_a).count() == 3
    assert PeopleImport.objects.get(organisation=world.org_a).status == ImportStatus.APPLIED


def test_a_large_file_with_bad_rows_is_all_or_nothing(world, large):
    client = world.client_for(world.alice, world.org_a)
    rows = ROWS + [["J4", "Bad Date", "J1", "Ops"], ["J5", "", "J1", "Ops"]]
    with jobs_run():
        r = _upload(client, csv_bytes(rows), dry_run="false")
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["id"])
    assert job.status == JobStatus.DONE and "1 problem" in job.message
    record = PeopleImport.objects.get(organisation=world.org_a)
    assert record.status == ImportStatus.INVALID and bytes(record.content) == b""
    assert record.problems[0]["row"] == 6 and record.problems[0]["column"] == "name"
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("hr.csv", csv_bytes([["employee_id", "nickname"], ["J1", "Jo"], ["J2", "Kim"]]), "unknown column"),
        (
            "hr.csv",
            csv_bytes([["name", "email"], ["Jo", "jo@example.org"], ["Kim", "k@example.org"]]),
            "required column",
        ),
        ("hr.csv", b"employee_id\x00name\n" * 5, "NUL bytes"),
        ("hr.xlsx", xlsx_bytes({"Readme": [["x"]], "Staff": [["employee_id"], ["J1"]]}), "choose the one"),
        ("hr.xlsx", b"PK\x03\x04 this is not a workbook at all", "not a readable XLSX"),
    ],
)
def test_what_needs_no_rows_read_is_refused_in_the_request(world, large, name, content, reason):
    client = world.client_for(world.alice, world.org_a)
    r = _upload(client, content, name=name)
    assert r.status_code == 422, r.content
    assert reason in r.json()["problems"][0]["reason"]
    assert not Job.objects.exists()


def test_the_page_shows_the_check_progress_then_the_dry_run(world, large):
    client = world.client_for(world.alice, world.org_a)
    with jobs_run():
        r = client.post("/people/import/", {"file": SimpleUploadedFile("hr.csv", csv_bytes(ROWS))})
        assert r.status_code == 302
        record = PeopleImport.objects.get(organisation=world.org_a)
        page = client.get(r["Location"]).content.decode()
        assert "Checking every row" in page and f'hx-get="/jobs/{record.job_id}/"' in page
        assert "<progress" in page and "Apply the import" not in page
        # Applying before the check is done is refused with a sentence.
        again = client.post(f"/people/imports/{record.pk}/apply/", follow=True)
        assert "still being checked" in again.content.decode()
    page = client.get(f"/people/imports/{record.pk}/").content.decode()
    assert "Dry run: nothing has been written yet" in page and "Apply the import" in page


def test_small_files_are_still_checked_within_the_request(world):
    client = world.client_for(world.alice, world.org_a)
    r = _upload(client, csv_bytes(ROWS))
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert not Job.objects.exists()


def test_the_command_runs_the_check_job_in_the_foreground(world, large, tmp_path, capsys):
    f = tmp_path / "hr.csv"
    f.write_bytes(csv_bytes(ROWS))
    call_command("people", "import", str(f), "--org", world.org_a.slug, "--dry-run")
    out = capsys.readouterr().out
    assert "3 rows: 3 to create" in out and "Dry run: nothing was written." in out
    job = Job.objects.get(organisation=world.org_a)
    assert job.status == JobStatus.DONE and job.progress_total == 3
    assert not Person.objects.exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["employee_id", "name"], ["J1", ""], ["J2", "Kim"]]))
    with pytest.raises(CommandError, match="1 problems in bad.csv"):
        call_command("people", "import", str(bad), "--org", world.org_a.slug)
    call_command("people", "import", str(f), "--org", world.org_a.slug)
    assert Person.objects.filter(organisation=world.org_a).count() == 3
