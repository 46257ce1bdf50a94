"""HR imports as stored records: check (dry run) on upload, apply after review, same for page,
API and CLI. A large file is checked by a background job (`people_import_check` refuses in the
request only what needs no rows read) and applied by one (`people_import_apply_later`); each takes
the record id and checks against the data as it is then."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from soms.people.errors import PeopleConflict
from soms.people.io.apply import Progress, prepare_plan, write_prepared
from soms.people.io.plan import Options, Plan, Problem, check_columns, plan_import
from soms.people.io.reading import FileProblem, read_header, read_table
from soms.people.models import ImportStatus, PeopleImport
from soms.people.signals import organisation_changed
from soms.tenancy.access import NotFound
from soms.tenancy.models import Organisation

if TYPE_CHECKING:
    from soms.jobs.models import Job


def check_file(
    *,
    organisation: Organisation,
    filename: str,
    content: bytes,
    options: Options,
    sheet: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Plan:
    try:
        table = read_table(content, filename, sheet=sheet, max_bytes=settings.SOMS_MAX_UPLOAD_BYTES)
    except FileProblem as exc:
        return Plan(columns=[], problems=[Problem(None, "file", filename, str(exc))])
    return plan_import(
        organisation.pk, table, options, max_rows=settings.SOMS_PEOPLE_IMPORT_MAX_ROWS, progress=progress
    )


def precheck_file(*, filename: str, content: bytes, sheet: str | None = None) -> list[Problem]:
    """The problems found without reading the rows: size, encoding, sheets, a CSV's columns."""
    try:
        headers = read_header(content, filename, sheet=sheet, max_bytes=settings.SOMS_MAX_UPLOAD_BYTES)
    except FileProblem as exc:
        return [Problem(None, "file", filename, str(exc))]
    if headers is None:
        return []
    return check_columns(headers, None)[1]


def people_import_checks_inline(content: bytes) -> bool:
    """A small file is checked within the request; a large one by a background job."""
    return len(content) <= settings.SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES


def _store(
    *,
    organisation: Organisation,
    filename: str,
    content: bytes,
    options: Options,
    actor: Any,
    sheet: str | None,
    status: str,
    problems: list[Problem],
    summary: dict[str, Any],
    fingerprint: str = "",
) -> PeopleImport:
    return PeopleImport.objects.create(
        organisation=organisation,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        filename=filename[:255],
        # Only a file still to check or apply is kept; a refused one is not needed.
        content=content if not problems else b"",
        options={**options.as_dict(), "sheet": sheet or ""},
        status=status,
        problems=[p.as_dict() for p in problems],
        summary=summary,
        fingerprint=fingerprint,
    )


def people_import_check(
    *,
    organisation: Organisation,
    filename: str,
    content: bytes,
    options: Options,
    actor: Any,
    sheet: str | None = None,
    then_apply: bool = False,
    enqueue: bool = True,
) -> tuple[PeopleImport, Plan | None]:
    """Store the upload with its problems or its dry-run summary. Writes no people.

    A file of more than SOMS_PEOPLE_IMPORT_INLINE_CHECK_BYTES is checked here only as far as its
    header (what can be refused at once is refused at once); the record is then `checking` and
    `record.job` checks the rows (and applies a clean file when `then_apply`): the answer's plan is
    None. `enqueue=False` is for a command that runs that job in the foreground itself."""
    if people_import_checks_inline(content):
        plan = check_file(
            organisation=organisation, filename=filename, content=content, options=options, sheet=sheet
        )
        status = ImportStatus.INVALID if plan.problems else ImportStatus.READY
        record = _store(
            organisation=organisation,
            filename=filename,
            content=content,
            options=options,
            actor=actor,
            sheet=sheet,
            status=status,
            problems=plan.problems,
            summary=plan.summary(),
            fingerprint="" if plan.problems else plan.fingerprint(),
        )
        return record, plan
    problems = precheck_file(filename=filename, content=content, sheet=sheet)
    if problems:
        plan = Plan(columns=[], problems=problems)
        record = _store(
            organisation=organisation,
            filename=filename,
            content=content,
            options=options,
            actor=actor,
            sheet=sheet,
            status=ImportStatus.INVALID,
            problems=problems,
            summary=plan.summary(),
        )
        return record, plan
    from soms.jobs.services import job_start
    from soms.people.jobs import people_import_check_job

    with transaction.atomic():
        record = _store(
            organisation=organisation,
            filename=filename,
            content=content,
            options=options,
            actor=actor,
            sheet=sheet,
            status=ImportStatus.CHECKING,
            problems=[],
            summary={"bytes": len(content)},
        )
        job = job_start(
            job_function=people_import_check_job,
            organisation=organisation,
            owner=actor,
            title=f"{'Check and import' if then_apply else 'Check'} {record.filename} ({max(1, round(len(content) / 1024)):,} KB)",
            params={"import_id": record.pk, "then_apply": then_apply},
            enqueue=enqueue,
        )
        PeopleImport.objects.filter(pk=record.pk).update(job=job)
        record.job = job
    return record, None


