"""The job queue: who runs next, how much one organisation may queue, and jobs whose worker died.

Fair claiming. A worker takes the oldest waiting job of the organisation whose last claim is oldest
(round-robin over the organisations with work waiting, those never served first), and skips an
organisation that already runs SOMS_JOBS_RUNNING_PER_ORGANISATION jobs. So an organisation that
queues fifty large plans delays another's single export by one job at most, not fifty.

Several workers. The claim is one short transaction that locks the organisation's `JobLane` row
and then the job's row, both `FOR UPDATE SKIP LOCKED` on PostgreSQL: two workers never take the
same job nor wait for each other (the second serves the next organisation), and the running count
read under the lane's lock cannot be overtaken. On SQLite every transaction takes the one write
lock at its start (`transaction_mode` IMMEDIATE), so claims are serialised by the database itself.

Bounds. Starting a job refuses (`QueueFull`, a 429 on pages and the API) once the organisation
has SOMS_JOBS_QUEUED_PER_ORGANISATION jobs waiting, or the person SOMS_JOBS_QUEUED_PER_USER.

Dead workers. A worker writes a heartbeat on the job it runs; a running job not heard of for
SOMS_JOBS_STALE_SECONDS is queued again (first in its organisation's line) until it has had
SOMS_JOBS_MAX_ATTEMPTS, then failed with a sentence saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from soms.jobs.models import Job, JobLane, JobStatus
from soms.tenancy.models import Organisation

# Seconds a refused person is told to wait before trying again (a job takes about that long).
QUEUE_FULL_RETRY_AFTER = 30


class QueueFull(Exception):
    """Too many jobs waiting: starting another is refused, naming the limit that was reached."""

    def __init__(self, message: str, *, setting: str, limit: int) -> None:
        super().__init__(message)
        self.setting = setting
        self.limit = limit


def _waiting(organisation_id: int) -> QuerySet[Job]:
    return Job.objects.filter(organisation_id=organisation_id, status=JobStatus.QUEUED, background=True)


def queue_admit(*, organisation: Organisation, owner: Any) -> None:
    """Refuse (QueueFull) one more waiting job of this organisation and person past their limits.

    Called inside job_start's transaction, before the job is written: the lane's row lock (and
    SQLite's write lock) keeps two simultaneous requests from both seeing room for one more.
    """
    JobLane.objects.get_or_create(organisation=organisation)
    JobLane.objects.select_for_update().filter(organisation=organisation).first()
    waiting = _waiting(organisation.pk)
    per_org = settings.SOMS_JOBS_QUEUED_PER_ORGANISATION
    if waiting.count() >= per_org:
        raise QueueFull(
            f"Your organisation already has {per_org} jobs waiting to run, the most it may have "
            f"(SOMS_JOBS_QUEUED_PER_ORGANISATION = {per_org}). Try again when some have finished.",
            setting="SOMS_JOBS_QUEUED_PER_ORGANISATION",
            limit=per_org,
        )
    per_user = settings.SOMS_JOBS_QUEUED_PER_USER
    if owner is not None and waiting.filter(owner=owner).count() >= per_user:
        raise QueueFull(
            f"You already have {per_user} jobs waiting to run, the most one person may have "
            f"(SOMS_JOBS_QUEUED_PER_USER = {per_user}). Try again when some have finished.",
            setting="SOMS_JOBS_QUEUED_PER_USER",
            limit=per_user,
        )


def _running(organisation_id: Any) -> QuerySet[Job]:
    return Job.objects.filter(organisation_id=organisation_id, status=JobStatus.RUNNING, background=True)


def _lanes_with_work(cap: int) -> QuerySet[JobLane]:
    """Organisations with a job waiting and room to run it, the one served longest ago first."""
    running = (
        _running(OuterRef("organisation_id"))
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        JobLane.objects.filter(Exists(_waiting(OuterRef("organisation_id"))))  # type: ignore[arg-type]
        .annotate(running=Coalesce(Subquery(running), 0))
        .filter(running__lt=cap)
        .order_by(F("last_claimed_at").asc(nulls_first=True), "pk")
    )


def job_claim_next(*, worker_id: str) -> Job | None:
    """Take the next job fairly (see the module's docstring) and mark it running; None if none."""
    # A read first: an idle worker polls every second, and on SQLite each claim transaction takes
    # the one write lock that every organisation's writes queue for.
    if not Job.objects.filter(status=JobStatus.QUEUED, background=True).exists():
        return None
    cap = settings.SOMS_JOBS_RUNNING_PER_ORGANISATION
    passed: list[int] = []
    # A lane found full or empty once its lock is held (another worker's claim committed meanwhile)
    # is passed over; a few tries are plenty, the next round of the worker's loop tries again.
    for _ in range(5):
        with transaction.atomic():
            lane = (
                _lanes_with_work(cap)
                .exclude(pk__in=passed)
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if lane is None:
                return None
            # Counted again now that the lane is ours: the statement above saw the queue as it was
            # when it began, possibly before another worker's claim committed.
            job = (
                _waiting(lane.organisation_id)
                .order_by("created_at", "pk")
                .select_for_update(skip_locked=True, of=("self",))
                .first()
            )
            if job is None or _running(lane.organisation_id).count() >= cap:
                passed.append(lane.pk)
                continue
            now = timezone.now()
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.RUNNING,
                started_at=now,
                heartbeat_at=now,
                worker_id=worker_id[:64],
                attempts=F("attempts") + 1,
            )
            JobLane.objects.filter(pk=lane.pk).update(last_claimed_at=now)
        return Job.objects.select_related("organisation", "owner").get(pk=job.pk)
    return None


def jobs_ahead(job: Job) -> int | None:
    """How many jobs of the same organisation wait before this one (None unless it waits)."""
    if job.status != JobStatus.QUEUED or not job.background:
        return None
    return (
        _waiting(job.organisation_id)
        .filter(Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk))
        .count()
    )


@dataclass(frozen=True)
class Reclaimed:
    requeued: int
    failed: int


def jobs_reclaim(*, now: datetime | None = None) -> Reclaimed:
    """Queue again (or fail) the running jobs whose worker stopped saying it is alive."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SOMS_JOBS_STALE_SECONDS)
    most = settings.SOMS_JOBS_MAX_ATTEMPTS
    stale = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    requeued = failed = 0
    for pk, attempts, background in stale.order_by("pk").values_list("pk", "attempts", "background")[:500]:
        # Only if it is still the same run: a worker that was merely slow and has finished since wins.
        same_run = Job.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempts)
        if background and attempts < most:
            requeued += same_run.update(
                status=JobStatus.QUEUED,
                worker_id="",
                heartbeat_at=None,
                progress_current=0,
                message=(
                    f"Its worker stopped before it finished (attempt {attempts} of {most}); "
                    "it is waiting to run again."
                ),
            )
        elif background:
            failed += same_run.update(
                status=JobStatus.FAILED,
                finished_at=now,
                message=(
                    f"Its worker stopped before it finished, {attempts} times (it was killed, ran out "
                    "of memory or was restarted), so it was not tried again. Start it again; if it "
                    "stops again, the worker's log says why."
                ),
            )
        else:
            failed += same_run.update(
                status=JobStatus.FAILED,
                finished_at=now,
                message="The command running it stopped before it finished. Run the command again.",
            )
    return Reclaimed(requeued=requeued, failed=failed)
