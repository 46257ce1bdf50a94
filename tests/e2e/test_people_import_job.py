"""A large HR file is applied by a background job: the page follows it to the end."""

from __future__ import annotations

import pytest

from soms.jobs.models import Job
from soms.jobs.runner import job_execute
from soms.people.models import Person
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import PHONE, check
from tests.people.helpers import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [["employee_id", "name", "unit"]] + [[f"E{i}", f"Person {i}", "Operations/Claims"] for i in range(6)]


def test_a_large_file_is_applied_in_the_background_with_a_progress_bar(
    live_server, world, builtin, page, settings, tmp_path
):
    settings.SOMS_PEOPLE_IMPORT_INLINE_ROWS = 2  # six rows count as large here
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/people/import/")
    f = tmp_path / "hr.csv"
    f.write_bytes(csv_bytes(ROWS))
    page.set_input_files("#id_file", str(f))
    page.click("button:has-text('Check file')")
    page.wait_for_selector(".dry-run")
    assert "this runs in the background" in page.inner_text(".dry-run")
    page.click("button:has-text('Apply the import')")
    page.wait_for_selector(".job-progress")
    job = Job.objects.get(organisation=world.org_a)
    assert page.url.endswith(f"/jobs/{job.pk}/") and "Waiting to start" in page.inner_text(".job-progress")

    page.go_back()
    page.reload()
    page.wait_for_selector("text=Being applied in the background")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "people-import-job-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    check(page, "people-import-job")

    # A worker runs it; the polling fragment then shows the result without a reload.
    assert job_execute(job.pk) == "done"
    page.wait_for_selector("text=Open the org tree", timeout=10_000)
    assert "Imported hr.csv: 6 created" in page.inner_text(".job-progress")
    assert "6 of 6" in page.inner_text(".job-progress")
    check(page, "people-import-job-done")
    page.click("text=Open the org tree")
    page.wait_for_selector("#org-tree")
    assert Person.objects.filter(organisation=world.org_a).count() == 6
