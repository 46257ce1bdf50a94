"""Import and export of whole framework versions. Pages, the API and the command line call these and
nothing else, so a file is checked and stored the same way wherever it comes from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from soms import limits
from soms.frameworks import io
from soms.frameworks.cache import is_cached, published_cached
from soms.frameworks.document import FrameworkDocument
from soms.frameworks.models import Framework, FrameworkVersion
from soms.frameworks.selectors.versions import version_document
from soms.frameworks.services.versions import (
    FrameworkConflict,
    PreparedContents,
    framework_version_create_from_document,
    version_contents_prepare,
)
from soms.jobs.models import Job
from soms.jobs.services import job_start
from soms.tenancy.models import Organisation
from soms.tenancy.services import audit_log_write


def _label_taken(name: str, code: str, label: str) -> io.FrameworkImportError:
    return io.FrameworkImportError(
        [
            io.Problem.at(
                "version.label",
                f"{name} ({code}) already has a version {label!r}; "
                "change the label in the file to import it as a new version",
            )
        ]
    )


@dataclass
class ImportRead:
    """A file parsed and validated, not yet written: what an import page or API call checks in the
    request (every problem answered at once) before writing it there or in a background job."""

    document: FrameworkDocument
    warnings: list[str]
    format: str

    @property
    def statement_count(self) -> int:
        return sum(len(e.statements) for e in self.document.elements)

    @property
    def runs_in_background(self) -> bool:
        return self.statement_count > limits.BACKGROUND_IMPORT_STATEMENTS


def framework_import_read(*, data: bytes, filename: str = "", format: io.Format | None = None) -> ImportRead:
    """Parse and validate a file, outside any transaction; FrameworkImportError lists every problem."""
    warnings: list[str] = []
    document = io.parse(data, filename=filename, format=format, warnings=warnings)
    shown_format = format or io.detect_format(data.decode("utf-8-sig", "replace"), filename)
    return ImportRead(document=document, warnings=warnings, format=shown_format)


def framework_import(
    *,
    organisation: Organisation,
    actor: Any,
    data: bytes,
    filename: str = "",
    format: io.Format | None = None,
    publish: bool = False,
) -> FrameworkVersion:
    """Store a file as a new framework, or as a new version of the organisation's framework with the
    same code. All or nothing: any problem raises FrameworkImportError and nothing is written.

    The file is parsed, validated and turned into rows before the transaction opens: on SQLite the
    transaction takes the database's one write lock at once (IMMEDIATE), and every other
    organisation's writes wait while it is held, so it holds only the inserts."""
    read = framework_import_read(data=data, filename=filename, format=format)
    return framework_import_write(
        organisation=organisation, actor=actor, read=read, filename=filename, publish=publish
    )


def framework_import_write(
    *, organisation: Organisation, actor: Any, read: ImportRead, filename: str, publish: bool
) -> FrameworkVersion:
    """Write a file read by framework_import_read, in one short transaction."""
    prepared = version_contents_prepare(read.document)
    with transaction.atomic():
        version = _import_write(
            organisation=organisation,
            actor=actor,
            document=read.document,
            prepared=prepared,
            filename=filename,
            format=read.format,
            publish=publish,
        )
    # What was normalised or dropped to read the file, for the page, the API and the command line
    # to tell the person who imported it (the version's notes keep the same sentences).
    version.import_warnings = read.warnings
    return version


def framework_import_start(
    *, organisation: Organisation, actor: Any, read: ImportRead, filename: str, publish: bool
) -> Job:
    """Queue the write of a large file as a background job (soms.frameworks.jobs); the job's page
    links to the new version when it is done. A label already taken is refused here, at once."""
    from soms.frameworks.jobs import framework_import_job

    document = read.document
    framework = Framework.objects.filter(organisation=organisation, code=document.framework.code).first()
    if framework is not None and framework.versions.filter(label=document.version.label).exists():
        raise _label_taken(framework.name, framework.code, document.version.label)
    return job_start(
        job_function=framework_import_job,
        organisation=organisation,
        owner=actor,
        title=f"Import {document.framework.name} {document.version.label} ({read.statement_count:,} statements)",
        params={
            "document": document.model_dump(mode="json"),
            "warnings": read.warnings,
            "format": read.format,
            "filename": filename[:200],
            "publish": publish,
        },
        total=3,
    )


