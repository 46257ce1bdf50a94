"""A waiting job's page says how many of the organisation's jobs run before it, and stops saying so
once it runs; at 1280 px and on a phone."""

from __future__ import annotations

import pytest

from soms.jobs.services import job_start
from soms.jobs.testing import run_queued_tasks
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.e2e.test_phone_layout import PHONE, check
from tests.jobs.jobfns import count_to

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_waiting_job_shows_its_place_in_the_organisations_line(live_server, world, page):
    jobs = [
        job_start(
            job_function=count_to,
            organisation=world.org_a,
            owner=world.alice,
            title=f"Count {i}",
            params={"n": 2},
        )
        for i in range(4)
    ]
    sign_in(page, live_server.url, "alice", PASSWORD)
    page.goto(f"{live_server.url}/jobs/{jobs[3].pk}/")
    assert "3 jobs ahead of yours in your organisation" in page.inner_text(".job-progress")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "job-queue-1280.png"), full_page=True)
    page.set_viewport_size(PHONE)
    check(page, "job-queue")
    run_queued_tasks()
    page.wait_for_selector("text=Counted to 2.", timeout=10_000)
    assert "ahead of yours" not in page.inner_text(".job-progress")
