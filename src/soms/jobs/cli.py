"""Running a job from a management command, in the foreground, with a rich progress bar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from soms.jobs.models import Job, JobStatus
from soms.jobs.runner import job_execute


def job_run_in_foreground(job: Job, *, stdout: Any = None, quiet: bool = False) -> Job:
    """Run a queued job now, in this process, showing its progress; raise CommandError if it fails.

    The job was queued with `job_start` inside a transaction that has committed; running it here first
    means the worker finds it already taken and leaves it alone.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=getattr(stdout, "_out", stdout), stderr=stdout is None)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[message]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )
    bar = progress.add_task(job.title, total=job.progress_total, message="")

    def listen(current: Job) -> None:
        progress.update(
            bar, completed=current.progress_current, total=current.progress_total, message=current.message
        )

    with progress:
        try:
            job_execute(job.pk, listener=listen, with_heartbeat=True)
        except Exception as exc:
            raise CommandError(f"{job.title} failed: {exc}") from exc
    job.refresh_from_db()
    if job.status == JobStatus.FAILED:
        raise CommandError(f"{job.title} failed: {job.message}")
    return job
