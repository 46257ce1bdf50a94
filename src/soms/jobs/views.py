from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from soms.jobs.access import job_file_for, job_file_refusal, job_for
from soms.jobs.queue import jobs_ahead
from soms.jobs.selectors import jobs_visible_to
from soms.tenancy.access import member_required
from soms.tenancy.requests import MemberRequest


@member_required
@require_GET
def job_list(request: MemberRequest) -> HttpResponse:
    jobs = jobs_visible_to(membership=request.membership)
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "jobs/job_list.html", {"page": page})


@member_required
@require_GET
def job_detail(request: MemberRequest, job_id: int) -> HttpResponse:
    job = job_for(request.membership, job_id)
    # htmx polls the progress fragment alone until the job ends.
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"
    refusal = job_file_refusal(request.membership, job) if job.result_file else None
    return render(request, template, {"job": job, "ahead": jobs_ahead(job), "file_refused": refusal})


@member_required
@require_GET
def job_download(request: MemberRequest, job_id: int) -> FileResponse:
    job = job_file_for(request.membership, job_id)
    name = (job.result_file.name or "result").rsplit("/", 1)[-1]
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
