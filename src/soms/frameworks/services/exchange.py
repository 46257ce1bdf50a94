"""Import and export of whole framework versions. Pages, the API and the command line call these and
nothing else, so a file is checked and stored the same way wherever it comes from."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Length
from django.utils import timezone

from soms import limits
from soms.frameworks import io, suggest
from soms.frameworks.cache import is_cached, published_cached
from soms.frameworks.document import CODE_RE, FrameworkDocument, without_ids
from soms.frameworks.models import Framework, FrameworkImport, FrameworkVersion
from soms.frameworks.selectors.versions import version_document
from soms.frameworks.services.versions import (
    FrameworkConflict,
    PreparedContents,
    framework_version_create_from_document,
    version_contents_prepare,
)
from soms.jobs.access import job_for
from soms.jobs.models import Job, JobStatus
from soms.jobs.runner import job_name
from soms.jobs.services import job_start
from soms.tenancy.access import NotFound
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


ImportAs = Literal["version", "framework"]
IMPORT_AS: tuple[ImportAs, ...] = ("version", "framework")


@dataclass(frozen=True)
class ImportClash:
    """Why a file cannot simply be stored, and what it can be stored as instead."""

    reason: str
    # The organisation's framework the file could become the next version of (None for a
    # built-in: an import never changes a built-in framework).
    framework: Framework | None
    clashing: FrameworkVersion | None
    suggested_label: str
    suggested_code: str
    suggested_name: str

    def offer(self) -> str:
        """The choices in words (the page, the API and the command line say how to make them)."""
        as_framework = (
            f"as a new framework (code {self.suggested_code!r} and name {self.suggested_name!r} are free)"
        )
        if self.framework is None:
            return f"It can be imported {as_framework}."
        return (
            f"It can be imported as the next version of {self.framework.name} (label "
            f"{self.suggested_label!r} is free), or {as_framework}."
        )


class ImportNeedsChoice(io.FrameworkImportError):
    """The file is sound but would clash with what the organisation has (a version label taken) or
    look identical to a built-in framework: the person importing chooses what it becomes."""

    def __init__(self, clash: ImportClash) -> None:
        self.clash = clash
        super().__init__([io.Problem.at("version.label", f"{clash.reason} {clash.offer()}", "exists")])


class ChoiceInvalid(io.FrameworkImportError):
    """The choice made for a clashing file cannot be taken (a label or code taken or malformed);
    the problems name the choice's field (import_as, label, code, name)."""


def import_clash(*, organisation: Organisation, document: FrameworkDocument) -> ImportClash | None:
    """What stops `document` from being imported as it is, or None when nothing does."""
    code, label = document.framework.code, document.version.label
    own_codes = set(Framework.objects.filter(organisation=organisation).values_list("code", flat=True))
    builtin_codes = set(Framework.objects.filter(organisation__isnull=True).values_list("code", flat=True))
    free = suggest.free_code(code, own_codes | builtin_codes)
    framework = Framework.objects.filter(organisation=organisation, code=code).first()
    if framework is not None:
        versions = list(framework.versions.order_by("created_at", "id"))
        clashing = next((v for v in versions if v.label == label), None)
        if clashing is None:
            return None
        labels = [v.label for v in versions]
        return ImportClash(
            reason=f"{framework.name} ({framework.code}) already has a version {label!r}.",
            framework=framework,
            clashing=clashing,
            suggested_label=suggest.next_label(labels[-1], labels),
            suggested_code=free,
            suggested_name=f"{document.framework.name} (imported)",
        )
    builtin = Framework.objects.filter(organisation__isnull=True, code=code).first()
    if builtin is None:
        return None
    return ImportClash(
        reason=(
            f"This file is {builtin.name} ({builtin.code}), a framework built into SOMS that every "
            "organisation can already use; imported as it is, it would be a second framework that "
            "looks identical to the built-in one."
        ),
        framework=None,
        clashing=builtin.versions.filter(label=label).first(),
        suggested_label=label,
        suggested_code=free,
        suggested_name=f"{document.framework.name} (own copy)",
    )


