"""Exports of people: small ones inside the request, large ones as a background job.

An organisation of up to `SOMS_PEOPLE_EXPORT_INLINE_ROWS` people (2,000) is exported while the page
or API request waits (about a second); a larger one is written by a job in the task queue
(`soms.jobs`), whose page shows the progress and then offers the file; the API answers 202 with
the job, whose `download_url` gives the file once it is done."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from soms.jobs.models import Job
from soms.people.io.export import export_rows, to_csv_bytes, to_xlsx_bytes
from soms.people.models import Person
from soms.tenancy.models import Organisation

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def people_export_count(organisation_id: int) -> int:
    """The people an export writes (erased records are left out)."""
    return Person.objects.filter(organisation_id=organisation_id, erased_at__isnull=True).count()


def people_export_runs_inline(organisation_id: int) -> bool:
    return people_export_count(organisation_id) <= settings.SOMS_PEOPLE_EXPORT_INLINE_ROWS


def people_export_filename(organisation: Organisation, fmt: str) -> str:
    return f"{slugify(organisation.name) or 'people'}-people.{fmt}"


def people_export_bytes(
    organisation_id: int, fmt: str, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The whole export as one file; `progress(done, total)` is told every few hundred people."""
    total = people_export_count(organisation_id) if progress else 0

    def rows() -> Iterator[list[str]]:
        for i, row in enumerate(export_rows(organisation_id)):
            if progress is not None and i and i % 250 == 0:
                progress(i, total)
            yield row
        if progress is not None:
            progress(total, total)

    return to_xlsx_bytes(rows()) if fmt == "xlsx" else to_csv_bytes(rows())


def people_export_later(*, organisation: Organisation, actor: Any, fmt: str, enqueue: bool = True) -> Job:
    """Start the job that writes the export (queued when this transaction commits). A second request
    while the same person's export of the same format still waits or runs gets that job, so a
    double click or a reload does not write the file twice."""
    from soms.jobs.services import job_start, job_waiting
    from soms.people.jobs import people_export_job

    if fmt not in CONTENT_TYPES:
        raise ValueError(f"unknown export format {fmt!r}")
    owner = actor if getattr(actor, "is_authenticated", False) else None
    if owner is not None and enqueue:
        running = job_waiting(
            organisation=organisation, owner=owner, job_function=people_export_job, params__fmt=fmt
        )
        if running is not None:
            return running
    count = people_export_count(organisation.pk)
    return job_start(
        job_function=people_export_job,
        organisation=organisation,
        owner=actor,
        title=f"Export of {count:,} people ({fmt.upper()})",
        params={"fmt": fmt},
        total=count,
        enqueue=enqueue,
    )
