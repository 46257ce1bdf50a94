"""The Django task that ran one job by id before workers took jobs from the fair queue
(soms.jobs.queue). Nothing queues it any more; it stays so that tasks queued by an older version
still run their job (or find it already taken, and end)."""

from __future__ import annotations

from django.tasks import task

from soms.jobs.runner import job_execute


@task
def job_run(job_id: int) -> str:
    return job_execute(job_id)
