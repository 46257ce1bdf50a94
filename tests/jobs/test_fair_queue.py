"""The fair queue: organisations are served in turn, none runs more than its share at once, none
floods the queue, and a job whose worker died is run again or failed with a sentence. Every test
drives the real worker loop (soms.jobs.worker) against the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from soms.jobs.models import Job, JobStatus
from soms.jobs.queue import QueueFull, job_claim_next, jobs_ahead, jobs_reclaim
from soms.jobs.services import job_start
from soms.jobs.testing import run_queued_tasks
from soms.tenancy.services import organisation_create
from tests.jobs import jobfns
from tests.jobs.jobfns import count_to, note


@pytest.fixture(autouse=True)
def _roomy_queue(settings):
    settings.SOMS_JOBS_QUEUED_PER_USER = 1000
    settings.SOMS_JOBS_QUEUED_PER_ORGANISATION = 1000
    jobfns.RAN.clear()


def _queue(org, owner, tag, n=1):
    return [
        job_start(job_function=note, organisation=org, owner=owner, title=tag, params={"tag": f"{tag}{i}"})
        for i in range(n)
    ]


def test_one_job_of_another_organisation_runs_within_the_first_two_claims(world):
    _queue(world.org_a, world.alice, "a", 50)
    (b_job,) = _queue(world.org_b, world.bob, "b")
    assert run_queued_tasks(max_runs=2) == 2
    b_job.refresh_from_db()
    assert b_job.status == JobStatus.DONE
    assert jobfns.RAN == ["a0", "b0"]
    assert Job.objects.filter(organisation=world.org_a, status=JobStatus.QUEUED).count() == 49


def test_organisations_take_turns_and_each_keeps_its_own_order(world):
    org_c = organisation_create(name="Gamma", owner=None, actor=None)
    _queue(world.org_a, world.alice, "a", 4)
    _queue(world.org_b, world.bob, "b", 2)
    _queue(org_c, None, "c", 1)
    assert run_queued_tasks() == 7
    assert jobfns.RAN == ["a0", "b0", "c0", "a1", "b1", "a2", "a3"]
    # A newcomer is served before those served already.
    _queue(world.org_a, world.alice, "a", 2)
    _queue(world.org_b, world.bob, "b", 1)
    jobfns.RAN.clear()
    run_queued_tasks()
    assert jobfns.RAN[0] == "b0"


def test_an_organisation_runs_no_more_than_its_share_at_once(world, settings):
    settings.SOMS_JOBS_RUNNING_PER_ORGANISATION = 1
    _queue(world.org_a, world.alice, "a", 3)
    _queue(world.org_b, world.bob, "b", 2)
    # Two workers, each holding the job it claimed (as while running it).
    first = job_claim_next(worker_id="w1")
    second = job_claim_next(worker_id="w2")
    assert first is not None and second is not None
    assert {first.organisation_id, second.organisation_id} == {world.org_a.pk, world.org_b.pk}
    # Both organisations are at their share: a third worker finds nothing it may take.
    assert job_claim_next(worker_id="w3") is None
    assert (first.status, first.worker_id, first.attempts) == (JobStatus.RUNNING, "w1", 1)


def test_a_person_sees_how_many_jobs_wait_before_theirs(world):
    jobs = _queue(world.org_a, world.alice, "a", 3)
    (other,) = _queue(world.org_b, world.bob, "b")
    assert [jobs_ahead(j) for j in jobs] == [0, 1, 2]
    assert jobs_ahead(other) == 0
    client = world.client_for(world.alice, world.org_a)
    assert client.get(f"/api/v1/jobs/{jobs[2].pk}").json()["jobs_ahead"] == 2
    page = client.get(reverse("job-detail", args=[jobs[2].pk])).text
    assert "2 jobs ahead of yours in your organisation" in page
    run_queued_tasks()
    assert client.get(f"/api/v1/jobs/{jobs[2].pk}").json()["jobs_ahead"] is None


# --- the queue's bounds ------------------------------------------------------------------------


def _audit(world):
    from tests.audit.helpers import make_audit

    return make_audit(world.org_a, world.alice)


def test_a_full_queue_answers_429_naming_the_limit_and_writes_nothing(world, settings):
    settings.SOMS_JOBS_QUEUED_PER_USER = 2
    audit = _audit(world)
    alice = world.client_for(world.alice, world.org_a)
    url = f"/api/v1/audits/{audit.pk}/reports"
    for _ in range(2):
        assert alice.post(url, {"format": "json"}, content_type="application/json").status_code == 202
    jobs_before = Job.objects.count()
    refused = alice.post(url, {"format": "json"}, content_type="application/json")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "SOMS_JOBS_QUEUED_PER_USER = 2" in refused.json()["detail"]
    page = alice.post(reverse("audits-export", args=[audit.pk]), {"format": "json"})
    assert page.status_code == 429 and "SOMS_JOBS_QUEUED_PER_USER = 2" in page.text
    assert "<html" in page.text
    assert Job.objects.count() == jobs_before
    # Another person of the organisation still may, until the organisation's own limit.
    settings.SOMS_JOBS_QUEUED_PER_ORGANISATION = 3
    dana = world.client_for(world.dana, world.org_a)
    assert dana.post(url, {"format": "json"}, content_type="application/json").status_code == 202
    refused = dana.post(url, {"format": "json"}, content_type="application/json")
    assert refused.status_code == 429
    assert "SOMS_JOBS_QUEUED_PER_ORGANISATION = 3" in refused.json()["detail"]
    # Another organisation is not affected by A's full queue.
    job_start(job_function=count_to, organisation=world.org_b, owner=world.bob, title="B", params={"n": 1})
    # Once the jobs have run there is room again.
    run_queued_tasks()
    assert alice.post(url, {"format": "json"}, content_type="application/json").status_code == 202


def test_consequences_of_a_write_and_foreground_jobs_are_never_refused(world, settings):
    settings.SOMS_JOBS_QUEUED_PER_ORGANISATION = 1
    _queue(world.org_a, world.alice, "a")
    with pytest.raises(QueueFull):
        _queue(world.org_a, world.alice, "a")
    job_start(
        job_function=note, organisation=world.org_a, owner=None, title="x", params={"tag": "x"}, limited=False
    )
    job_start(
        job_function=note,
        organisation=world.org_a,
        owner=world.alice,
        title="y",
        params={"tag": "y"},
        enqueue=False,
    )
    assert Job.objects.filter(organisation=world.org_a).count() == 3


def test_operations_that_start_jobs_document_the_429(client):
    spec = client.get("/api/openapi.json").json()
    starting = [
        (path, method)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "202" in operation["responses"]
    ]
    assert ("/api/v1/audits/{audit_id}/reports", "post") in starting
    for path, method in starting:
        answer = spec["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in answer["headers"], (path, method)


# --- jobs whose worker died --------------------------------------------------------------------


def _abandoned(world, *, attempts, background=True, minutes=10):
    """A job as a killed worker leaves it: running, its heartbeat long silent."""
    job = job_start(
        job_function=count_to,
        organisation=world.org_a,
        owner=world.alice,
        title="Count",
        params={"n": 3},
        enqueue=background,
    )
    long_ago = timezone.now() - timedelta(minutes=minutes)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        attempts=attempts,
        started_at=long_ago,
        heartbeat_at=long_ago,
        worker_id="dead",
    )
    return job


def test_a_job_whose_worker_died_runs_again(world):
    job = _abandoned(world, attempts=1)
    alive = _abandoned(world, attempts=1, minutes=0)  # its worker still beats
    run_queued_tasks()
    job.refresh_from_db()
    alive.refresh_from_db()
    assert (job.status, job.attempts, job.message) == (JobStatus.DONE, 2, "Counted to 3.")
    assert alive.status == JobStatus.RUNNING and alive.worker_id == "dead"


def test_a_job_whose_worker_died_too_often_fails_with_a_sentence(world, settings):
    settings.SOMS_JOBS_MAX_ATTEMPTS = 2
    job = _abandoned(world, attempts=2)
    foreground = _abandoned(world, attempts=1, background=False)
    assert jobs_reclaim().failed == 2
    job.refresh_from_db()
    foreground.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "worker stopped before it finished, 2 times" in job.message
    assert foreground.status == JobStatus.FAILED and "command running it stopped" in foreground.message


def test_a_slow_worker_that_finishes_after_being_reclaimed_does_not_overwrite_the_new_run(world):
    from soms.jobs.runner import job_run

    job = _abandoned(world, attempts=1)
    stale = Job.objects.select_related("organisation", "owner").get(pk=job.pk)
    assert jobs_reclaim().requeued == 1
    job_run(stale)  # the old run, finishing late
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and "waiting to run again" in job.message


def test_an_idle_worker_only_reads(world):
    # It polls every second: on SQLite a claim transaction would take the one write lock each time.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert run_queued_tasks() == 0
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    assert statements and set(statements) == {"SELECT"}, statements
