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
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import (
    IMPORT_AS,
    ImportNeedsChoice,
    export_job_for,
    export_runs_in_background,
    framework_export_start,
    framework_import_hold,
    framework_import_pending_apply,
    framework_import_pending_clash,
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
    help: list[str] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data, filename = b"", upload.name or ""
        try:
            io.check_size(upload.size or 0)
            data = upload.read()
            # Read and checked here, so every problem is answered at once; a large file's write
            # runs in a background job, whose page links to the new version when it is done.
            read = framework_import_read(
                organisation=request.organisation,
                data=data,
                filename=filename,
                format=form.cleaned_data["format"] or None,
            )
            publish = form.cleaned_data["publish"]
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
        except ImportNeedsChoice:
            # A sound file that clashes: keep it, and ask what it should become.
            pending = framework_import_hold(
                organisation=request.organisation,
                actor=request.user,
                data=data,
                filename=filename,
                format=form.cleaned_data["format"] or None,
                publish=form.cleaned_data["publish"],
            )
            return redirect("framework-import-choose", import_id=pending.pk)
        except io.FrameworkImportError as exc:
            problems, help = exc.problems, exc.help
        else:
            return _imported(request, version)
    status = 422 if problems or form.errors else 200
    return render(
        request,
        "frameworks/framework_import.html",
        {
            "form": form,
            "problems": problems,
            "help": help,
            "filename": uploaded.name
            if isinstance(uploaded := request.FILES.get("file"), UploadedFile)
            else None,
        },
        status=status,
    )


def _imported(request: MemberRequest, version: FrameworkVersion) -> HttpResponse:
    messages.success(
        request,
        f"Imported {version.framework.name} {version.label} as a "
        f"{version.get_status_display().lower()} version with {version.statements.count()} statements.",
    )
    for warning in version.import_warnings:
        messages.warning(request, warning)
    return redirect("framework-version", version_id=version.pk)


class ChooseForm(SomsForm):
    # "file": as the file says (offered when nothing clashes any more).
    import_as = forms.ChoiceField(choices=[(c, c) for c in (*IMPORT_AS, "file")], widget=forms.HiddenInput)
    label = forms.CharField(max_length=40, required=False, help_text="The new version's label.")
    code = forms.CharField(max_length=80, required=False, help_text="Lower-case letters, digits and hyphens.")
    name = forms.CharField(max_length=200, required=False)


@role_required("framework.import")
@require_http_methods(["GET", "POST"])
@rate_limited("import", methods=("POST",))
def framework_import_choose(request: MemberRequest, import_id: int) -> HttpResponse:
    """What a held upload becomes: the next version of the framework it matches, or a new one."""
    pending = access.pending_import_for(request.membership, import_id)
    problems: list[io.Problem] = []
    chosen = ""
    try:
        document, clash = framework_import_pending_clash(pending=pending)
    except io.FrameworkImportError as exc:
        # Cannot happen for a file that was read once, unless the code changed meanwhile.
        document, clash, problems = None, None, exc.problems
    form = ChooseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["import_as"]
        try:
            version = framework_import_pending_apply(
                pending=pending,
                actor=request.user,
                import_as=None if chosen == "file" else chosen,
                label=form.cleaned_data["label"],
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
            )
        except io.FrameworkImportError as exc:
            problems = exc.problems
        else:
            return _imported(request, version)
    elif request.method == "POST":
        problems = [io.Problem.at(name, " ".join(str(e) for e in errs)) for name, errs in form.errors.items()]
    values = request.POST if request.method == "POST" else {}
    return render(
        request,
        "frameworks/framework_import_choose.html",
        {
            "pending": pending,
            "document": document,
            "clash": clash,
            "problems": problems,
            "chosen": chosen,
            "label": values.get("label") or (clash.suggested_label if clash else ""),
            "code": values.get("code") or (clash.suggested_code if clash else ""),
            "name": values.get("name") or (clash.suggested_name if clash else ""),
        },
        status=422 if problems else 200,
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
