"""A demand file with more history than BACKGROUND_PLAN_INTERVALS is planned by a background job:
the page follows the job to its end and then shows the plan, at desktop and phone width."""

from __future__ import annotations

import pytest

from soms.jobs.models import Job
from soms.jobs.runner import job_execute
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in
from tests.e2e.test_capacity_journey import shoot
from tests.e2e.test_phone_layout import PHONE, check
from tests.toolkits.capacity.test_background import LARGE_CSV

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_large_plan_is_computed_in_the_background_and_then_shown(live_server, world, page, tmp_path):
    demand = tmp_path / "seven-months.csv"
    demand.write_text(LARGE_CSV)
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(live_server.url + "/capacity/plan/")
    page.set_input_files("#id_demand_file", str(demand))
    page.fill("#id_horizon_days", "2")
    page.click("button:has-text('Compute the plan')")
    page.wait_for_selector(".job-progress")
    job = Job.objects.get(organisation=world.org_a)
    assert page.url.endswith(f"/jobs/{job.pk}/") and "Waiting to start" in page.inner_text(".job-progress")
    assert "computed in the background" in page.inner_text("main")
    shoot(page, "plan-job-waiting")

    # A worker runs it; the polling fragment then offers the result without a reload.
    assert job_execute(job.pk) == "done"
    page.wait_for_selector("text=Show the result", timeout=10_000)
    assert "5 of 5" in page.inner_text(".job-progress")
    shoot(page, "plan-job-done")
    page.click("text=Show the result")
    page.wait_for_selector("#staffing-chart .chart-wide svg")
    assert "seven-months.csv" in page.inner_text("#plan-result")
    shoot(page, "plan-job-result")
    page.set_viewport_size(PHONE)
    check(page, "capacity-plan-job-result")

    # Saved from the result page as it is: not computed again.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.fill("#save-result #id_name", "Seven months of claims")
    page.click("#save-result button:has-text('Save as study')")
    page.wait_for_selector("#study-name:has-text('Seven months of claims')")
    assert page.locator("#staffing-chart .chart-wide svg").count() == 1