def _import_write(
    *,
    organisation: Organisation,
    actor: Any,
    document: Any,
    prepared: PreparedContents,
    filename: str,
    format: str,
    publish: bool,
) -> FrameworkVersion:
    framework = Framework.objects.filter(organisation=organisation, code=document.framework.code).first()
    label = document.version.label
    if framework is not None:
        if framework.versions.filter(label=label).exists():
            raise _label_taken(framework.name, framework.code, label)
        if document.version.uuid and framework.versions.filter(uuid=document.version.uuid).exists():
            # The same exchange identity twice in one framework would make two versions export
            # as one CASE document; the new version gets its own.
            document = document.model_copy(
                update={"version": document.version.model_copy(update={"uuid": None})}
            )
            prepared = replace(prepared, document=document)
    try:
        version = framework_version_create_from_document(
            document=document, organisation=organisation, actor=actor, publish=publish, prepared=prepared
        )
    except FrameworkConflict:
        # Another import took the label since the check above: the same answer as if it had been first.
        raise _label_taken(document.framework.name, document.framework.code, label) from None
    audit_log_write(
        actor=actor,
        organisation=organisation,
        action="framework_version.import",
        obj=version,
        after={
            "framework": document.framework.code,
            "label": version.label,
            "format": format,
            "filename": filename[:200],
            "status": version.status,
        },
    )
    return version


def framework_version_export(*, version: FrameworkVersion, format: io.Format) -> io.Rendered:
    """A stored version in one format. Read-only; the caller has already checked access.

    A published version never changes: each format is rendered once and then read from the cache."""
    return published_cached(
        version,
        f"export:{format}",
        lambda: io.render(
            version_document(version=version),
            format=format,
            published=version.is_published,
            changed_at=version.published_at or version.created_at,
        ),
    )


def export_runs_in_background(*, version: FrameworkVersion, format: io.Format) -> bool:
    """A large version's export is rendered by a job, unless a published one's is already cached."""
    if is_cached(version, f"export:{format}"):
        return False
    return bool(version.statements.count() > limits.BACKGROUND_EXPORT_STATEMENTS)


def framework_export_start(
    *, version: FrameworkVersion, format: io.Format, organisation: Organisation, actor: Any
) -> Job:
    """Queue the rendering of a large export; the job keeps the file, downloaded from the version's
    own download address (soms.frameworks.jobs.export_download_url) by readers of the version."""
    from soms.frameworks.jobs import framework_export_job
    from soms.jobs.models import JobStatus
    from soms.jobs.runner import job_name

    # Asking again while the file is being written follows the job already under way.
    waiting = Job.objects.filter(
        organisation=organisation,
        owner_id=getattr(actor, "pk", None),
        kind=job_name(framework_export_job),
        status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
        params__version_id=version.pk,
        params__format=format,
    ).first()
    if waiting is not None:
        return waiting
    return job_start(
        job_function=framework_export_job,
        organisation=organisation,
        owner=actor,
        title=f"Export {version.framework.name} {version.label} as {io.FORMAT_LABELS[format]}",
        params={"version_id": version.pk, "format": format},
        total=2,
    )


def export_job_for(*, membership: Any, version: FrameworkVersion, format: str, job_id: Any) -> Job:
    """The finished export job of this version and format the member may see (404 otherwise); the
    caller has checked that the member reads the version."""
    from soms.frameworks.jobs import framework_export_job
    from soms.jobs.access import job_for
    from soms.jobs.runner import job_name
    from soms.tenancy.access import NotFound

    job = job_for(membership, job_id)
    expected = {"version_id": version.pk, "format": format}
    if job.kind != job_name(framework_export_job) or job.params != expected or not job.result_file:
        raise NotFound("No such export")
    return job