def _as_chosen(
    *,
    organisation: Organisation,
    document: FrameworkDocument,
    import_as: ImportAs,
    label: str | None,
    code: str | None,
    name: str | None,
) -> tuple[FrameworkDocument, FrameworkVersion | None]:
    """The document turned into what the person chose, and the version it continues (if any)."""
    clash = import_clash(organisation=organisation, document=document)
    if import_as == "version":
        framework = Framework.objects.filter(organisation=organisation, code=document.framework.code).first()
        if framework is None:
            raise ChoiceInvalid(
                [
                    io.Problem.at(
                        "import_as",
                        f"the organisation has no framework with code {document.framework.code!r} to add "
                        "a version to; import it as a new framework instead",
                    )
                ]
            )
        versions = list(framework.versions.order_by("created_at", "id").values_list("label", flat=True))
        chosen = (label or "").strip() or suggest.next_label(versions[-1], versions)
        if len(chosen) > 40:
            raise ChoiceInvalid([io.Problem.at("label", "a label has at most 40 characters")])
        if chosen in versions:
            raise ChoiceInvalid(
                [
                    io.Problem.at(
                        "label", f"{framework.name} already has a version {chosen!r}; choose another label"
                    )
                ]
            )
        fresh = without_ids(document)
        data = fresh.model_dump(mode="json")
        data["version"]["label"] = chosen
        # The framework keeps its own name and description; the file's version goes under it.
        data["framework"].update(code=framework.code, name=framework.name, description=framework.description)
        return FrameworkDocument.model_validate(data), clash.clashing if clash else None
    new_code = (code or "").strip() or (clash.suggested_code if clash else document.framework.code)
    new_name = (name or "").strip() or (clash.suggested_name if clash else document.framework.name)
    if not CODE_RE.match(new_code) or len(new_code) > 80:
        raise ChoiceInvalid(
            [
                io.Problem.at(
                    "code", f"code {new_code[:90]!r}: use up to 80 lower-case letters, digits and hyphens"
                )
            ]
        )
    if len(new_name) > 200:
        raise ChoiceInvalid([io.Problem.at("name", "the name is longer than 200 characters")])
    taken = Framework.objects.filter(organisation=organisation, code=new_code).exists()
    if taken or Framework.objects.filter(organisation__isnull=True, code=new_code).exists():
        raise ChoiceInvalid(
            [
                io.Problem.at(
                    "code",
                    f"code {new_code!r} is already a framework's "
                    f"({'of your organisation' if taken else 'built in'}); choose another code",
                )
            ]
        )
    data = without_ids(document).model_dump(mode="json")
    data["framework"].update(code=new_code, name=new_name)
    return FrameworkDocument.model_validate(data), None


@dataclass
class ImportRead:
    """A file parsed, validated and turned into what the person chose, not yet written: what an
    import page or API call checks in the request (every problem answered at once) before writing
    it there or in a background job."""

    document: FrameworkDocument
    warnings: list[str]
    format: str
    # The version a file imported as "the next version" continues.
    based_on: FrameworkVersion | None = None

    @property
    def statement_count(self) -> int:
        return sum(len(e.statements) for e in self.document.elements)

    @property
    def runs_in_background(self) -> bool:
        return self.statement_count > limits.BACKGROUND_IMPORT_STATEMENTS


def framework_import_read(
    *,
    organisation: Organisation,
    data: bytes,
    filename: str = "",
    format: io.Format | None = None,
    import_as: ImportAs | None = None,
    label: str | None = None,
    code: str | None = None,
    name: str | None = None,
) -> ImportRead:
    """Parse and validate a file and apply the person's choice, outside any transaction.
    FrameworkImportError lists every problem; ImportNeedsChoice says what a clashing file can be."""
    warnings: list[str] = []
    document = io.parse(data, filename=filename, format=format, warnings=warnings)
    shown_format = format or io.detect_format(data.decode("utf-8-sig", "replace"), filename)
    based_on = None
    if import_as is None:
        clash = import_clash(organisation=organisation, document=document)
        if clash is not None:
            raise ImportNeedsChoice(clash)
    else:
        document, based_on = _as_chosen(
            organisation=organisation,
            document=document,
            import_as=import_as,
            label=label,
            code=code,
            name=name,
        )
    return ImportRead(document=document, warnings=warnings, format=shown_format, based_on=based_on)


