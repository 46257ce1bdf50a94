"""The one Django task behind every job: it carries the job's id and nothing else."""

from __future__ import annotations

from django.tasks import task

from soms.jobs.runner import job_execute


@task
def job_run(job_id: int) -> str:
    return job_execute(job_id)
