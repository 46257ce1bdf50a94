"""Pages for exchanging frameworks as files: the import page and the version downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from soms.fields import SomsForm
from soms.frameworks import access, io
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import framework_import, framework_version_export
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
        try:
            io.check_size(upload.size or 0)
            version = framework_import(
                organisation=request.organisation,
                actor=request.user,
                data=upload.read(),
                filename=upload.name or "",
                format=form.cleaned_data["format"] or None,
                publish=form.cleaned_data["publish"],
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
def framework_version_download(request: MemberRequest, version_id: int, format: str) -> HttpResponse:
    if not io.is_format(format):
        raise Http404("No such format")
    version = access.framework_version_for(request.membership, version_id)
    try:
        rendered = framework_version_export(version=version, format=format)
    except VersionIncomplete as exc:
        # A draft in progress: say what is missing where it can be fixed.
        messages.error(request, str(exc))
        return redirect("framework-version", version_id=version.pk)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