def people_import_check_stored(
    *, record: PeopleImport, progress: Callable[[int, int], None] | None = None
) -> Plan:
    """Check a stored upload row by row (the job's part of `people_import_check`) and store the
    outcome: ready with the dry run, or invalid with every problem (and the file dropped)."""
    if record.status != ImportStatus.CHECKING:
        raise PeopleConflict("This file has already been checked.")
    plan = check_file(
        organisation=record.organisation,
        filename=record.filename,
        content=bytes(record.content),
        options=Options.from_dict(record.options),
        sheet=record.options.get("sheet") or None,
        progress=progress,
    )
    fields: dict[str, Any] = {
        "status": ImportStatus.INVALID if plan.problems else ImportStatus.READY,
        "problems": [p.as_dict() for p in plan.problems],
        "summary": plan.summary(),
        "fingerprint": "" if plan.problems else plan.fingerprint(),
    }
    if plan.problems:
        fields["content"] = b""
    PeopleImport.objects.filter(pk=record.pk, status=ImportStatus.CHECKING).update(**fields)
    record.refresh_from_db()
    return plan


# A file checked but not applied is kept this long (it holds a whole HR export): then it goes.
UNAPPLIED_IMPORT_TTL = timedelta(days=1)


def people_imports_expire(*, now: datetime) -> int:
    """Delete the uploads checked but not applied within a day (and their files), of every
    organisation, except one a job is still checking or applying. Answers how many went."""
    from soms.jobs.models import FINISHED

    old = PeopleImport.objects.filter(created_at__lt=now - UNAPPLIED_IMPORT_TTL).exclude(
        status=ImportStatus.APPLIED
    )
    busy = old.filter(job__isnull=False).exclude(job__status__in=FINISHED)
    deleted, _ = old.exclude(pk__in=busy.values("pk")).delete()
    return int(deleted)


ALREADY_APPLIED = "This import has already been applied."
BEING_APPLIED = (
    "This import is being applied right now (from another tab or request); nothing more was "
    "written. Wait for it to finish and reload its page."
)
TAKEN_OVER = (
    "This import was taken over by another apply (this one had not finished in over "
    "{minutes} minutes, so its claim was counted as stopped); nothing was written by this one. "
    "Reload the import's page to see how the other apply went."
)
CHANGED_WHILE_APPLYING = (
    "The organisation changed while this import was being written (another edit or import added a "
    "row it would add), so nothing was written. Check the file again and apply the new dry run."
)
CHANGED_SINCE_CHECK = (
    "The organisation changed since this file was checked (someone changed a person it touches, "
    "or another import or edit moved what it would do), so nothing was written. The file has been "
    "checked again against today's data: review the new dry run and apply it again."
)


def _check_ready(record: PeopleImport) -> None:
    if record.status == ImportStatus.APPLIED:
        raise PeopleConflict(ALREADY_APPLIED)
    if record.status == ImportStatus.APPLYING:
        raise PeopleConflict(BEING_APPLIED)
    if record.status == ImportStatus.CHECKING:
        raise PeopleConflict("This file is still being checked: follow the job's progress.")
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


def people_import_claim_stale(record: PeopleImport, *, now: datetime | None = None) -> bool:
    """Whether `record` is claimed by an apply that has stopped: applying for longer than
    SOMS_IMPORT_CLAIM_SECONDS with no job still running it (a job's own retry takes its claim back,
    soms.people.jobs). An inline apply whose process died leaves such a claim; nothing was written."""
    if record.status != ImportStatus.APPLYING or record.claimed_at is None:
        return False
    if record.job is not None and not record.job.is_finished:
        return False
    now = now or timezone.now()
    return record.claimed_at < now - timedelta(seconds=settings.SOMS_IMPORT_CLAIM_SECONDS)


def _gone() -> NotFound:
    """The import went after the caller found it: a person's erasure deletes every import not yet
    applied (soms.people.services.privacy), and so may the daily expiry. The answer is the one for
    a missing import (it was a 500 when the apply read it again)."""
    return NotFound("No such import")


def _claim(record: PeopleImport) -> None:
    """Take the import for this caller: one conditional UPDATE from ready to applying, so of two
    tabs or API calls applying it at once exactly one goes on; the other is told why not. The same
    UPDATE takes over a stale claim (`people_import_claim_stale`) at the claim time and job read
    just before, so of two callers taking it over also exactly one goes on."""
    now = timezone.now()
    current = PeopleImport.objects.select_related("job").filter(pk=record.pk).first()
    if current is None:
        raise _gone()
    which = Q(status=ImportStatus.READY)
    if people_import_claim_stale(current, now=now):
        which |= Q(status=ImportStatus.APPLYING, claimed_at=current.claimed_at, job_id=current.job_id)
    if PeopleImport.objects.filter(which, pk=record.pk).update(status=ImportStatus.APPLYING, claimed_at=now):
        record.status, record.claimed_at = ImportStatus.APPLYING, now
        return
    try:
        record.refresh_from_db()
    except PeopleImport.DoesNotExist:
        raise _gone() from None
    _check_ready(record)
    raise PeopleConflict("This import cannot be applied now; reload its page.")  # pragma: no cover


