"""Background jobs of the people app: checking and applying a large HR file, exporting many people."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from soms.jobs.runner import JobContext, JobError, job
from soms.people.errors import PeopleConflict
from soms.people.models import ImportStatus, PeopleImport

# What each stage of an apply is called on the progress bar.
STAGES = {
    "reading": "Reading the file",
    "checking rows": "Checking every row",
    "checking": "Checking the file again against today's data",
    "preparing": "Preparing the rows",
    "writing": "Writing (all or nothing)",
}


@job
def people_import_apply_job(ctx: JobContext, *, import_id: int) -> str:
    record = PeopleImport.objects.filter(pk=import_id, organisation=ctx.organisation).first()
    if record is None:
        raise JobError("The checked file was deleted before it could be applied.")
    from soms.people.services.imports import people_import_apply

    _release_own_claim(ctx, record)

    def progress(stage: str, done: int, total: int) -> None:
        ctx.progress(done, total, STAGES.get(stage, stage))

    try:
        result = people_import_apply(record=record, actor=ctx.actor, progress=progress)
    except PeopleConflict as exc:
        raise JobError(str(exc)) from None
    ctx.result_link(reverse("people-tree"), "Open the org tree")
    return (
        f"Imported {record.filename}: {result['created']} created, {result['updated']} changed, "
        f"{result['deactivated']} deactivated."
    )


def _release_own_claim(ctx: JobContext, record: PeopleImport) -> None:
    """An earlier attempt of this very job claimed the import and its worker died before the write
    committed (nothing was written: the write is one transaction); this attempt takes it again."""
    if record.status == ImportStatus.APPLYING and record.job_id == ctx.job.pk and ctx.job.attempts > 1:
        from soms.people.services.imports import people_import_release

        people_import_release(record=record)


@job
def people_import_check_job(ctx: JobContext, *, import_id: int, then_apply: bool = False) -> str:
    """The dry run of a large file: read and check every row, store the problems or the summary;
    with `then_apply` (an API upload without dry run) a clean file is then applied."""
    record = PeopleImport.objects.filter(pk=import_id, organisation=ctx.organisation).first()
    if record is None:
        raise JobError("The uploaded file was deleted before it could be checked.")
    from soms.people.services.imports import people_import_apply, people_import_check_stored

    ctx.progress(0, None, STAGES["reading"])

    def rows(done: int, total: int) -> None:
        ctx.progress(done, total, STAGES["checking rows"])

    try:
        plan = people_import_check_stored(record=record, progress=rows)
    except PeopleConflict as exc:
        raise JobError(str(exc)) from None
    ctx.result_link(reverse("people-import-detail", kwargs={"import_id": record.pk}), "Open the check")
    if plan.problems:
        count = len(plan.problems)
        return f"{record.filename} has {count:,} problem{'s' if count != 1 else ''}; nothing was written."
    s = record.summary
    checked = (
        f"{s['rows']:,} rows: {s['create']:,} to create, {s['update']:,} to change, "
        f"{s['unchanged']:,} unchanged, {s['deactivate']:,} to deactivate"
    )
    if not then_apply:
        return f"Checked {record.filename}: {checked}. Nothing is written until you apply it."

    def progress(stage: str, done: int, total: int) -> None:
        ctx.progress(done, total, STAGES.get(stage, stage))

    try:
        result = people_import_apply(record=record, actor=ctx.actor, progress=progress, plan=plan)
    except PeopleConflict as exc:
        raise JobError(str(exc)) from None
    ctx.result_link(reverse("people-tree"), "Open the org tree")
    return (
        f"Imported {record.filename}: {result['created']} created, {result['updated']} changed, "
        f"{result['deactivated']} deactivated."
    )


@job
def people_export_job(ctx: JobContext, *, fmt: str) -> str:
    from soms.people.services.exports import (
        CONTENT_TYPES,
        people_export_bytes,
        people_export_count,
        people_export_filename,
    )

    if fmt not in CONTENT_TYPES:
        raise JobError(f"Unknown export format {fmt!r}.")
    total = people_export_count(ctx.organisation.pk)

    def progress(done: int, of: int) -> None:
        ctx.progress(done, of, "Writing people")

    data = people_export_bytes(ctx.organisation.pk, fmt, progress=progress)
    ctx.result_file(people_export_filename(ctx.organisation, fmt), data, content_type=CONTENT_TYPES[fmt])
    return f"Exported {total:,} people as {fmt.upper()}: download the file."


@job
def invitation_send_job(ctx: JobContext, *, invitation_id: int) -> str:
    """Send one invitation's mail; a failure is recorded on the invitation (the members page shows
    it and offers "Send again") and fails the job with the same reason."""
    from soms.people.models import Invitation, InvitationSend, InvitationStatus
    from soms.people.services.invitations import invitation_send

    invitation = Invitation.objects.filter(pk=invitation_id, organisation=ctx.organisation).first()
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        return "The invitation was withdrawn or answered before its mail left: nothing was sent."
    invitation = invitation_send(invitation=invitation)
    if invitation.send_status == InvitationSend.FAILED:
        raise JobError(f"The invitation to {invitation.email} was not sent: {invitation.send_error}")
    if invitation.next_send_at is not None:
        at = timezone.localtime(invitation.next_send_at).strftime("%H:%M")
        return f"The invitation to {invitation.email} was not sent yet: {invitation.send_error}. It is tried again at {at}."
    return f"Sent the invitation to {invitation.email}."
