from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from soms.jobs.models import Job, JobStatus, PeriodicRun
from soms.jobs.runner import job_execute
from soms.jobs.schedule import cron_run
from soms.jobs.services import job_start
from soms.jobs.testing import jobs_run
from tests.jobs.jobfns import count_to, explode, rename_organisation


def test_a_job_waits_for_a_worker_and_runs_to_its_result(world):
    with jobs_run():
        job = job_start(
            job_function=count_to, organisation=world.org_a, owner=world.alice, title="Count", params={"n": 5}
        )
        assert job.status == JobStatus.QUEUED and job.background
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.progress_current, job.progress_total, job.percent) == (5, 5, 100)
    assert job.message == "Counted to 5."
    assert job.result_file.read().decode().splitlines() == ["1", "2", "3", "4", "5"]
    # Workers take jobs from the jobs table; the task queue only carries other tasks.
    assert not DBTaskResult.objects.exists()


def test_a_job_whose_row_vanished_ends_cleanly(world):
    with jobs_run():
        job = job_start(
            job_function=count_to, organisation=world.org_a, owner=world.alice, title="Count", params={"n": 1}
        )
        Job.objects.filter(pk=job.pk).delete()
    assert not Job.objects.exists()


def test_a_task_queued_by_an_older_version_still_runs_its_job(world):
    from soms.jobs.tasks import job_run

    job = job_start(
        job_function=count_to, organisation=world.org_a, owner=world.alice, title="Count", params={"n": 2}
    )
    job_run.enqueue(job.pk)
    vanished = job_run.enqueue(job.pk + 1000)
    with jobs_run():
        pass
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert DBTaskResult.objects.get(pk=vanished.id).return_value == "gone"


