"""HR imports as stored records: check (dry run) on upload, apply after review, same for page,
API and CLI. Large files are applied by a background task when one is available (see
`people_import_apply`); it takes the record id and re-checks against the data as it is then."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from soms.people.errors import PeopleConflict
from soms.people.io.apply import Progress, prepare_plan, write_prepared
from soms.people.io.plan import Options, Plan, Problem, plan_import
from soms.people.io.reading import FileProblem, read_table
from soms.people.models import ImportStatus, PeopleImport
from soms.people.signals import organisation_changed
from soms.tenancy.models import Organisation

if TYPE_CHECKING:
    from soms.jobs.models import Job


def check_file(
    *, organisation: Organisation, filename: str, content: bytes, options: Options, sheet: str | None = None
) -> Plan:
    try:
        table = read_table(content, filename, sheet=sheet, max_bytes=settings.SOMS_MAX_UPLOAD_BYTES)
    except FileProblem as exc:
        return Plan(columns=[], problems=[Problem(None, "file", filename, str(exc))])
    return plan_import(organisation.pk, table, options, max_rows=settings.SOMS_PEOPLE_IMPORT_MAX_ROWS)


def people_import_check(
    *,
    organisation: Organisation,
    filename: str,
    content: bytes,
    options: Options,
    actor: Any,
    sheet: str | None = None,
) -> tuple[PeopleImport, Plan]:
    """Store the upload with its problems or its dry-run summary. Writes no people."""
    plan = check_file(
        organisation=organisation, filename=filename, content=content, options=options, sheet=sheet
    )
    record = PeopleImport.objects.create(
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255],
        # Only a clean file is kept (to be checked again and applied); a refused one is not needed.
        content=content if not plan.problems else b"",
        options={**options.as_dict(), "sheet": sheet or ""},
        status=ImportStatus.INVALID if plan.problems else ImportStatus.READY,
        problems=[p.as_dict() for p in plan.problems],
        summary=plan.summary(),
    )
    return record, plan


def _check_ready(record: PeopleImport) -> None:
    if record.status == ImportStatus.APPLIED:
        raise PeopleConflict("This import has already been applied.")
    if record.status != ImportStatus.READY:
        raise PeopleConflict("This file has problems: fix them and upload it again.")


def people_import_runs_inline(record: PeopleImport) -> bool:
    """A small file is applied within the request; a large one by a background job."""
    return int(record.summary.get("rows") or 0) <= settings.SOMS_PEOPLE_IMPORT_INLINE_ROWS


@transaction.atomic
def people_import_apply_later(*, record: PeopleImport, actor: Any, enqueue: bool = True) -> Job:
    """Start the job that applies `record` (queued when this transaction commits).

    One job per file at a time: a second start while the first waits or runs is a conflict, so a
    double click cannot queue the same file twice. `enqueue=False` is for a command that runs the
    job in the foreground itself."""
    from soms.jobs.services import job_start
    from soms.people.jobs import people_import_apply_job

    locked = PeopleImport.objects.select_for_update(of=("self",)).select_related("job").get(pk=record.pk)
    _check_ready(locked)
    if locked.job is not None and not locked.job.is_finished:
        raise PeopleConflict("This file is already being applied: follow the job's progress.")
    rows = int(locked.summary.get("rows") or 0)
    job = job_start(
        job_function=people_import_apply_job,
        organisation=locked.organisation,
        owner=actor,
        title=f"Import {locked.filename} ({rows:,} rows)",
        params={"import_id": locked.pk},
        enqueue=enqueue,
    )
    PeopleImport.objects.filter(pk=locked.pk).update(job=job)
    record.job = job
    return job


def _silent(stage: str, done: int, total: int) -> None:
    return None


def people_import_apply(
    *, record: PeopleImport, actor: Any, progress: Progress | None = None
) -> dict[str, Any]:
    """Check the stored file again against today's data and, if it is still clean, write it."""
    _check_ready(record)
    if progress is not None:
        progress("checking", 0, int(record.summary.get("rows") or 0))
    options = Options.from_dict(record.options)
    plan = check_file(
        organisation=record.organisation,
        filename=record.filename,
        content=bytes(record.content),
        options=options,
        sheet=record.options.get("sheet") or None,
    )
    if plan.problems:
        PeopleImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.INVALID, problems=[p.as_dict() for p in plan.problems], summary=plan.summary()
        )
        record.refresh_from_db()
        raise PeopleConflict("The organisation changed since the check and the file now has problems.")
    # Everything is prepared (ids reserved, statements compiled) before the write transaction opens:
    # on SQLite that transaction holds the lock every other organisation's writes wait for.
    prepared = prepare_plan(
        organisation=record.organisation,
        plan=plan,
        filename=record.filename,
        options=options,
        **({"progress": progress} if progress else {}),
    )
    if progress is not None:
        progress("writing", 0, prepared.people)

    def finish(result: dict[str, Any]) -> None:
        # In the transaction that makes the import live: the record says applied exactly when it is.
        organisation_changed.send(None, organisation_id=record.organisation_id)
        PeopleImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.APPLIED,
            applied_at=timezone.now(),
            summary={**record.summary, "result": result},
            content=b"",
        )

    result = write_prepared(
        organisation=record.organisation,
        prepared=prepared,
        actor=actor,
        finish=finish,
        progress=progress or _silent,
    )
    if progress is not None:
        progress("writing", prepared.people, prepared.people)
    record.refresh_from_db()
    return result
