"""Import and export of whole framework versions. Pages, the API and the command line call these and
nothing else, so a file is checked and stored the same way wherever it comes from."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.db import transaction

from soms.frameworks import io
from soms.frameworks.models import Framework, FrameworkVersion
from soms.frameworks.selectors.versions import version_document
from soms.frameworks.services.versions import (
    FrameworkConflict,
    PreparedContents,
    framework_version_create_from_document,
    version_contents_prepare,
)
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
    warnings: list[str] = []
    document = io.parse(data, filename=filename, format=format, warnings=warnings)
    shown_format = format or io.detect_format(data.decode("utf-8-sig", "replace"), filename)
    prepared = version_contents_prepare(document)
    with transaction.atomic():
        version = _import_write(
            organisation=organisation,
            actor=actor,
            document=document,
            prepared=prepared,
            filename=filename,
            format=shown_format,
            publish=publish,
        )
    # What was normalised or dropped to read the file, for the page, the API and the command line
    # to tell the person who imported it (the version's notes keep the same sentences).
    version.import_warnings = warnings
    return version


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
    """A stored version in one format. Read-only; the caller has already checked access."""
    return io.render(
        version_document(version=version),
        format=format,
        published=version.is_published,
        changed_at=version.published_at or version.created_at,
    )
