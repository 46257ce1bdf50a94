"""Pages for exchanging frameworks as files: the import page and the version downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from soms.fields import SomsForm
from soms.frameworks import access, io
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import (
    export_job_for,
    export_runs_in_background,
    framework_export_start,
    framework_import_read,
    framework_import_start,
    framework_import_write,
    framework_version_export,
)
from soms.ratelimits import rate_limited
from soms.tenancy.access import member_required, role_required
from soms.tenancy.requests import MemberRequest


class ImportForm(SomsForm):
    file = forms.FileField(
        help_text="YAML or JSON (SOMS framework document), CSV (one row per statement) or a CASE 1.1 package."
    )
    format = forms.ChoiceField(
        choices=[("", "Recognise from the file"), *io.FORMAT_LABELS.items()],
        required=False,
        help_text="Leave it to the file name and content unless they mislead.",
    )
    publish = forms.BooleanField(
        required=False,
        label="Publish at once",
        help_text="A published version never changes. Leave unticked to import a draft you can review.",
    )


@role_required("framework.import")
@require_http_methods(["GET", "POST"])
@rate_limited("import", methods=("POST",))
def framework_import_page(request: MemberRequest) -> HttpResponse:
    problems: list[io.Problem] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        filename, publish = upload.name or "", form.cleaned_data["publish"]
        try:
            io.check_size(upload.size or 0)
            # Read and checked here, so every problem is answered at once; a large file's write
            # runs in a background job, whose page links to the new version when it is done.
            read = framework_import_read(
                data=upload.read(), filename=filename, format=form.cleaned_data["format"] or None
            )
            if read.runs_in_background:
                job = framework_import_start(
                    organisation=request.organisation,
                    actor=request.user,
                    read=read,
                    filename=filename,
                    publish=publish,
                )
                messages.info(
                    request, f"{read.statement_count:,} statements are being written in the background."
                )
                return redirect("job-detail", job_id=job.pk)
            version = framework_import_write(
                organisation=request.organisation,
                actor=request.user,
                read=read,
                filename=filename,
                publish=publish,
            )
        except io.FrameworkImportError as exc:
            problems = exc.problems
        else:
            messages.success(
                request,
                f"Imported {version.framework.name} {version.label} as a "
                f"{version.get_status_display().lower()} version with {version.statements.count()} statements.",
            )
            for warning in version.import_warnings:
                messages.warning(request, warning)
            return redirect("framework-version", version_id=version.pk)
    status = 422 if problems or form.errors else 200
    return render(
        request,
        "frameworks/framework_import.html",
        {
            "form": form,
            "problems": problems,
            "filename": uploaded.name
            if isinstance(uploaded := request.FILES.get("file"), UploadedFile)
            else None,
        },
        status=status,
    )


@member_required
@require_GET
@rate_limited("export")
def framework_version_download(request: MemberRequest, version_id: int, format: str) -> HttpResponseBase:
    if not io.is_format(format):
        raise Http404("No such format")
    version = access.framework_version_for(request.membership, version_id)
    if "job" in request.GET:
        # The file a finished export job rendered, to a reader of the version who may see the job.
        job = export_job_for(
            membership=request.membership, version=version, format=format, job_id=request.GET["job"]
        )
        file = FileResponse(
            job.result_file.open("rb"),
            as_attachment=True,
            filename=(job.result_file.name or "export").rsplit("/", 1)[-1],
            content_type=job.result_content_type,
        )
        file["Cache-Control"] = "private, no-store"
        return file
    if export_runs_in_background(version=version, format=format):
        job = framework_export_start(
            version=version, format=format, organisation=request.organisation, actor=request.user
        )
        messages.info(request, "This version is large: its file is being written in the background.")
        return redirect("job-detail", job_id=job.pk)
    try:
        rendered = framework_version_export(version=version, format=format)
    except VersionIncomplete as exc:
        # A draft in progress: say what is missing where it can be fixed.
        messages.error(request, str(exc))
        return redirect("framework-version", version_id=version.pk)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
