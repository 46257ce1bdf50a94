"""Pages for exchanging frameworks as files: the import page and the version downloads."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from soms.fields import SomsForm
from soms.frameworks import io
from soms.frameworks.selectors import versions as selectors
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import framework_import, framework_version_export
from soms.tenancy.access import admin_required, member_required


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


@admin_required
@require_http_methods(["GET", "POST"])
def framework_import_page(request: HttpRequest) -> HttpResponse:
    problems: list[io.Problem] = []
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            io.check_size(upload.size or 0)
            version = framework_import(
                organisation=request.organisation,  # type: ignore[attr-defined]
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
            return redirect("framework-version", version_id=version.pk)
    status = 422 if problems or form.errors else 200
    return render(
        request,
        "frameworks/framework_import.html",
        {
            "form": form,
            "problems": problems,
            "filename": request.FILES.get("file") and request.FILES["file"].name,
        },
        status=status,
    )


@member_required
@require_GET
def framework_version_download(request: HttpRequest, version_id: int, format: str) -> HttpResponse:
    if format not in io.FORMATS:
        raise Http404("No such format")
    version = selectors.framework_version_for(organisation=request.organisation, version_id=version_id)  # type: ignore[attr-defined]
    try:
        rendered = framework_version_export(version=version, format=format)  # type: ignore[arg-type]
    except VersionIncomplete as exc:
        # A draft in progress: say what is missing where it can be fixed.
        messages.error(request, str(exc))
        return redirect("framework-version", version_id=version.pk)
    response = HttpResponse(rendered.content, content_type=rendered.content_type)
    response["Content-Disposition"] = f'attachment; filename="{rendered.filename}"'
    return response