def test_a_job_whose_input_vanished_fails_with_a_sentence(world):
    org = world.org_b
    with jobs_run():
        job = job_start(
            job_function=rename_organisation,
            organisation=world.org_a,
            owner=world.alice,
            title="Rename",
            params={"organisation_id": org.pk + 1000, "name": "X"},
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "The organisation no longer exists."


def test_an_unexpected_error_fails_the_job_and_keeps_the_traceback_for_operators(world):
    job = job_start(
        job_function=explode, organisation=world.org_a, owner=world.alice, title="Boom", enqueue=False
    )
    with pytest.raises(RuntimeError):
        job_execute(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "boom" not in job.message and "logged" in job.message


def test_a_job_runs_once_even_if_two_workers_get_it(world):
    job = job_start(
        job_function=count_to,
        organisation=world.org_a,
        owner=world.alice,
        title="Count",
        params={"n": 2},
        enqueue=False,
    )
    assert job_execute(job.pk) == JobStatus.DONE
    Job.objects.filter(pk=job.pk).update(message="untouched")
    assert job_execute(job.pk) == JobStatus.DONE
    job.refresh_from_db()
    assert job.message == "untouched"


def test_only_ids_and_plain_values_travel(world):
    with pytest.raises(TypeError, match="ids and plain values"):
        job_start(
            job_function=count_to,
            organisation=world.org_a,
            owner=world.alice,
            title="x",
            params={"n": world.org_a},
        )


def _a_job(world, owner):
    job = job_start(
        job_function=count_to,
        organisation=world.org_a,
        owner=owner,
        title="Count",
        params={"n": 3},
        enqueue=False,
    )
    job_execute(job.pk)
    job.refresh_from_db()
    return job


def test_the_job_page_shows_progress_and_the_result(world):
    job = _a_job(world, world.charlie)
    client = world.client_for(world.charlie, world.org_a)
    page = client.get(reverse("job-detail", args=[job.pk]))
    assert page.status_code == 200
    assert "Counted to 3." in page.text and reverse("job-download", args=[job.pk]) in page.text
    fragment = client.get(reverse("job-detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and 'value="100"' in fragment.text
    download = client.get(reverse("job-download", args=[job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"1\n2\n3"
    assert download["Cache-Control"] == "private, no-store"


def test_a_running_job_polls_itself_and_a_finished_one_stops(world):
    job = job_start(
        job_function=count_to,
        organisation=world.org_a,
        owner=world.alice,
        title="Count",
        params={"n": 3},
        enqueue=False,
    )
    client = world.client_for(world.alice, world.org_a)
    assert 'hx-trigger="every 1s"' in client.get(reverse("job-detail", args=[job.pk])).text
    job_execute(job.pk)
    assert "hx-trigger" not in client.get(reverse("job-detail", args=[job.pk])).text


def test_jobs_are_private_to_their_owner_and_the_admins(world):
    job = _a_job(world, world.charlie)
    for user, org, status in [
        (world.charlie, world.org_a, 200),
        (world.alice, world.org_a, 200),  # owner of the organisation
        (world.dana, world.org_a, 404),  # another member
        (world.bob, world.org_b, 404),  # another organisation
    ]:
        client = world.client_for(user, org)
        assert client.get(reverse("job-detail", args=[job.pk])).status_code == status
        assert client.get(reverse("job-download", args=[job.pk])).status_code == status
        api = client.get(f"/api/v1/jobs/{job.pk}")
        assert api.status_code == status
    missing = world.client_for(world.bob, world.org_b).get("/api/v1/jobs/999999")
    assert missing.json() == world.client_for(world.bob, world.org_b).get(f"/api/v1/jobs/{job.pk}").json()


def test_a_file_made_for_a_role_is_not_handed_back_after_the_role_changed(world):
    """dana (assessor in A) exports what an assessor sees; demoted to member, the file holds more than
    she may now see: the page says so instead of offering it, both downloads answer 403. alice, who
    administers A, may still take it; dana's role back as it was, it is hers again."""
    from soms.tenancy.models import Membership, Role

    job = _a_job(world, world.dana)
    assert job.owner_role == Role.ASSESSOR
    m = Membership.objects.get(organisation=world.org_a, user=world.dana)
    client = world.client_for(world.dana, world.org_a)
    assert client.get(reverse("job-download", args=[job.pk])).status_code == 200
    m.role = Role.MEMBER
    m.save(update_fields=["role"])
    page = client.get(reverse("job-detail", args=[job.pk]))
    assert page.status_code == 200 and "Your role changed" in page.text
    assert reverse("job-download", args=[job.pk]) not in page.text
    assert client.get(reverse("job-download", args=[job.pk])).status_code == 403
    refused = client.get(f"/api/v1/jobs/{job.pk}/download")
    assert refused.status_code == 403 and "Your role changed" in refused.json()["detail"]
    admin = world.client_for(world.alice, world.org_a)
    assert admin.get(reverse("job-download", args=[job.pk])).status_code == 200
    m.role = Role.ASSESSOR
    m.save(update_fields=["role"])
    assert client.get(f"/api/v1/jobs/{job.pk}/download").status_code == 200


def test_the_download_answers_the_files_own_type_and_the_spec_allows_it(world):
    """Schemathesis against a running server: the spec promised application/octet-stream, and a
    job's file came back as JSON, XLSX or PDF."""
    job = _a_job(world, world.alice)
    answer = world.client_for(world.alice, world.org_a).get(f"/api/v1/jobs/{job.pk}/download")
    assert answer.status_code == 200 and answer["Content-Type"] == "text/plain"
    spec = world.client_for(world.alice, world.org_a).get("/api/openapi.json").json()
    documented = spec["paths"]["/api/v1/jobs/{job_id}/download"]["get"]["responses"]["200"]["content"]
    assert list(documented) == ["*/*"]


def test_the_api_shows_a_job_to_poll(world):
    job = _a_job(world, world.alice)
    body = world.client_for(world.alice, world.org_a).get(f"/api/v1/jobs/{job.pk}").json()
    assert body["status"] == "done" and body["percent"] == 100
    assert body["url"] == f"/api/v1/jobs/{job.pk}"
    assert body["download_url"] == f"/api/v1/jobs/{job.pk}/download"


def test_cron_runs_due_jobs_once_and_purges_old_finished_jobs(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    old = _a_job(world, world.alice)
    fresh = _a_job(world, world.alice)
    Job.objects.filter(pk=old.pk).update(
        finished_at=timezone.now() - timedelta(days=settings.SOMS_JOB_RETENTION_DAYS + 1)
    )
    path = old.result_file.path
    outcomes = {o.name: o for o in cron_run()}
    housekeeping = outcomes["soms.jobs.periodic.housekeeping"]
    assert housekeeping.ran and housekeeping.ok and "purged 1 finished jobs" in housekeeping.message
    assert list(Job.objects.values_list("pk", flat=True)) == [fresh.pk]
    import os

    assert not os.path.exists(path)
    # Run again at once: not due.
    assert not {o.name: o for o in cron_run()}["soms.jobs.periodic.housekeeping"].ran
    assert PeriodicRun.objects.get(name="soms.jobs.periodic.housekeeping").last_outcome.startswith("purged")


def test_cron_command_lists_and_refuses_an_unknown_name(db, capsys):
    from django.core.management.base import CommandError

    call_command("cron", "--list")
    assert "housekeeping" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no periodic job"):
        call_command("cron", "--only", "nothing-like-this")