def framework_import(
    *,
    organisation: Organisation,
    actor: Any,
    data: bytes,
    filename: str = "",
    format: io.Format | None = None,
    publish: bool = False,
    import_as: ImportAs | None = None,
    label: str | None = None,
    code: str | None = None,
    name: str | None = None,
) -> FrameworkVersion:
    """Store a file as a new framework, or as a new version of the organisation's framework with the
    same code. All or nothing: any problem raises FrameworkImportError and nothing is written.

    A file whose version label the framework already has (an unchanged export imported again), or
    that is a built-in framework, raises ImportNeedsChoice with what it can be stored as instead;
    `import_as` makes that choice: "version" (the next version of the organisation's framework,
    labelled `label` or the next free label) or "framework" (a new framework, `code` and `name`
    or suggested ones, with identifiers of its own).

    The file is parsed, validated and turned into rows before the transaction opens: on SQLite the
    transaction takes the database's one write lock at once (IMMEDIATE), and every other
    organisation's writes wait while it is held, so it holds only the inserts."""
    read = framework_import_read(
        organisation=organisation,
        data=data,
        filename=filename,
        format=format,
        import_as=import_as,
        label=label,
        code=code,
        name=name,
    )
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
        if read.based_on is not None:
            version.based_on = read.based_on
            version.save(update_fields=["based_on"])
    # What was normalised or dropped to read the file, for the page, the API and the command line
    # to tell the person who imported it (the version's notes keep the same sentences).
    version.import_warnings = read.warnings
    return version


def framework_import_start(
    *,
    organisation: Organisation,
    actor: Any,
    read: ImportRead,
    filename: str,
    publish: bool,
    enqueue: bool = True,
) -> Job:
    """Queue the write of a large file as a background job (soms.frameworks.jobs); the job's page
    links to the new version when it is done. `enqueue=False` records it for a command to run in
    the foreground with a progress bar (soms.jobs.cli.job_run_in_foreground)."""
    from soms.frameworks.jobs import framework_import_job

    document = read.document
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
            "based_on_id": read.based_on.pk if read.based_on is not None else None,
        },
        total=3,
        enqueue=enqueue,
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
    if version.statements.count() > limits.BACKGROUND_EXPORT_STATEMENTS:
        return True
    # Few statements may still be long ones (MAX_STATEMENT_LENGTH each): the size decides too.
    text = version.statements.aggregate(n=Sum(Length("text")))["n"] or 0
    return bool(text > limits.BACKGROUND_EXPORT_CHARACTERS)


def framework_export_start(
    *, version: FrameworkVersion, format: io.Format, organisation: Organisation, actor: Any
) -> Job:
    """Queue the rendering of a large export; the job keeps the file, downloaded from the version's
    own download address (soms.frameworks.jobs.export_download_url) by readers of the version."""
    from soms.frameworks.jobs import framework_export_job

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

    job = job_for(membership, job_id)
    expected = {"version_id": version.pk, "format": format}
    if job.kind != job_name(framework_export_job) or job.params != expected or not job.result_file:
        raise NotFound("No such export")
    return job


# A pending import waits this long for its choice; older ones are cleared as new ones come in.
PENDING_IMPORT_TTL = timedelta(days=1)


def framework_import_hold(
    *,
    organisation: Organisation,
    actor: Any,
    data: bytes,
    filename: str,
    format: io.Format | None,
    publish: bool,
) -> FrameworkImport:
    """Keep an uploaded file whose import needs a choice, so the choice page needs no new upload."""
    FrameworkImport.objects.filter(created_at__lt=timezone.now() - PENDING_IMPORT_TTL).delete()
    return FrameworkImport.objects.create(
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255],
        format=format or "",
        publish=publish,
        content=data,
    )


def framework_import_pending_apply(
    *,
    pending: FrameworkImport,
    actor: Any,
    import_as: ImportAs | None,
    label: str | None = None,
    code: str | None = None,
    name: str | None = None,
) -> FrameworkVersion:
    """Import a held file as the person chose; the held file goes once it is stored."""
    fmt = pending.format
    version = framework_import(
        organisation=pending.organisation,
        actor=actor,
        data=bytes(pending.content),
        filename=pending.filename,
        format=fmt if io.is_format(fmt) else None,
        publish=pending.publish,
        import_as=import_as,
        label=label,
        code=code,
        name=name,
    )
    pending.delete()
    return version


def framework_import_pending_clash(
    *, pending: FrameworkImport
) -> tuple[FrameworkDocument, ImportClash | None]:
    """The held file read again, and what it clashes with now."""
    fmt = pending.format
    document = io.parse(
        bytes(pending.content), filename=pending.filename, format=fmt if io.is_format(fmt) else None
    )
    return document, import_clash(organisation=pending.organisation, document=document)
