"""Running a job: the registry of job functions and the context they report through.

A job function is a plain module-level function registered with `@job`; it receives a `JobContext`
first and the job's parameters (ids and other JSON values) as keyword arguments. It re-fetches what
it needs, raises `JobError` with a sentence for the person when it cannot go on (a row that vanished,
input that is no longer valid), reports progress and leaves a result file or link.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, connections
from django.db.models import F, QuerySet
from django.utils import timezone

from soms.jobs.models import Job, JobStatus

log = logging.getLogger("soms.jobs")

JobFunction = Callable[..., Any]
ProgressListener = Callable[[Job], None]

_REGISTRY: dict[str, JobFunction] = {}

# Progress is written at most this often (seconds): on SQLite every write takes the write lock.
PROGRESS_WRITE_INTERVAL = 0.5


class JobError(Exception):
    """The job cannot go on, for a reason the person who started it should read."""


def job_name(fn: JobFunction) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def job[F: JobFunction](fn: F) -> F:
    """Register a module-level function as a job function (the worker finds it by this name)."""
    _REGISTRY[job_name(fn)] = fn
    return fn


def job_function_for(kind: str) -> JobFunction | None:
    if kind not in _REGISTRY:
        # The worker may not have imported the module that registers it yet.
        module, _, _ = kind.rpartition(".")
        try:
            __import__(module)
        except ImportError:
            return None
    return _REGISTRY.get(kind)


class JobContext:
    """What a job function sees of its job: who, where, and a way to say how far it is."""

    def __init__(self, job: Job, *, listener: ProgressListener | None = None) -> None:
        self.job = job
        self._listener = listener
        self._last_write = 0.0

    def _own_row(self) -> QuerySet[Job]:
        # This run's row only: once the job is reclaimed (this worker was thought dead), the run that
        # took it over reports, and this one's late writes change nothing.
        return Job.objects.filter(pk=self.job.pk, status=JobStatus.RUNNING, attempts=self.job.attempts)

    @property
    def organisation(self) -> Any:
        return self.job.organisation

    @property
    def actor(self) -> Any:
        return self.job.owner

    def progress(self, current: int, total: int | None = None, message: str | None = None) -> None:
        """Say how far the job is (`current` of `total` steps). Cheap to call often."""
        job = self.job
        job.progress_current = max(0, int(current))
        if total is not None:
            job.progress_total = max(0, int(total))
        if message is not None:
            job.message = message[:500]
        if self._listener is not None:
            self._listener(job)
        now = time.monotonic()
        done = job.progress_total is not None and job.progress_current >= job.progress_total
        if done or now - self._last_write >= PROGRESS_WRITE_INTERVAL:
            self._last_write = now
            # An UPDATE of its own, outside any transaction the job holds: pages polling the job
            # see it at once, and the write lock is held for one row only.
            self._own_row().update(
                progress_current=job.progress_current,
                progress_total=job.progress_total,
                message=job.message,
                heartbeat_at=timezone.now(),
            )

    def result_file(
        self, name: str, content: bytes | str, *, content_type: str = "application/octet-stream"
    ) -> None:
        """Keep a file as the job's result; the owner downloads it from the job's page or the API."""
        data = content.encode() if isinstance(content, str) else content
        self.job.result_content_type = content_type
        self.job.result_file.save(name, ContentFile(data), save=False)
        self._own_row().update(result_file=self.job.result_file.name, result_content_type=content_type)

    def result_link(self, url: str, label: str = "") -> None:
        """Point the job's result at a page (the object the job made or changed)."""
        self.job.result_url, self.job.result_label = url[:500], label[:200]
        self._own_row().update(result_url=self.job.result_url, result_label=self.job.result_label)


def _finish(job: Job, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message[:500], timezone.now()
    if status == JobStatus.DONE and job.progress_total:
        job.progress_current = job.progress_total
    # Only this run's own row: if the job was reclaimed meanwhile (this worker was too slow to say it
    # was alive) the run that took it over reports instead.
    written = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
        status=job.status,
        message=job.message,
        finished_at=job.finished_at,
        progress_current=job.progress_current,
    )
    if not written:
        log.warning(
            "Job %s was taken over while attempt %s ran; its outcome is dropped", job.pk, job.attempts
        )


@contextmanager
def heartbeat(job: Job, *, every: float | None = None) -> Iterator[None]:
    """Say every few seconds, from a thread of its own, that this process still runs `job`; a job not
    heard of for SOMS_JOBS_STALE_SECONDS is reclaimed (soms.jobs.queue.jobs_reclaim)."""
    interval = float(every if every is not None else settings.SOMS_JOBS_HEARTBEAT_SECONDS)
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts).update(
                        heartbeat_at=timezone.now()
                    )
                except DatabaseError:
                    # A long write of the job itself may hold SQLite's lock: the next beat tries again.
                    log.warning("Heartbeat of job %s not written", job.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def job_execute(
    job_id: int,
    *,
    listener: ProgressListener | None = None,
    with_heartbeat: bool = False,
    worker_id: str = "",
) -> str:
    """Take this one job (if it still waits) and run it to its end; return its final status. Used by
    commands running a job in the foreground, by tests, and by tasks queued before the fair queue.

    A job whose row vanished (its organisation was deleted, it was purged) is skipped quietly; one
    already finished or taken by another worker is not run twice.
    """
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        worker_id=worker_id[:64],
        attempts=F("attempts") + 1,
    )
    job = Job.objects.select_related("organisation", "owner").filter(pk=job_id).first()
    if job is None:
        log.info("Job %s no longer exists; nothing to do", job_id)
        return "gone"
    if not claimed:
        return job.status
    return job_run(job, listener=listener, with_heartbeat=with_heartbeat)


def job_run(job: Job, *, listener: ProgressListener | None = None, with_heartbeat: bool = False) -> str:
    """Run a job this process has claimed (status running) to its end; return its final status.

    An unexpected exception fails the job with a generic message, is logged, and is raised again.
    """
    if listener is not None:
        listener(job)
    fn = job_function_for(job.kind)
    if fn is None:
        _finish(job, JobStatus.FAILED, "This kind of job is not known to this version of SOMS.")
        return job.status
    context = JobContext(job, listener=listener)
    try:
        with heartbeat(job) if with_heartbeat else nullcontext():
            message = fn(context, **job.params)
    except JobError as exc:
        _finish(job, JobStatus.FAILED, str(exc))
    except Exception:
        log.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, JobStatus.FAILED, "The job failed unexpectedly; the error has been logged.")
        raise
    else:
        _finish(job, JobStatus.DONE, message if isinstance(message, str) else (job.message or "Done."))
    finally:
        if listener is not None:
            listener(job)
    return job.status
