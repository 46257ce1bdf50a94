"""Running a job: the registry of job functions and the context they report through.

A job function is a plain module-level function registered with `@job`; it receives a `JobContext`
first and the job's parameters (ids and other JSON values) as keyword arguments. It re-fetches what
it needs, raises `JobError` with a sentence for the person when it cannot go on (a row that vanished,
input that is no longer valid), reports progress and leaves a result file or link.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
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
            Job.objects.filter(pk=job.pk).update(
                progress_current=job.progress_current, progress_total=job.progress_total, message=job.message
            )

    def result_file(
        self, name: str, content: bytes | str, *, content_type: str = "application/octet-stream"
    ) -> None:
        """Keep a file as the job's result; the owner downloads it from the job's page or the API."""
        data = content.encode() if isinstance(content, str) else content
        self.job.result_content_type = content_type
        self.job.result_file.save(name, ContentFile(data), save=False)
        Job.objects.filter(pk=self.job.pk).update(
            result_file=self.job.result_file.name, result_content_type=content_type
        )

    def result_link(self, url: str, label: str = "") -> None:
        """Point the job's result at a page (the object the job made or changed)."""
        self.job.result_url, self.job.result_label = url[:500], label[:200]
        Job.objects.filter(pk=self.job.pk).update(
            result_url=self.job.result_url, result_label=self.job.result_label
        )


def _finish(job: Job, status: str, message: str) -> None:
    job.status, job.message, job.finished_at = status, message[:500], timezone.now()
    if status == JobStatus.DONE and job.progress_total:
        job.progress_current = job.progress_total
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        message=job.message,
        finished_at=job.finished_at,
        progress_current=job.progress_current,
    )


def job_execute(job_id: int, *, listener: ProgressListener | None = None) -> str:
    """Run one job to its end and return its final status. Used by the task and by the CLI.

    A job whose row vanished (its organisation was deleted, it was purged) is skipped quietly; one
    already finished or taken by another worker is not run twice.
    """
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING, started_at=timezone.now()
    )
    job = Job.objects.select_related("organisation", "owner").filter(pk=job_id).first()
    if job is None:
        log.info("Job %s no longer exists; nothing to do", job_id)
        return "gone"
    if not claimed:
        return job.status
    if listener is not None:
        listener(job)
    fn = job_function_for(job.kind)
    if fn is None:
        _finish(job, JobStatus.FAILED, "This kind of job is not known to this version of SOMS.")
        return job.status
    context = JobContext(job, listener=listener)
    try:
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
