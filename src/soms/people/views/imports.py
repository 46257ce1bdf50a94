"""HR file pages: upload → problems (on the page and as a file) or dry run → apply; exports."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soms.people import access
from soms.people.errors import PeopleConflict
from soms.people.forms import ImportForm
from soms.people.io.export import csv_lines, export_rows, problems_rows, to_xlsx_bytes
from soms.people.io.plan import Options
from soms.people.models import ImportStatus
from soms.people.services.exports import people_export_later, people_export_runs_inline
from soms.people.services.imports import (
    people_import_apply,
    people_import_apply_later,
    people_import_check,
    people_import_claim_stale,
    people_import_runs_inline,
)
from soms.people.views.common import membership
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required, require

PROBLEMS_SHOWN = 500


@member_required
@rate_limited("import", methods=("POST",))
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    m = membership(request)
    require(m, "people.import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = upload.read()
        options = Options(
            clear_empty=form.cleaned_data["clear_empty"],
            deactivate_missing=form.cleaned_data["deactivate_missing"],
        )
        record, _ = people_import_check(
            organisation=m.organisation,
            filename=upload.name,
            content=content,
            options=options,
            actor=request.user,
            sheet=form.cleaned_data["sheet"] or None,
        )
        return redirect("people-import-detail", import_id=record.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "people/import.html", {"form": form}, status=status)


@member_required
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    m = membership(request)
    record = access.people_import_for(m, import_id)
    job = record.job if record.job_id else None
    return render(
        request,
        "people/import_detail.html",
        {
            "record": record,
            "job": job,
            "applying": job is not None and not job.is_finished and record.status != ImportStatus.CHECKING,
            "inline_rows": settings.SOMS_PEOPLE_IMPORT_INLINE_ROWS,
            "claim_stale": people_import_claim_stale(record),
            "claim_minutes": max(1, settings.SOMS_IMPORT_CLAIM_SECONDS // 60),
            "problems": record.problems[:PROBLEMS_SHOWN],
            "s": record.summary,
            "more_problems": max(0, len(record.problems) - PROBLEMS_SHOWN),
            "form": ImportForm(),
            "Status": ImportStatus,
        },
    )


@member_required
@require_GET
def import_problems(request: HttpRequest, import_id: int) -> HttpResponseBase:
    m = membership(request)
    record = access.people_import_for(m, import_id)
    response = StreamingHttpResponse(
        csv_lines(problems_rows(record.problems)), content_type="text/csv; charset=utf-8"
    )
    stem = record.filename.rsplit(".", 1)[0] or "import"
    response["Content-Disposition"] = f'attachment; filename="{slugify(stem) or "import"}-problems.csv"'
    return response


@member_required
@require_POST
def import_apply(request: HttpRequest, import_id: int) -> HttpResponse:
    m = membership(request)
    record = access.people_import_for(m, import_id)
    try:
        if not people_import_runs_inline(record):
            job = people_import_apply_later(record=record, actor=request.user)
            return redirect("job-detail", job_id=job.pk)
        result = people_import_apply(record=record, actor=request.user)
    except PeopleConflict as exc:
        messages.error(request, str(exc))
        return redirect("people-import-detail", import_id=record.pk)
    messages.success(
        request,
        f"Imported {record.filename}: {result['created']} created, {result['updated']} "
        f"changed, {result['deactivated']} deactivated.",
    )
    return redirect("people-tree")


@member_required
@rate_limited("export")
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    m = membership(request)
    require(m, "people.export")
    if not people_export_runs_inline(m.organisation_id):
        # Seconds of work: a job writes the file; its page shows the progress, then the download.
        job = people_export_later(organisation=m.organisation, actor=request.user, fmt=fmt)
        return redirect("job-detail", job_id=job.pk)
    name = slugify(m.organisation.name) or "people"
    if fmt == "xlsx":
        response = HttpResponse(
            to_xlsx_bytes(export_rows(m.organisation_id)),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}-people.xlsx"'
        return response
    streaming = StreamingHttpResponse(
        csv_lines(export_rows(m.organisation_id)), content_type="text/csv; charset=utf-8"
    )
    streaming["Content-Disposition"] = f'attachment; filename="{name}-people.csv"'
    return streaming
