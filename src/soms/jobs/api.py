from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from django.urls import reverse
from ninja import Field, Router, Schema

from soms.jobs.access import job_file_for, job_for
from soms.jobs.models import Job
from soms.jobs.queue import jobs_ahead
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest

router = Router(tags=["jobs"])

# How an operation that starts a job documents its refusal when the queue is full.
QUEUE_FULL_ANSWER: dict[str, object] = {
    "description": (
        "Too many jobs waiting: the organisation (SOMS_JOBS_QUEUED_PER_ORGANISATION) or you "
        "(SOMS_JOBS_QUEUED_PER_USER) already have as many as allowed; the detail names the limit"
    ),
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
}


class JobOut(Schema):
    id: int
    title: str
    status: str
    progress_current: int
    progress_total: int | None
    percent: int | None
    message: str
    jobs_ahead: int | None = Field(
        None, description="While it waits: how many jobs of your organisation will run before it"
    )
    owner: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    url: str
    result_url: str | None
    download_url: str | None


def job_out(job: Job) -> dict[str, object]:
    """The job as the API shows it; a `202` answer of a long operation carries this body."""
    return {
        "id": job.pk,
        "title": job.title,
        "status": job.status,
        "progress_current": job.progress_current,
        "progress_total": job.progress_total,
        "percent": job.percent,
        "message": job.message,
        "jobs_ahead": jobs_ahead(job),
        "owner": job.owner.get_username() if job.owner else None,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "url": reverse("api:job_detail", args=[job.pk]),
        "result_url": job.result_url or None,
        "download_url": reverse("api:job_download", args=[job.pk]) if job.result_file else None,
    }


@router.get(
    "/jobs/{job_id}", response=JobOut, summary="A background job: poll it until its status is done or failed"
)
@member_required
def job_detail(request: MemberRequest, job_id: int) -> dict[str, object]:
    return job_out(job_for(request.membership, job_id))


@router.get(
    "/jobs/{job_id}/download",
    response={200: None},
    summary="The file a finished job produced",
    openapi_extra={
        # Every kind of job makes its own kind of file (CSV, XLSX, PDF, JSON, YAML, a CASE package):
        # the answer carries the file's own media type, so the document promises any.
        "responses": {
            "200": {
                "description": "The file, with its own media type (text/csv, application/pdf, application/json, …)",
                "content": {"*/*": {}},
            }
        }
    },
)
@member_required
def job_download(request: MemberRequest, job_id: int) -> FileResponse:
    job = job_file_for(request.membership, job_id)
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=(job.result_file.name or "result").rsplit("/", 1)[-1],
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
