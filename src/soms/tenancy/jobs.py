"""The audit log's CSV export as a background job, above SOMS_AUDIT_EXPORT_INLINE_ROWS entries.

100,000 entries took one request worker 11–16 s (benchmarks/README.md, "Request paths at the
content limits"): an administrator of one organisation could keep the workers every organisation
shares busy by asking for it a few times. Up to the threshold the export is streamed in the
request as before; above it a job in the fair queue (soms.jobs) writes the file, its page shows the
progress and then offers the download, to the administrator who asked (soms.jobs.access).

The job machinery sits above tenancy (a job belongs to an organisation), so the tenancy views
import this module when they need it, never at start.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from soms.jobs.models import Job
from soms.jobs.runner import JobContext, job
from soms.jobs.services import job_start, job_waiting
from soms.tenancy import selectors
from soms.tenancy.audit import action_label, changes_text, csv_cell
from soms.tenancy.models import AuditLogEntry, Organisation

AUDIT_CSV_HEADER = ["when", "who", "action", "action_label", "object_type", "object_id", "object", "changes"]
# Filters of the audit log page a job carries, as JSON (dates as ISO days).
FILTER_NAMES = ("actor", "action", "object_type", "since", "until")


def audit_csv_rows(entries: QuerySet[AuditLogEntry]) -> Iterator[list[str]]:
    yield AUDIT_CSV_HEADER
    for e in entries.iterator(chunk_size=2000):
        yield [
            csv_cell(v)
            for v in (
                e.created_at.isoformat(),
                e.actor.get_username() if e.actor else "system",
                e.action,
                action_label(e.action),
                e.object_type,
                e.object_id,
                e.object_repr,
                changes_text(e.before, e.after),
            )
        ]


def audit_export_filename(organisation: Organisation) -> str:
    return f"audit-log-{organisation.slug}.csv"


def filters_to_params(filters: dict[str, Any]) -> dict[str, str]:
    return {
        k: (v.isoformat() if isinstance(v, dt.date) else str(v))
        for k, v in filters.items()
        if k in FILTER_NAMES and v
    }


def params_to_filters(params: dict[str, Any]) -> dict[str, Any]:
    filters: dict[str, Any] = {k: v for k, v in params.items() if k in FILTER_NAMES and v}
    for day in ("since", "until"):
        if day in filters:
            filters[day] = dt.date.fromisoformat(filters[day])
    return filters


def audit_export_runs_inline(count: int) -> bool:
    return count <= settings.SOMS_AUDIT_EXPORT_INLINE_ROWS


def audit_export_bytes(
    entries: QuerySet[AuditLogEntry], *, total: int, progress: Callable[[int, int], None] | None = None
) -> bytes:
    """The whole CSV as bytes (UTF-8, the same rows as the streamed export); `progress(done, total)`
    is told every thousand entries."""
    out = io.StringIO()
    writer = csv.writer(out)
    for i, row in enumerate(audit_csv_rows(entries)):
        writer.writerow(row)
        if progress is not None and i and i % 1000 == 0:
            progress(i, total)
    if progress is not None:
        progress(total, total)
    return out.getvalue().encode()


def audit_export_later(
    *, organisation: Organisation, actor: Any, filters: dict[str, Any], count: int, enqueue: bool = True
) -> Job:
    """Start the job that writes the export (queued when this transaction commits). The same
    person asking again for the same entries while their job waits or runs gets that job: a
    double click or a reload does not write the file twice. QueueFull (429) when the organisation
    or the person already has as many jobs waiting as they may."""
    params = filters_to_params(filters)
    owner = actor if getattr(actor, "is_authenticated", False) else None
    if owner is not None and enqueue:
        running = job_waiting(
            organisation=organisation, owner=owner, job_function=audit_log_export_job, params=params
        )
        if running is not None:
            return running
    narrowed = " (filtered)" if params else ""
    return job_start(
        job_function=audit_log_export_job,
        organisation=organisation,
        owner=actor,
        title=f"Audit log export of {count:,} entries{narrowed} (CSV)",
        params=params,
        total=count,
        enqueue=enqueue,
    )


@job
def audit_log_export_job(ctx: JobContext, **params: Any) -> str:
    """Write the entries the filters choose, as they are when the job runs (new ones included)."""
    entries = selectors.audit_log_for(organisation=ctx.organisation, **params_to_filters(params))
    total = entries.count()

    def progress(done: int, of: int) -> None:
        ctx.progress(done, of, "Writing audit log entries")

    data = audit_export_bytes(entries, total=total, progress=progress)
    ctx.result_file(audit_export_filename(ctx.organisation), data, content_type="text/csv; charset=utf-8")
    return f"Exported {total:,} audit log entries as CSV: download the file."
