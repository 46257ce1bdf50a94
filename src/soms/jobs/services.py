"""Writes for jobs: start one (a worker takes it once the transaction commits) and purge old ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from soms.jobs.models import FINISHED, Job, JobLane
from soms.jobs.queue import queue_admit
from soms.jobs.runner import JobFunction, job_name
from soms.tenancy.models import Organisation

# A job's parameters travel as JSON through the task queue: ids, not objects.
_JSON_SCALARS = (str, int, float, bool, type(None))


def _check_json(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: job parameter keys must be strings")
            _check_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_json(item, f"{where}[{i}]")
    elif not isinstance(value, _JSON_SCALARS):
        raise TypeError(f"{where}: pass ids and plain values to a job, not {type(value).__name__}")


@transaction.atomic
def job_start(
    *,
    job_function: JobFunction,
    organisation: Organisation,
    owner: Any,
    title: str,
    params: dict[str, Any] | None = None,
    total: int | None = None,
    enqueue: bool = True,
    limited: bool = True,
) -> Job:
    """Record a job for a worker to take once this transaction commits (never before its inputs
    exist): workers take jobs from the table itself, fairly across organisations (soms.jobs.queue).

    Raises `QueueFull` (429 on pages and the API) when the organisation or the person already has as
    many jobs waiting as they may; `limited=False` is for work a write queues as its consequence
    (recomputations), which must not make that write fail. `enqueue=False` records the job only, for
    a command that runs it in the foreground itself (`soms.jobs.cli.job_run_in_foreground`): no
    worker takes it, and it counts against no limit.
    """
    from soms.jobs.runner import _REGISTRY

    kind = job_name(job_function)
    if kind not in _REGISTRY:
        raise TypeError(f"{kind} is not a job function: decorate it with @soms.jobs.runner.job")
    params = dict(params or {})
    _check_json(params, "params")
    owner = owner if owner is not None and getattr(owner, "is_authenticated", False) else None
    if enqueue and limited:
        queue_admit(organisation=organisation, owner=owner)
    elif enqueue:
        JobLane.objects.get_or_create(organisation=organisation)
    role = ""
    if owner is not None:
        from soms.tenancy.models import Membership

        role = (
            Membership.objects.filter(organisation=organisation, user=owner)
            .values_list("role", flat=True)
            .first()
            or ""
        )
    return Job.objects.create(
        organisation=organisation,
        owner=owner,
        owner_role=role,
        kind=kind,
        title=title[:200],
        params=params,
        progress_total=total,
        message="Waiting for a worker…" if enqueue else "Starting…",
        background=enqueue,
    )


def job_waiting(
    *, organisation: Organisation, owner: Any, job_function: JobFunction, **params: Any
) -> Job | None:
    """`owner`'s newest job of this kind and these parameters (lookups on `params`) still waiting or
    running, if any: what a double click or a reload should get back instead of a second job."""
    from soms.jobs.models import JobStatus
    from soms.jobs.runner import job_name

    return (
        Job.objects.filter(
            organisation=organisation,
            owner=owner,
            kind=job_name(job_function),
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
            **params,
        )
        .order_by("-id")
        .first()
    )


def jobs_purge(*, finished_before: datetime) -> int:
    """Delete finished jobs (and their result files) older than `finished_before`. Returns how many."""
    old = Job.objects.filter(status__in=FINISHED, finished_at__lt=finished_before)
    count = 0
    # In small batches, each its own short transaction: SQLite's write lock is never held for long.
    while True:
        batch = list(old.order_by("pk")[:200])
        if not batch:
            return count
        for job in batch:
            if job.result_file:
                job.result_file.delete(save=False)
        Job.objects.filter(pk__in=[j.pk for j in batch]).delete()
        count += len(batch)


ERASED_RESULT = "Its result was deleted: it held the data of a person since erased."


def job_results_forget(*, organisation_id: int, kinds: list[str], before: datetime, **params: Any) -> int:
    """Delete the result files of the organisation's finished jobs of `kinds` started before
    `before` (and whose parameters hold `params`, when given): what a person's erasure calls for the
    reports that may name them. The rows stay, saying why their file went; the files go once the
    transaction commits (a rolled-back erasure keeps them). Answers how many results went."""
    jobs = Job.objects.filter(
        organisation_id=organisation_id, kind__in=kinds, status__in=FINISHED, created_at__lte=before
    ).exclude(result_file="")
    for key, value in params.items():
        jobs = jobs.filter(**{f"params__{key}": value})
    names = [name for name in jobs.values_list("result_file", flat=True) if name]
    if not names:
        return 0
    count = jobs.update(result_file="", result_content_type="", message=ERASED_RESULT)
    storage = Job._meta.get_field("result_file").storage

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return count


def retention_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
