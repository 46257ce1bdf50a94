from __future__ import annotations

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from soms.jobs.access import job_for
from soms.jobs.selectors import jobs_visible_to
from soms.tenancy.access import member_required


@member_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(membership=request.membership)  # type: ignore[attr-defined]
    page = Paginator(jobs, 50).get_page(request.GET.get("page"))
    return render(request, "jobs/job_list.html", {"page": page})


@member_required
@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = job_for(request.membership, job_id)  # type: ignore[attr-defined]
    # htmx polls the progress fragment alone until the job ends.
    template = "jobs/_progress.html" if getattr(request, "htmx", False) else "jobs/job_detail.html"
    return render(request, template, {"job": job})


@member_required
@require_GET
def job_download(request: HttpRequest, job_id: int) -> FileResponse:
    job = job_for(request.membership, job_id)  # type: ignore[attr-defined]
    if not job.result_file:
        raise Http404("This job has no file")
    name = job.result_file.name.rsplit("/", 1)[-1]
    response = FileResponse(
        job.result_file.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=job.result_content_type or "application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
