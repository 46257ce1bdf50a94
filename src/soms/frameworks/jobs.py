"""Background jobs of framework exchange: the write of a large import and the rendering of a large
export, so that no request worker spends seconds on either (soms.jobs explains the recipe)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from soms.frameworks import io
from soms.frameworks.document import FrameworkDocument
from soms.frameworks.models import FrameworkVersion
from soms.frameworks.selectors.versions import VersionIncomplete
from soms.frameworks.services.exchange import ImportRead, framework_import_write, framework_version_export
from soms.jobs.runner import JobContext, JobError, job


@job
def framework_import_job(
    ctx: JobContext,
    *,
    document: dict[str, object],
    warnings: list[str],
    format: str,
    filename: str,
    publish: bool,
    based_on_id: int | None = None,
) -> str:
    """Write a file the request already read and validated (its document travels as JSON)."""
    ctx.progress(0, 3, "Reading the checked framework")
    based_on = None
    if based_on_id is not None:
        based_on = FrameworkVersion.objects.filter(
            pk=based_on_id, framework__organisation=ctx.organisation
        ).first()
    read = ImportRead(
        document=FrameworkDocument.model_validate(document),
        warnings=warnings,
        format=format,
        based_on=based_on,
    )
    ctx.progress(1, 3, f"Writing {read.statement_count:,} statements")
    try:
        version = framework_import_write(
            organisation=ctx.organisation, actor=ctx.actor, read=read, filename=filename, publish=publish
        )
    except io.FrameworkImportError as exc:
        # Only what changed while the job waited (another import took the label) can fail here.
        raise JobError("; ".join(p.message for p in exc.problems)) from None
    ctx.progress(2, 3, "Written")
    name = f"{version.framework.name} {version.label}"
    ctx.result_link(reverse("framework-version", args=[version.pk]), f"Open {name}")
    noted = (
        f" {len(warnings)} notes on how the file was read are kept in the version's notes."
        if warnings
        else ""
    )
    return (
        f"Imported {name} as a {version.get_status_display().lower()} version (id {version.pk}) with "
        f"{read.statement_count:,} statements.{noted}"
    )


def export_download_url(version_id: int, format: str, job_id: int) -> str:
    """Where a finished export job's file is downloaded: the version's own download address, so the
    reader's right to read the version is checked again at download time."""
    base = reverse("framework-version-export", args=[version_id, format])
    return f"{base}?{urlencode({'job': job_id})}"


@job
def framework_export_job(ctx: JobContext, *, version_id: int, format: str) -> str:
    version = (
        FrameworkVersion.objects.select_related("framework")
        .filter(pk=version_id)
        .filter(framework__organisation__in=[ctx.organisation.pk, None])
        .first()
    )
    if version is None:
        raise JobError("The version was deleted before the export ran.")
    if not io.is_format(format):
        raise JobError(f"{format!r} is not an export format.")
    ctx.progress(0, 2, f"Rendering {version.framework.name} {version.label} as {io.FORMAT_LABELS[format]}")
    try:
        rendered = framework_version_export(version=version, format=format)
    except VersionIncomplete as exc:
        raise JobError(str(exc)) from None
    ctx.progress(1, 2, "Storing the file")
    ctx.result_file(rendered.filename, rendered.content, content_type=rendered.content_type)
    ctx.result_link(export_download_url(version.pk, format, ctx.job.pk), f"Download {rendered.filename}")
    return f"Exported {version.framework.name} {version.label} as {rendered.filename} ({len(rendered.content):,} bytes)."