def people_import_release(*, record: PeopleImport) -> bool:
    """Give a claimed import back (ready) when its apply stopped without writing, e.g. the job's
    earlier attempt whose worker died. Answers whether it was claimed."""
    released = PeopleImport.objects.filter(pk=record.pk, status=ImportStatus.APPLYING).update(
        status=ImportStatus.READY, claimed_at=None
    )
    record.refresh_from_db()
    return bool(released)


def people_import_apply(
    *, record: PeopleImport, actor: Any, progress: Progress | None = None, plan: Plan | None = None
) -> dict[str, Any]:
    """Check the stored file again against today's data and, if its dry run is still what was
    reviewed, write it. `plan` is a check made moments ago in the same job (a large file checked,
    then applied). Refused (PeopleConflict, nothing written) when another caller has applied or is
    applying it, or when the organisation changed since the check (the record then holds the new
    check, to review)."""
    _claim(record)
    mine = _mine(record)
    try:
        return _apply_claimed(record=record, actor=actor, progress=progress, plan=plan)
    except BaseException:
        # Whatever stopped it wrote nothing (the write is one transaction): ready to try again,
        # unless another apply has taken the claim over meanwhile (then it is theirs to finish).
        PeopleImport.objects.filter(mine).update(status=ImportStatus.READY, claimed_at=None)
        with contextlib.suppress(PeopleImport.DoesNotExist):  # erased meanwhile: the first error stands
            record.refresh_from_db()
        raise


def _taken_over() -> str:
    return TAKEN_OVER.format(minutes=max(1, int(settings.SOMS_IMPORT_CLAIM_SECONDS) // 60))


def _mine(record: PeopleImport) -> Q:
    """The record as this caller claimed it: its claim time is the claim's token."""
    return Q(pk=record.pk, status=ImportStatus.APPLYING, claimed_at=record.claimed_at)


def _apply_claimed(
    *, record: PeopleImport, actor: Any, progress: Progress | None, plan: Plan | None
) -> dict[str, Any]:
    options = Options.from_dict(record.options)
    mine = _mine(record)
    if plan is None:
        if progress is not None:
            progress("checking", 0, int(record.summary.get("rows") or 0))
        plan = check_file(
            organisation=record.organisation,
            filename=record.filename,
            content=bytes(record.content),
            options=options,
            sheet=record.options.get("sheet") or None,
        )
    if plan.problems:
        PeopleImport.objects.filter(mine).update(
            status=ImportStatus.INVALID,
            claimed_at=None,
            problems=[p.as_dict() for p in plan.problems],
            summary=plan.summary(),
            fingerprint="",
        )
        record.refresh_from_db()
        raise PeopleConflict("The organisation changed since the check and the file now has problems.")
    fingerprint = plan.fingerprint()
    if record.fingerprint and fingerprint != record.fingerprint:
        # The plan reviewed is not the plan that would run: keep the new one for review instead.
        PeopleImport.objects.filter(mine).update(
            status=ImportStatus.READY, claimed_at=None, summary=plan.summary(), fingerprint=fingerprint
        )
        record.refresh_from_db()
        raise PeopleConflict(CHANGED_SINCE_CHECK)
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

    def start() -> None:
        # First in the write transaction, before any row: this caller's claim must still be its own.
        # An UPDATE (not a read) so that the row stays locked to the commit: on PostgreSQL a takeover
        # waits for this transaction and then finds the claim time changed; on SQLite it holds the
        # write lock. An applier stalled past SOMS_IMPORT_CLAIM_SECONDS and overtaken stops here.
        if not PeopleImport.objects.filter(mine).update(status=ImportStatus.APPLYING):
            raise PeopleConflict(_taken_over())

    def finish(result: dict[str, Any]) -> None:
        # In the transaction that makes the import live: the record says applied exactly when it is.
        organisation_changed.send(None, organisation_id=record.organisation_id)
        claimed = PeopleImport.objects.filter(mine).update(
            status=ImportStatus.APPLIED,
            applied_at=timezone.now(),
            summary={**record.summary, "result": result},
            content=b"",
        )
        if not claimed:
            # Someone released, took over (a stale claim) or deleted it meanwhile: roll it all back.
            raise PeopleConflict(BEING_APPLIED)

    try:
        result = write_prepared(
            organisation=record.organisation,
            prepared=prepared,
            actor=actor,
            start=start,
            finish=finish,
            progress=progress or _silent,
        )
    except IntegrityError as exc:
        # A row it would add exists by now (rolled back, nothing written): taken over after `start`
        # looked, or another edit added it. A conflict to explain, not a 500.
        if not PeopleImport.objects.filter(mine).exists():
            raise PeopleConflict(_taken_over()) from exc
        raise PeopleConflict(CHANGED_WHILE_APPLYING) from exc
    if progress is not None:
        progress("writing", prepared.people, prepared.people)
    record.refresh_from_db()
    return result
