from __future__ import annotations

from django.conf import settings
from django.db import models

from soms.tenancy.models import TenantOwned


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Running"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


FINISHED = frozenset({JobStatus.DONE, JobStatus.FAILED})


def _result_path(job: Job, filename: str) -> str:
    # One folder per job: names need not be unique across jobs, and purging a job removes its folder.
    return f"jobs/{job.organisation_id}/{job.pk}/{filename}"


class Job(TenantOwned):
    """One long operation a person started, as they see it: what, how far, how it ended, its result.

    The Django task that runs it only carries this row's id; everything a page, the API or the CLI
    shows is read from here.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="jobs"
    )
    # The registered name of the job function (see soms.jobs.runner.job).
    # The owner's role when the job was started: a file it writes holds what that role could see,
    # so it is not handed back to the owner once their role changed (soms.jobs.access).
    owner_role = models.CharField(max_length=20, blank=True)
    kind = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress_current = models.PositiveBigIntegerField(default=0)
    progress_total = models.PositiveBigIntegerField(null=True, blank=True)
    message = models.CharField(max_length=500, blank=True)
    result_url = models.CharField(max_length=500, blank=True)
    result_label = models.CharField(max_length=200, blank=True)
    result_file = models.FileField(upload_to=_result_path, max_length=300, blank=True)
    result_content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Run by a `soms worker` (claimed fairly across organisations, soms.jobs.queue), or by the
    # command that started it, in the foreground: workers never take those.
    background = models.BooleanField(default=True)
    # Claims so far: a job whose worker died is queued again until it has had SOMS_JOBS_MAX_ATTEMPTS.
    attempts = models.PositiveSmallIntegerField(default=0)
    # Who runs it, and when they last said they still do: a running job whose heartbeat is older than
    # SOMS_JOBS_STALE_SECONDS lost its worker (killed, out of memory, the machine restarted).
    worker_id = models.CharField(max_length=64, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "owner", "-created_at"], name="job_org_owner_time"),
            # The queue: an organisation's waiting jobs, oldest first; its running ones, counted.
            models.Index(fields=["organisation", "status", "created_at", "id"], name="job_org_queue"),
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return 100 if self.status == JobStatus.DONE else None
        return min(100, int(100 * self.progress_current / self.progress_total))


class JobLane(TenantOwned):
    """An organisation's place in the queue: when a worker last took one of its jobs.

    Workers serve the organisation whose last claim is oldest first (round-robin), so one that
    queues many jobs cannot keep another's waiting. Claiming locks the lane, which also keeps the
    organisation's running jobs within SOMS_JOBS_RUNNING_PER_ORGANISATION with several workers.
    """

    last_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"], name="job_lane_one_per_org")]

    def __str__(self) -> str:
        return f"lane of organisation {self.organisation_id}"


class PeriodicRun(models.Model):
    """When each periodic job last ran, so `soms cron` can tell which are due."""

    name = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name
